"""Tails in the funnel: how concentrated each stage's loss is on a few queries.

Per result row and per stage of the funnel (analysis/funnel.py), from the per-query values
of the two reference points the stage lies between: the share of the stage's total loss
carried by the worst 10% of queries (metrics.tails.loss_share). `loss_share_worst10` does
the same for the row's whole loss against exact float32 search at native dim with the
model's distance (S1 - S5), `task_loss_share_worst10` against exact float32 search at the
row's own dim (S2 - S5: the result column, harness.store.row_analysis). `tail_stage` names
the stage whose loss is most concentrated, among the stages that lose at least MIN_LOSS on
average (empty when none does).
"""

from __future__ import annotations

import numpy as np

from harness.metrics.tails import loss_share

MIN_LOSS = 0.001
# stage -> (reference before, reference after), indices into the per-query chain S1..S5
STAGE_POINTS = {"dimension_loss": (0, 1), "precision_loss": (1, 2), "metric_loss": (2, 3),
                "index_loss": (3, 4)}


def funnel_tails(chain: list[np.ndarray | None]) -> dict[str, object]:
    """The tail columns of one funnel row from the per-query arrays S1..S5 (None: missing)."""
    out: dict[str, object] = {"loss_share_worst10": np.nan, "task_loss_share_worst10": np.nan}
    out |= {f"{stage}_worst10": np.nan for stage in STAGE_POINTS}
    out["tail_stage"] = ""
    if any(c is None for c in chain) or len({len(c) for c in chain}) != 1:
        return out
    out["loss_share_worst10"] = loss_share(chain[0], chain[4])
    out["task_loss_share_worst10"] = loss_share(chain[1], chain[4])
    lossy = {}
    for stage, (i, j) in STAGE_POINTS.items():
        share = loss_share(chain[i], chain[j])
        out[f"{stage}_worst10"] = share
        if np.isfinite(share) and float(np.mean(chain[i] - chain[j])) >= MIN_LOSS:
            lossy[stage] = share
    out["tail_stage"] = max(lossy, key=lossy.__getitem__) if lossy else ""
    return out
