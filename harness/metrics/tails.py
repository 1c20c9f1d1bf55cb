"""Tail metrics: how a configuration does on its worst queries, not only on average.

Two configurations with the same mean can differ in how many queries fail outright. These
figures are computed from the per-query arrays a cell stores (harness.store.perquery):

- `task_p10`, `task_p25`, `task_median`: quantiles of the main task metric over the evaluated
  queries (numpy's default linear interpolation);
- `task_worst10`: the mean of the worst decile (the ceil(10%) lowest queries, at least one);
- `task_robust50|90|100`, `knn_robust50|90|100`: Robustness-delta, the share of queries whose
  value reaches delta (0.5, 0.9, 1.0) for the task metric and for knn_recall@min(10, k).

The column names are fixed (the task metric is the row's main metric, the suite's first
`evaluate` entry), so every run's table has the same columns.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

DELTAS = (0.5, 0.9, 1.0)
QUANTILES = {"task_p10": 0.10, "task_p25": 0.25, "task_median": 0.50}
WORST_SHARE = 0.10


def robust_name(prefix: str, delta: float) -> str:
    return f"{prefix}_robust{round(delta * 100)}"


TAIL_COLUMNS = (*QUANTILES, "task_worst10",
                *(robust_name(p, d) for p in ("task", "knn") for d in DELTAS))
# what each column means, for the row schema (harness.store.row) and its reference page
TAIL_DOCS = {
    "task_p10": "10th percentile of the main task metric over the evaluated queries",
    "task_p25": "25th percentile of the main task metric",
    "task_median": "median of the main task metric",
    "task_worst10": "mean main task metric of the worst 10% of queries",
    **{robust_name("task", d): f"share of queries whose main task metric reaches {d}"
       for d in DELTAS},
    **{robust_name("knn", d): f"share of queries whose knn_recall@min(10, k) reaches {d}"
       for d in DELTAS},
}


def robustness(values: np.ndarray, delta: float) -> float:
    """Share of queries whose value is at least delta (NaN when there are none)."""
    v = np.asarray(values, dtype=np.float64)
    return float(np.mean(v >= delta - 1e-12)) if len(v) else math.nan


def worst_mean(values: np.ndarray, share: float = WORST_SHARE) -> float:
    """Mean of the ceil(share * n) lowest values (at least one); NaN for no values."""
    v = np.sort(np.asarray(values, dtype=np.float64))
    if not len(v):
        return math.nan
    return float(np.mean(v[:max(1, math.ceil(share * len(v)))]))


def loss_share(reference: np.ndarray, values: np.ndarray, share: float = WORST_SHARE) -> float:
    """Share of the total loss carried by the ceil(share * n) queries that lose most (at least
    one). A query's loss is max(0, reference - value): queries that gain do not offset the
    others, so the share lies in (0, 1]. NaN when the arrays differ in length or no
    query loses anything."""
    r, v = np.asarray(reference, dtype=np.float64), np.asarray(values, dtype=np.float64)
    if not len(r) or r.shape != v.shape:
        return math.nan
    loss = np.maximum(r - v, 0.0)
    total = float(loss.sum())
    if total <= 1e-12:
        return math.nan
    worst = np.sort(loss)[::-1][:max(1, math.ceil(share * len(loss)))]
    return float(worst.sum() / total)


def tail_columns(values: Mapping[str, np.ndarray], main: str, k: int) -> dict[str, float]:
    """The tail columns of one result row from its per-query arrays (missing arrays: NaN)."""
    task = values.get(main)
    knn = values.get(f"knn_recall@{min(10, k)}")
    out: dict[str, float] = dict.fromkeys(TAIL_COLUMNS, math.nan)
    if task is not None and len(task):
        t = np.asarray(task, dtype=np.float64)
        out.update({name: float(np.quantile(t, q)) for name, q in QUANTILES.items()})
        out["task_worst10"] = worst_mean(t)
        out.update({robust_name("task", d): robustness(t, d) for d in DELTAS})
    if knn is not None and len(knn):
        out.update({robust_name("knn", d): robustness(knn, d) for d in DELTAS})
    return out
