"""A load point's figures from its clients' samples: qps, latency percentiles, CPU use."""

from __future__ import annotations

import math
import resource
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from harness.execution.load.loop import ClientSample


@dataclass(frozen=True)
class PointFigures:
    n_queries: int
    wall_s: float
    qps: float
    latency_p50_ms: float
    latency_p95_ms: float
    latency_p99_ms: float
    latency_max_ms: float
    cpu_s: float
    cpu_util: float  # cpu_s / (wall_s * cores): the share of the machine's cores used

    def record(self) -> dict[str, Any]:
        return asdict(self)


def cpu_seconds() -> float:
    """User + system CPU of this process (every thread, native pools included)."""
    u = resource.getrusage(resource.RUSAGE_SELF)
    return u.ru_utime + u.ru_stime


def figures(samples: list[ClientSample], start_ns: int, cpu_s: float, cores: int
            ) -> PointFigures:
    """qps = completed queries / (last completion - start); latencies over every query."""
    lat = np.concatenate([s.latency_ns for s in samples]) if samples else np.empty(0)
    ends = [int(s.finish_ns.max()) for s in samples if len(s.finish_ns)]
    wall = (max(ends) - start_ns) / 1e9 if ends else 0.0
    nan = float("nan")
    if not len(lat) or wall <= 0:
        return PointFigures(0, wall, nan, nan, nan, nan, nan, cpu_s, nan)
    p50, p95, p99 = np.percentile(lat, [50, 95, 99]) / 1e6
    return PointFigures(len(lat), wall, len(lat) / wall, float(p50), float(p95), float(p99),
                        float(lat.max()) / 1e6, cpu_s, cpu_s / (wall * cores))


def max_qps_at(points: list[dict[str, Any]], slo_ms: float) -> float:
    """The highest qps among points whose p99 meets the SLO (NaN when none does)."""
    ok = [p["qps"] for p in points
          if p["latency_p99_ms"] <= slo_ms and not math.isnan(p["qps"])]
    return max(ok) if ok else float("nan")
