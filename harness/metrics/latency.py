"""Latency summary statistics from per-query timings."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class LatencyStats:
    """Per-query latency in milliseconds; tails (p95, p99) matter more than the mean for serving."""

    p50_ms: float
    p95_ms: float
    p99_ms: float
    mean_ms: float
    n: int


def latency_stats(ns: np.ndarray) -> LatencyStats:
    """Summarise per-query nanoseconds (e.g. from time.perf_counter_ns) in milliseconds.

    Percentiles use numpy's default linear interpolation, so p99 of a small sample lies between
    the two largest values rather than jumping to the maximum. An empty sample gives NaN with
    n=0 instead of raising, so a failed point can still be reported.
    """
    a = np.asarray(ns, dtype=np.float64).ravel() / 1e6
    if a.size == 0:
        nan = float("nan")
        return LatencyStats(nan, nan, nan, nan, 0)
    p50, p95, p99 = np.percentile(a, [50, 95, 99])
    return LatencyStats(float(p50), float(p95), float(p99), float(a.mean()), int(a.size))
