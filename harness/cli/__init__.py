"""The command line: `harness` and `python -m harness.cli` (main), its parser (args), the views
that print tables and summaries (views) and the terminal helpers (terminal)."""

from harness.cli.main import main

__all__ = ["main"]
