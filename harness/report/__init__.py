"""Turning a run's results into tables, plots and HTML."""
