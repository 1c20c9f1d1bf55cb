"""Native libraries that print their progress on the process's stdout (fd 1), silenced."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator


@contextlib.contextmanager
def quiet_stdout() -> Iterator[None]:
    """fd 1 sent to /dev/null for the block (DiskANN, NGT's optimizer): the harness's
    terminal owns it."""
    try:
        fd = os.dup(1)
    except OSError:  # no stdout at all
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        yield
    finally:
        os.dup2(fd, 1)
        os.close(fd)
        os.close(devnull)
