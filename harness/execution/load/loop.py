"""One load client's loop, the same in a thread and in a process.

Closed loop: the client sends a query, waits for its answer, sends the next, until the
point's end. Open loop: the client serves the arrivals dealt to it (a schedule of due times);
a query that is due while the previous one still runs waits, and its latency is counted from
its scheduled arrival, not from when it was sent (queueing included: no coordinated
omission). Queries are sliced before the loop; the loop calls the search and the clock only.
The clock is time.monotonic_ns (CLOCK_MONOTONIC on Linux), the same in every process, so the
clients of one point share a start time.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

SearchRow = Callable[[int], object]  # search the query at this row index
SPIN_NS = 200_000  # below this a due time is waited for by spinning (sleep overshoots)


@dataclass
class ClientSample:
    """What one client measured: per query its latency and completion time (ns)."""

    latency_ns: np.ndarray
    finish_ns: np.ndarray


def wait_until(t_ns: int) -> None:
    while True:
        left = t_ns - time.monotonic_ns()
        if left <= 0:
            return
        if left > SPIN_NS:
            time.sleep((left - SPIN_NS) / 1e9)


def closed_loop(search: SearchRow, n_rows: int, first: int, start_ns: int,
               end_ns: int) -> ClientSample:
    """Queries back to back from row `first` (round robin over the rows) until `end_ns`.

    One clock read per query: a query is sent the moment the previous answer is read, so
    its latency is the time between the two answers (the first from the start). A second
    read per query was GIL time the bare library loop does not spend (bench/load.py)."""
    fin: list[int] = []
    i = first
    wait_until(start_ns)
    t0 = t = time.monotonic_ns()
    while t < end_ns:
        search(i % n_rows)
        t = time.monotonic_ns()
        fin.append(t)
        i += 1
    finish = np.asarray(fin, dtype=np.int64)
    return ClientSample(np.diff(finish, prepend=np.int64(t0)), finish)


def open_loop(search: SearchRow, n_rows: int, due_ns: np.ndarray, start_ns: int
              ) -> ClientSample:
    """Serve arrivals due at start_ns + due_ns[j] (in order); latency from the due time."""
    lat = np.empty(len(due_ns), dtype=np.int64)
    fin = np.empty(len(due_ns), dtype=np.int64)
    for j, offset in enumerate(due_ns.tolist()):
        due = start_ns + int(offset)
        wait_until(due)
        search(j % n_rows)
        t1 = time.monotonic_ns()
        lat[j] = t1 - due
        fin[j] = t1
    return ClientSample(lat, fin)


def poisson_schedule(rate_qps: float, seconds: float, seed: int) -> np.ndarray:
    """Arrival offsets (ns) of a Poisson process at `rate_qps` over `seconds` (seeded)."""
    rng = np.random.default_rng(seed)
    n = max(1, int(rate_qps * seconds * 1.2) + 10)
    t = np.cumsum(rng.exponential(1.0 / rate_qps, size=n))
    while t[-1] < seconds:  # rare: draw more until the window is covered
        t = np.concatenate([t, t[-1] + np.cumsum(rng.exponential(1.0 / rate_qps, size=n))])
    return (t[t < seconds] * 1e9).astype(np.int64)


def deal(schedule: np.ndarray, workers: int) -> list[np.ndarray]:
    """Arrivals dealt to the workers in turn (a round-robin balancer in front of them)."""
    return [schedule[w::workers] for w in range(workers)]
