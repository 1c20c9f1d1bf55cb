"""The information-loss funnel (Iceberg): where along the pipeline task quality is lost.

For every result row (a cell at one search setting) the main task metric is decomposed along
a chain of exact-search reference points computed on the same cached vectors:

  S0 ideal                       (1.0; for P@k the best achievable under the judgments)
  S1 exact, native dim, float32, the model's native distance   -> embedding loss = S0 - S1
  S2 exact, the cell's dim, float32, native distance           -> dimension loss = S1 - S2
  S3 exact, the cell's dim and precision (and rescoring), native distance
                                                               -> precision loss = S2 - S3
  S4 exact, the cell's dim, precision and distance             -> metric loss    = S3 - S4
  S5 the cell itself (its index at this search setting)        -> index loss     = S4 - S5

The stages telescope, so they sum to the end-to-end loss S0 - S5. A negative stage is a gain
(e.g. a distance that suits the data better than the model's native one). Separately, the
distance that is best for this data at the cell's dim and precision is reported with the loss
of the cell's distance against it (`metric_loss_vs_best`): that is metric misuse.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import pandas as pd

from harness.analysis.funnel_tails import funnel_tails
from harness.analysis.ports import References
from harness.analysis.stats import bootstrap_ci
from harness.datasets.base import Dataset
from harness.metrics.columns import has_positive
from harness.plan.cell import Cell, size_label
from harness.store.row import params as parse_params
from harness.store.runs import RunStore

DISTANCES = ("cosine", "ip", "l2")
# what names a result row in the analysis tables
ROW_KEYS = ("cell_id", "dataset", "model", "dim", "precision", "metric", "backend",
            "build_params", "search_params")


def row_names(row: pd.Series, cell: Cell) -> dict[str, object]:
    """A result row's ROW_KEYS and its corpus size: n_docs searched and corpus_size ('full'
    or the sample's size), which tell a scaling run's sizes apart."""
    return {**{c: row[c] for c in ROW_KEYS}, "n_docs": row.get("n_docs"),
            "corpus_size": size_label(cell)}


STAGES = ("embedding_loss", "dimension_loss", "precision_loss", "metric_loss", "index_loss")


def ideal(ds: Dataset, metric_name: str, queries: Sequence[str] | None = None) -> float:
    """The best value the metric can take on this data: 1.0, except P@k, which is capped by
    the number of relevant documents a query has (`queries`: only these, e.g. a filtered
    row's)."""
    family, _, k = metric_name.partition("@")
    if family == "p" and ds.qrels is not None:
        kk = int(k)
        per_q = [
            min(sum(1 for r in ds.qrels[q].values() if r > 0), kk) / kk
            for q in (ds.query_ids if queries is None else queries)
            if has_positive(ds.qrels.get(q))
        ]
        return float(np.mean(per_q)) if per_q else 1.0
    return 1.0


def dense_rows(store: RunStore, name: str) -> Iterator[tuple[pd.Series, Cell]]:
    """The ok result rows the funnel decomposes (those holding `name`), with their cells."""
    cells = store.cells()
    for _, row in store.frame().iterrows():
        cell = cells.get(row["cell_id"])
        if cell is None or row.get("status") != "ok" or name not in row:
            continue
        if row.get("family") == "lexical" or not pd.isna(row.get("lexical_bytes", np.nan)):
            continue  # no embedding stages in lexical rows; hybrid rows: see analysis.hybrid
        if cell.filter is not None:
            continue  # filtered rows: judged on other queries (report section "Filtered search")
        if cell.rerank is not None:
            continue  # two stages: analysis.rerank_stage
        yield row, cell


def funnel(store: RunStore, refs: References, metric_name: str) -> pd.DataFrame:
    """One row per ok result row: the reference points, the stage losses, metric misuse."""
    name = metric_name.lower()
    return pd.DataFrame([_funnel_row(row, cell, refs, name, _observed(store, row, name))
                         for row, cell in dense_rows(store, name)])


def _observed(store: RunStore, row: pd.Series, name: str) -> np.ndarray | None:
    """The row's per-query values of the main metric (None when not stored)."""
    try:
        return store.perquery(row["cell_id"]).task_values(int(row["setting"]), name)
    except (OSError, KeyError, ValueError):
        return None


def rescore_of(row: pd.Series) -> int:
    """The rescoring depth of a row's search setting (0: none)."""
    return int(parse_params(row["search_params"]).get("rescore", 0) or 0)


def _funnel_row(row: pd.Series, cell: Cell, refs: References, name: str,
                observed: np.ndarray | None) -> dict[str, Any]:
    rescore = rescore_of(row)
    native = refs.native_distance(cell)
    s0 = ideal(refs.dataset(cell), name)
    s1, per_q1 = refs.value(cell, dim=None, precision="float32", metric=native)
    s2, per_q2 = refs.value(cell, dim=cell.dim, precision="float32", metric=native)
    s3, per_q3 = refs.value(cell, dim=cell.dim, precision=cell.precision, metric=native,
                            rescore=rescore)
    s4, per_q4 = refs.value(cell, dim=cell.dim, precision=cell.precision, metric=cell.metric,
                            rescore=rescore)
    s5 = float(row[name])
    by_distance = {
        m: refs.value(cell, dim=cell.dim, precision=cell.precision, metric=m, rescore=rescore)
        for m in DISTANCES
    }
    best = max(by_distance, key=lambda m: by_distance[m][0])
    gap = bootstrap_ci(by_distance[best][1] - per_q4) if best != cell.metric else None
    return {
        **row_names(row, cell),
        "main_metric": name,
        "native_metric": native,
        "ideal": s0,
        "exact_native": s1,
        "exact_dim": s2,
        "exact_precision": s3,
        "exact_metric": s4,
        "observed": s5,
        "embedding_loss": s0 - s1,
        "dimension_loss": s1 - s2,
        "precision_loss": s2 - s3,
        "metric_loss": s3 - s4,
        "index_loss": s4 - s5,
        "total_loss": s0 - s5,
        **{f"exact_{m}": by_distance[m][0] for m in DISTANCES},
        "best_metric": best,
        "metric_loss_vs_best": by_distance[best][0] - s4,
        "metric_loss_ci_low": gap.low if gap else 0.0,
        "metric_loss_ci_high": gap.high if gap else 0.0,
        # misuse: another distance keeps quality this one loses, beyond the 95% CI
        "metric_misuse": bool(gap is not None and gap.low > 0),
        **funnel_tails([per_q1, per_q2, per_q3, per_q4, observed]),
    }
