"""The one Pareto mask, and budgets (analysis/budget.py): which configurations are worth
considering at all."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields

import numpy as np
import pandas as pd

from harness.analysis.budget import Budget


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


def best_under(frame: pd.DataFrame, task_metric: str, budget: Budget) -> pd.DataFrame:
    """Rows within the budgets, best task metric first."""
    ok = frame[(frame.get("status") == "ok") & frame[task_metric].notna()]
    for f in fields(Budget):
        limit = getattr(budget, f.name)
        if limit is None:
            continue
        values = pd.to_numeric(ok[f.metadata["column"]], errors="coerce")
        ok = ok[values <= limit] if f.name.startswith("max_") else ok[values >= limit]
    return ok.sort_values([task_metric, "qps"], ascending=[False, False])


__all__ = ["Budget", "best_under", "pareto_mask"]
