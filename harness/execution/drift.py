"""The drift probe: a fixed piece of work timed next to every repeat, the machine's speed.

On a shared machine single-thread speed drifts by up to 1.7x within minutes, so two cells
measured minutes apart (or two runs of one suite) can disagree while each cell's own
repeats agree. The probe is the same work everywhere (an exact top-10 of fixed seeded
vectors: a matrix product, a partition and a random gather, the operations searches are made
of; about 1 ms a pass, the fastest of 3 passes a reading), timed before the first repeat of a
cell and after each. Its rate says how fast the
machine was while the cell was timed: the analysis and `compare` divide qps by it to take
the machine's drift out of comparisons between cells and between runs (a reference setting
re-measured through the run, as asv and pyperf calibrate against a fixed loop).
"""

from __future__ import annotations

import time
from functools import cache

import numpy as np

PASSES = 3  # probe passes per reading; the reading is their fastest (least disturbed) one


@cache
def _work() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Seeded data: the same on every machine and in every run (never part of a result)."""
    rng = np.random.default_rng(20261208)
    docs = rng.standard_normal((2048, 64), dtype=np.float32)
    queries = rng.standard_normal((16, 64), dtype=np.float32)
    gather = rng.integers(0, len(docs), 4096)
    return docs, queries, gather


def _one(docs: np.ndarray, queries: np.ndarray, gather: np.ndarray) -> float:
    t0 = time.perf_counter_ns()
    scores = queries @ docs.T
    top = np.argpartition(-scores, 10, axis=1)[:, :10]
    float(docs[gather].sum()) + float(top.sum())
    return (time.perf_counter_ns() - t0) / 1e9


def reading() -> float:
    """Probe passes per second now: the fastest of PASSES back-to-back passes (the caller
    limits threads; the harness reads it inside its single-thread block)."""
    work = _work()
    best = min(_one(*work) for _ in range(PASSES))
    return 1.0 / best if best > 0 else float("inf")


def summary(readings: list[float]) -> dict[str, float | None]:
    """A cell's probe columns: the readings' median, min, max and max / min (None without
    readings)."""
    if not readings:
        return dict.fromkeys(("probe_rate", "probe_min", "probe_max", "probe_spread"))
    rates = np.asarray(readings, dtype=float)
    low, high = float(rates.min()), float(rates.max())
    return {"probe_rate": float(np.median(rates)), "probe_min": low, "probe_max": high,
            "probe_spread": high / low if low > 0 else None}

