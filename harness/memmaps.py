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

# Bytes of input per block: temporaries made from a block stay a few times this, whatever
# the corpus size.
BLOCK_BYTES = 16 * 2**20


def _mapping(x: np.ndarray) -> mmap.mmap | None:
    """The file mapping x's memory lives in (through views and asarray), if any."""
    b: object = x
    while b is not None:
        if isinstance(b, mmap.mmap):
            return b
        mm = getattr(b, "_mmap", None)
        if isinstance(mm, mmap.mmap):
            return mm
        b = getattr(b, "base", None)
    return None


def release(x: np.ndarray, a: int, b: int) -> None:
    """Drop rows a..b of an array backed by a read-only file mapping from resident memory;
    anything else is left alone."""
    mm = _mapping(x)
    if mm is None or x.flags.writeable or not x.flags.c_contiguous or b <= a:
        return
    start_of_map = np.frombuffer(mm, dtype=np.uint8).ctypes.data
    row = x.strides[0] if x.ndim else x.itemsize
    lo = x.ctypes.data - start_of_map + a * row
    start = lo + (-lo) % mmap.PAGESIZE  # whole pages inside the rows only
    stop = (x.ctypes.data - start_of_map + b * row) // mmap.PAGESIZE * mmap.PAGESIZE
    if stop > start:
        mm.madvise(mmap.MADV_DONTNEED, start, stop - start)


def blocks(x: np.ndarray, size: int | None = None) -> Iterator[tuple[int, np.ndarray]]:
    """(start row, block) over x's rows (about BLOCK_BYTES each unless `size` rows are
    given); each block of a memmap is released after use."""
    row_bytes = max(1, x.itemsize * int(np.prod(x.shape[1:], dtype=np.int64)))
    size = size or max(1, BLOCK_BYTES // row_bytes)
    for a in range(0, len(x), size):
        b = min(a + size, len(x))
        yield a, x[a:b]
        release(x, a, b)
