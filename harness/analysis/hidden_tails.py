"""Close mean, worse worst decile: pairs of configurations an average cannot tell apart whose
hardest queries fare very differently (issue #28), found automatically for any task metric.

From one dataset's rows and their per-query values of one metric: each row is paired with
its look-alike (analysis.look_alikes: the row with the best worst decile among those whose
mean is within CLOSE_MEAN). A pair is reported when the look-alike's worst-decile mean
exceeds the row's by at least MIN_GAP (absolute) and by at least RATIO times the difference
of the means: the tails differ far more than the averages do.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from harness.analysis.look_alikes import CLOSE_MEAN, look_alikes
from harness.metrics.tails import worst_mean

MIN_GAP = 0.02  # two points of the metric between the worst deciles
RATIO = 5.0  # ... and five times the gap between the means


def hidden_tails(labels: list[str], values: list[np.ndarray], metric: str,
                 close: float = CLOSE_MEAN) -> pd.DataFrame:
    """The pairs of one metric (rows: `labels`, their per-query `values`): config (the worse
    tail), its mean and worst decile, twin (the look-alike) with its mean and worst decile,
    mean_gap and worst10_gap (twin minus config); largest worst10_gap first."""
    rows = pd.DataFrame({"config": labels, "mean": [float(np.mean(v)) for v in values],
                         "task_worst10": [worst_mean(v) for v in values]})
    if len(rows) < 2:
        return pd.DataFrame()
    got = look_alikes(rows, "mean", close)
    keep = (got["worst10_gap"] >= MIN_GAP - 1e-12) & (
        got["worst10_gap"] >= RATIO * got["mean_gap"].abs() - 1e-12)
    got = got[keep.fillna(False)]
    twin = got["twin"].astype(int)
    return pd.DataFrame({
        "metric": metric, "config": got["config"], "mean": got["mean"],
        "worst10": got["task_worst10"], "twin_config": rows["config"].to_numpy()[twin],
        "twin_mean": rows["mean"].to_numpy()[twin],
        "twin_worst10": rows["task_worst10"].to_numpy()[twin],
        "mean_gap": got["mean_gap"], "worst10_gap": got["worst10_gap"],
    }).reset_index(drop=True)
