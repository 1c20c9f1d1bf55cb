"""The terminal side of the command line: stdout that survives its reader going away, and
the confirmation a very large grid needs."""

from __future__ import annotations

import contextlib
import os
import sys
from typing import Any, TextIO

from harness.errors import UserError
from harness.plan.checks import MAX_CELLS, grid_size
from harness.suite.schema import load_suite


class QuietPipe:
    """stdout that stops writing, silently, once its reader has gone (BrokenPipeError):
    `harness datasets | head` ends quietly and `harness run | head` finishes the run."""

    def __init__(self, inner: TextIO) -> None:
        self.inner = inner
        self.closed_pipe = False

    def write(self, text: str) -> int:
        if not self.closed_pipe:
            try:
                return self.inner.write(text)
            except BrokenPipeError:
                self._drop()
        return len(text)

    def flush(self) -> None:
        if not self.closed_pipe:
            try:
                self.inner.flush()
            except BrokenPipeError:
                self._drop()

    def _drop(self) -> None:
        self.closed_pipe = True
        # the interpreter flushes stdout at exit: point the descriptor at /dev/null
        with contextlib.suppress(OSError, ValueError, AttributeError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), self.inner.fileno())

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def confirm_grid(path: str, yes: bool) -> None:
    """A grid above MAX_CELLS runs only with --yes, or after a 'y' at an interactive prompt
    (never in CI, where nobody answers)."""
    loaded = load_suite(path)
    n = grid_size(loaded)
    if n <= MAX_CELLS or yes:
        return
    ask = f"{path}: the suite expands to up to {n:,} cells (more than {MAX_CELLS:,})"
    if sys.stdin.isatty() and not os.environ.get("CI"):
        print(f"{ask}; continue? [y/N] ", end="", file=sys.stderr, flush=True)
        if input().strip().lower() in ("y", "yes"):
            return
    raise UserError(f"the suite expands to up to {n:,} cells, more than {MAX_CELLS:,}",
                    file=path, suggestion="pass --yes to accept it, or narrow the axes or "
                    "add exclude rules")
