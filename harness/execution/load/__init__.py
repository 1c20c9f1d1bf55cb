"""The load axis: concurrent clients against one built index (closed loop, open loop, batch
sizes), run after the cell's normal measurement on the same index."""
