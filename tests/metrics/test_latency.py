"""Latency statistics from per-query nanoseconds."""

from __future__ import annotations

import math

import numpy as np
import pytest

from harness.metrics.latency import LatencyStats, latency_stats


def test_latency_stats_linear_interpolation():
    ns = np.arange(1, 101) * 1_000_000  # 1 ms .. 100 ms
    s = latency_stats(ns)
    # linear: position (n-1)*p = 99*0.5 = 49.5 -> between 50 and 51 ms
    assert s.p50_ms == pytest.approx(50.5)
    assert s.p95_ms == pytest.approx(95.05)  # 99*0.95 = 94.05 -> 95 + 0.05
    assert s.p99_ms == pytest.approx(99.01)  # 99*0.99 = 98.01 -> 99 + 0.01
    assert s.mean_ms == pytest.approx(50.5)
    assert s.n == 100
    assert isinstance(s.p50_ms, float)
    assert isinstance(s, LatencyStats)


def test_latency_stats_small_and_empty():
    s = latency_stats(np.array([2_000_000, 4_000_000]))
    # 2 ms and 4 ms: p95 at position 0.95 -> 2 + 0.95*2 = 3.9; p99 -> 3.98
    assert s.p50_ms == pytest.approx(3.0)
    assert s.p95_ms == pytest.approx(3.9)
    assert s.p99_ms == pytest.approx(3.98)
    assert s.mean_ms == pytest.approx(3.0)
    assert s.n == 2
    e = latency_stats(np.array([], dtype=np.int64))
    assert e.n == 0 and math.isnan(e.p50_ms)
