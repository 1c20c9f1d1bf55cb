"""Reading memory-mapped arrays (cache entries, .npy datasets) without keeping them resident.

A page of a read-only file mapping that has been read counts in the process's resident
memory (and its high-water mark) until it is unmapped. Code that streams through a large
mapping in blocks releases each block once read, so a 1M x 384 corpus costs a block, not
1.5 GB, on top of what is computed from it. Re-reading a released block just reads the
file again (the OS page cache usually still holds it).
"""

from __future__ import annotations

import mmap
from collections.abc import Iterator

import numpy as np

BLOCK = 65536  # rows per block


def release(x: np.ndarray, a: int, b: int) -> None:
    """Drop rows a..b of a read-only, C-contiguous np.memmap from resident memory."""
    mm = getattr(x, "_mmap", None)
    if not isinstance(x, np.memmap) or mm is None or x.flags.writeable or not x.flags.c_contiguous:
        return
    row = x.strides[0] if x.ndim else x.itemsize
    base = x.offset - x.offset % mmap.ALLOCATIONGRANULARITY  # where numpy's mapping starts
    lo = x.offset - base + a * row
    start = lo + (-lo) % mmap.PAGESIZE  # whole pages inside the rows only
    stop = (x.offset - base + b * row) // mmap.PAGESIZE * mmap.PAGESIZE
    if stop > start:
        mm.madvise(mmap.MADV_DONTNEED, start, stop - start)


def blocks(x: np.ndarray, size: int = BLOCK) -> Iterator[tuple[int, np.ndarray]]:
    """(start row, block) over x's rows; each block of a memmap is released after use."""
    for a in range(0, len(x), size):
        b = min(a + size, len(x))
        yield a, x[a:b]
        release(x, a, b)
