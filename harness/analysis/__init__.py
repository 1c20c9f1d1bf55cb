"""Analysis of a stored run: funnel, rankings, frontiers, probe and recommendation."""
