"""The C allocator's in-use bytes (glibc mallinfo2), for libraries whose memory no formula
gives: the growth across a build is what the index keeps allocated."""

from __future__ import annotations

import ctypes
from collections.abc import Callable
from typing import Any


class _MallInfo2(ctypes.Structure):
    _fields_ = [(f, ctypes.c_size_t) for f in ("arena", "ordblks", "smblks", "hblks", "hblkhd",
                "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost")]


def _mallinfo2() -> Any:
    try:
        fn = ctypes.CDLL("libc.so.6").mallinfo2
    except (OSError, AttributeError):  # not glibc, or glibc < 2.33
        return None
    fn.restype = _MallInfo2
    return fn


_INFO = _mallinfo2()


def in_use() -> int | None:
    """Bytes handed out by malloc (small blocks + mmapped ones), or None where unknown."""
    if _INFO is None:
        return None
    m = _INFO()
    return int(m.uordblks + m.hblkhd)


def allocated_by(build: Callable[[], None]) -> int | None:
    """How many more bytes malloc has handed out after build() than before (None: unknown).
    Unlike the RSS, it counts allocations that reuse pages freed earlier in the process."""
    before = in_use()
    build()
    after = in_use()
    return None if before is None or after is None else max(0, after - before)
