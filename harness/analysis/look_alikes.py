"""Look-alikes: rows whose mean main metric is close to another row's while their worst decile
is far apart (the case averages hide). Reads the tail columns of harness.metrics.tails."""

from __future__ import annotations

import numpy as np
import pandas as pd

# Two means closer than this (absolute, in the metric's units) count as "close".
CLOSE_MEAN = 0.01


def look_alikes(rows: pd.DataFrame, main: str, close: float = CLOSE_MEAN) -> pd.DataFrame:
    """Each row of one dataset with `twin` (the position of the row with the nearest mean main
    metric within `close`, among those with the best worst decile), `mean_gap` (twin's mean
    minus the row's) and `worst10_gap` (twin's task_worst10 minus the row's: > 0 means this
    row's hardest queries do worse). Rows with no twin get NaN. Sorted by worst10_gap, largest
    first."""
    out = rows.reset_index(drop=True).copy()
    mean = pd.to_numeric(out.get(main), errors="coerce").to_numpy(float)
    worst = pd.to_numeric(out.get("task_worst10"), errors="coerce").to_numpy(float)
    twin = np.full(len(out), -1)
    for i in range(len(out)):
        near = np.flatnonzero((np.abs(mean - mean[i]) <= close) & np.isfinite(worst))
        near = near[near != i]
        if np.isfinite(worst[i]) and len(near):
            twin[i] = near[np.argmax(worst[near])]
    has = twin >= 0
    out["twin"] = np.where(has, twin, -1)
    out["mean_gap"] = np.where(has, mean[np.maximum(twin, 0)] - mean, np.nan)
    out["worst10_gap"] = np.where(has, worst[np.maximum(twin, 0)] - worst, np.nan)
    return out.sort_values("worst10_gap", ascending=False, kind="stable", na_position="last")
