"""The harness's own measurement loops: thread limits, timed passes, peak memory.

Throughput is measured (queries / wall time of a full pass), never derived from latency.
Latency is per query from a separate loop. Both use time.perf_counter_ns.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np


@contextlib.contextmanager
def thread_limit(n: int) -> Iterator[None]:
    """Limit BLAS/OpenMP pools (numpy, faiss) to n threads for the block.

    threadpoolctl is entered first, so that it records the real previous values; faiss's own
    OpenMP setting is then changed inside it and restored last, so blocks nest correctly.
    """
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=n):
        try:
            import faiss
        except ImportError:  # pragma: no cover - faiss is a core dependency
            yield
            return
        before = faiss.omp_get_max_threads()
        faiss.omp_set_num_threads(n)
        try:
            yield
        finally:
            faiss.omp_set_num_threads(before)


def timed_pass(search: Callable[[Any], Any], batch: Any) -> tuple[float, Any]:
    """Seconds for one call over all queries, and its result."""
    t0 = time.perf_counter_ns()
    out = search(batch)
    return (time.perf_counter_ns() - t0) / 1e9, out


def per_query_ns(search: Callable[[Any], Any], rows: list[Any]) -> np.ndarray:
    """Nanoseconds per single-query call; the loop holds nothing but the call and the clock.

    `rows` are prepared (sliced) before timing.
    """
    n = len(rows)
    out = np.empty(n, dtype=np.int64)
    clock = time.perf_counter_ns
    for i in range(n):
        q = rows[i]
        t0 = clock()
        search(q)
        out[i] = clock() - t0
    return out


def _status_kb(field: str) -> int | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


@dataclass
class PeakMemory:
    """Peak RSS increase over a block, via the kernel's resettable high-water mark (Linux).

    Writing 5 to /proc/self/clear_refs resets VmHWM, so the peak is the block's own, not the
    process's lifetime maximum. Where that is not possible the value stays None (unknown),
    rather than an RSS delta that is wrong for mmap'd data.
    """

    start_kb: int | None = None
    peak_increase_bytes: int | None = None

    def __enter__(self) -> PeakMemory:
        try:
            Path("/proc/self/clear_refs").write_text("5")
            self.start_kb = _status_kb("VmRSS")
        except OSError:
            self.start_kb = None
        return self

    def __exit__(self, *exc: object) -> None:
        hwm = _status_kb("VmHWM")
        if self.start_kb is not None and hwm is not None:
            self.peak_increase_bytes = max(0, hwm - self.start_kb) * 1024
