"""The harness's own measurement loops: thread limits, timed passes, peak memory.

Throughput is measured (queries / wall time of a full pass), never derived from latency.
Latency is per query from a separate loop. Both use time.perf_counter_ns.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

_CONTROLLER: list[Any] = []  # [(len(sys.modules) when scanned, ThreadpoolController)]


def _controller() -> Any:
    """threadpoolctl's view of the loaded BLAS/OpenMP libraries, scanned again only when a
    module was imported since (native pools arrive with imports). A scan reads every loaded
    library's file (about 2.5 ms): per thread_limit block it was half a small cell's wall."""
    from threadpoolctl import ThreadpoolController

    if not _CONTROLLER or _CONTROLLER[0][0] != len(sys.modules):
        _CONTROLLER[:] = [(len(sys.modules), ThreadpoolController())]
    return _CONTROLLER[0][1]


@contextlib.contextmanager
def thread_limit(n: int) -> Iterator[None]:
    """Limit BLAS/OpenMP pools (numpy, faiss) to n threads for the block.

    threadpoolctl is entered first, so that it records the real previous values; faiss's own
    OpenMP setting is then changed inside it and restored last, so blocks nest correctly.
    """
    with _controller().limit(limits=n):
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


def _status_kb(field: str, pid: int | str = "self") -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def _release_free_heap() -> None:
    """Hand memory freed before the block (the ground truth's buffers, prepare's copies) back
    to the OS, so the baseline is live memory only. Without it glibc keeps freed buffers
    mapped and the block's index reuses them: RSS would not rise for a 13 MB index."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


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
        _release_free_heap()
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


def process_peak_mb(pid: int) -> float | None:
    """A (child) process's lifetime peak RSS in MB (VmHWM), None once it is gone or unknown."""
    kb = _status_kb("VmHWM", pid)
    return None if kb is None else kb / 1024


# Above this max/min ratio of a setting's interleaved repeats, its speed figures are flagged
# unstable (timing_unstable): the spread inside one measurement on a quiet machine is
# 10-20%, so 1.3x means the machine changed speed while the setting was measured.
UNSTABLE_SPREAD = 1.3


def spread(runs: list[float]) -> float | None:
    """max / min of a setting's repeated qps (None with fewer than two repeats)."""
    if len(runs) < 2 or min(runs) <= 0:
        return None
    return max(runs) / min(runs)


def machine_load() -> dict[str, Any]:
    """What says whether timings were taken on a busy machine: load averages and, where
    readable, the CPU frequency governor."""
    out: dict[str, Any] = {"cpu_count": os.cpu_count()}
    try:
        out["load_avg"] = [round(x, 2) for x in os.getloadavg()]
    except OSError:
        out["load_avg"] = None
    try:
        gov = Path("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor").read_text()
        out["cpu_governor"] = gov.strip()
    except OSError:
        out["cpu_governor"] = None
    return out


def loaded(load: dict[str, Any]) -> bool:
    """The 1-minute load average exceeds the core count: other work competed for the CPUs."""
    avg, cores = load.get("load_avg"), load.get("cpu_count")
    return bool(avg and cores and avg[0] > cores)
