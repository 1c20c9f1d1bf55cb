"""The one Pareto mask, and budgets: which configurations are worth considering at all."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd


def pareto_mask(
    frame: pd.DataFrame, maximise: Sequence[str], minimise: Sequence[str] = ()
) -> np.ndarray:
    """Rows that no other row beats on every objective (and strictly on one).

    Values are coerced to numbers; a row with a missing or non-finite objective is never on
    the frontier and never dominates another.
    """
    if frame.empty:
        return np.zeros(0, dtype=bool)
    vals = np.column_stack(
        [pd.to_numeric(frame[c], errors="coerce").to_numpy(float) for c in maximise]
        + [-pd.to_numeric(frame[c], errors="coerce").to_numpy(float) for c in minimise]
    )
    keep = np.isfinite(vals).all(axis=1)
    good = vals[keep]
    mask = np.zeros(len(vals), dtype=bool)
    for i in np.flatnonzero(keep):
        dominated = np.all(good >= vals[i], axis=1) & np.any(good > vals[i], axis=1)
        mask[i] = not dominated.any()
    return mask


@dataclass(frozen=True)
class Budget:
    max_bytes_per_vector: float | None = None
    max_p99_ms: float | None = None
    min_qps: float | None = None
    max_usd_per_1m_queries: float | None = None  # harness.metrics.costs


def best_under(frame: pd.DataFrame, task_metric: str, budget: Budget) -> pd.DataFrame:
    """Rows within the budgets, best task metric first."""
    ok = frame[(frame.get("status") == "ok") & frame[task_metric].notna()]
    if budget.max_bytes_per_vector is not None:
        ok = ok[ok["bytes_per_vector"] <= budget.max_bytes_per_vector]
    if budget.max_p99_ms is not None:
        ok = ok[ok["latency_p99_ms"] <= budget.max_p99_ms]
    if budget.min_qps is not None:
        ok = ok[ok["qps"] >= budget.min_qps]
    if budget.max_usd_per_1m_queries is not None:
        ok = ok[ok["usd_per_1m_queries"] <= budget.max_usd_per_1m_queries]
    return ok.sort_values([task_metric, "qps"], ascending=[False, False])
