"""The funnel's rerank stage: what a second stage buys back of its first stage's loss, and
at what cost per query.

For every ok two-stage row (a cell with `rerank`), against the same cell without it (same
search setting) and the re-ranker's own exact search (its model, native dim, float32, its
native distance; none for a cross-encoder, whose exact search would score every pair):

  first_stage      the main metric of the first stage alone (the one-stage row)
  two_stage        the main metric after re-ranking its `rerank_candidates`
  reranker_exact   the re-ranker searching the whole corpus by itself (the ceiling)
  first_stage_loss reranker_exact - first_stage (lexical, dimension, precision, index...)
  bought_back      two_stage - first_stage (negative: re-ranking hurt)
  bought_back_share  bought_back / first_stage_loss (when the first stage lost anything)

and the cost: the second stage alone (rerank_ms_p50/p99), the p50 latency it adds to the
first stage's, and the bytes per document it adds.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from harness.analysis.funnel import row_names
from harness.analysis.ports import References
from harness.plan.cell import Cell
from harness.store.runs import RunStore

#: the rerank table's columns after the row's names
STAGE_COLUMNS = ("rerank", "rerank_candidates", "first_stage", "two_stage", "reranker_exact",
                 "first_stage_loss", "bought_back", "bought_back_share", "rerank_ms_p50",
                 "rerank_ms_p99", "latency_added_ms_p50", "bytes_added_per_doc")


def rerank_table(store: RunStore, refs: References, name: str) -> pd.DataFrame:
    """One row per ok two-stage result row; empty when the run has none."""
    frame = store.frame()
    if "rerank" not in frame or name not in frame:
        return pd.DataFrame()
    cells = store.cells()
    ok = frame[frame["status"] == "ok"]
    by_key = {(r["cell_id"], int(r["setting"])): r for _, r in ok.iterrows()}
    out = []
    for _, row in ok[ok["rerank"].notna()].iterrows():
        cell = cells.get(row["cell_id"])
        if cell is None or cell.rerank is None:
            continue
        first = by_key.get((replace(cell, rerank=None).cell_id, int(row["setting"])))
        out.append(_stage_row(row, cell, first, refs, name))
    return pd.DataFrame(out)


def _ceiling(cell: Cell, refs: References) -> float:
    """The re-ranker's exact search over the whole corpus (NaN for a cross-encoder)."""
    stage = cell.rerank or {}
    if stage.get("kind") != "bi":
        return float("nan")
    second = replace(cell, model=dict(stage["model"]), rerank=None, backend="exact", build={},
                     search_grid=({},))
    value, _ = refs.value(second, dim=None, precision="float32",
                          metric=refs.native_distance(second))
    return value


def _stage_row(row: pd.Series, cell: Cell, first: pd.Series | None, refs: References,
               name: str) -> dict[str, Any]:
    nan = float("nan")
    one = float(first[name]) if first is not None else nan
    two = float(row[name])
    ceiling = _ceiling(cell, refs)
    loss = ceiling - one
    gained = two - one
    return {
        **row_names(row, cell),
        "main_metric": name,
        "rerank": row["rerank"],
        "rerank_candidates": int(row["rerank_candidates"]),
        "first_stage": one,
        "two_stage": two,
        "reranker_exact": ceiling,
        "first_stage_loss": loss,
        "bought_back": gained,
        "bought_back_share": gained / loss if np.isfinite(loss) and loss > 0 else nan,
        "rerank_ms_p50": row.get("rerank_ms_p50", nan),
        "rerank_ms_p99": row.get("rerank_ms_p99", nan),
        "latency_added_ms_p50": (row["latency_p50_ms"] - first["latency_p50_ms"]
                                 if first is not None else nan),
        "bytes_added_per_doc": (row["bytes_per_doc"] - first["bytes_per_doc"]
                                if first is not None else nan),
    }
