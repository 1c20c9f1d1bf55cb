"""The funnel's filter stage: what a filter does to the task, then what the strategy loses.

For every ok filtered row (a cell with `filter`), on the queries the row was judged on (those
that keep a passing relevant document), the funnel's chain (analysis/funnel.py) continues:

  ideal .. exact_metric   the unfiltered chain (exact search at native dim ... at the cell's
                          dim, precision and distance), averaged over the row's queries
  exact_filtered          `pre`: exact search over the passing documents, judged against the
                          qrels restricted to them (the filtered ground truth)
  observed                the row itself (its backend x strategy at this search setting)

  filter_loss = exact_metric - exact_filtered   the filter's effect on the task itself
                                                (negative: the filter helps, e.g. correlated
                                                with relevance)
  index_loss  = exact_filtered - observed       the ANN index and filter strategy's loss

The stages telescope: embedding + dimension + precision + metric + filter + index losses sum
to ideal - observed. A separate table (filter_funnel.csv), as the rerank stage: funnel.csv
keeps the unfiltered rows, whose numbers do not change.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from harness.analysis.funnel import ideal, row_names
from harness.analysis.ports import References
from harness.plan.cell import Cell
from harness.store.runs import RunStore

FILTER_STAGES = ("embedding_loss", "dimension_loss", "precision_loss", "metric_loss",
                 "filter_loss", "index_loss")


def filtered_rows(store: RunStore, name: str) -> Iterator[tuple[pd.Series, Cell]]:
    """The ok dense one-stage rows under a filter that hold the main metric, with cells."""
    cells = store.cells()
    for _, row in store.frame().iterrows():
        cell = cells.get(row["cell_id"])
        if cell is None or cell.filter is None or cell.rerank is not None:
            continue
        if row.get("status") != "ok" or name not in row or pd.isna(row.get(name)):
            continue
        yield row, cell


def pre_twin(cell: Cell) -> Cell:
    """The cell's `pre` reference: exact search over the passing documents, same filter."""
    f = cell.filter or {}
    return replace(cell, filter={"name": f["name"], "where": f["where"], "strategy": "pre"})


def filter_funnel(store: RunStore, refs: References, metric_name: str) -> pd.DataFrame:
    """One row per ok filtered result row: the chain on its queries and its stage losses."""
    name = metric_name.lower()
    out = []
    for row, cell in filtered_rows(store, name):
        try:
            perq = store.perquery(row["cell_id"])
            values = perq.task_values(int(row["setting"]), name)
        except (OSError, KeyError, ValueError):
            continue
        if values is None or not len(values):
            continue
        observed = dict(zip(map(str, perq.query_ids), map(float, values), strict=True))
        out.append(_stage_row(row, cell, refs, name, observed))
    return pd.DataFrame(out)


def _mean_over(by_q: dict[str, float], qids: Sequence[str]) -> float:
    return float(np.mean([by_q[q] for q in qids])) if qids else float("nan")


def _stage_row(row: pd.Series, cell: Cell, refs: References, name: str,
               observed: dict[str, float]) -> dict[str, Any]:
    qids = list(observed)
    plain = replace(cell, filter=None)
    native = refs.native_distance(plain)
    chain = [refs.by_query(plain, dim=None, precision="float32", metric=native),
             refs.by_query(plain, dim=cell.dim, precision="float32", metric=native),
             refs.by_query(plain, dim=cell.dim, precision=cell.precision, metric=native),
             refs.by_query(plain, dim=cell.dim, precision=cell.precision, metric=cell.metric),
             refs.by_query(pre_twin(cell), dim=cell.dim, precision=cell.precision,
                           metric=cell.metric)]
    s1, s2, s3, s4, pre = (_mean_over(c, qids) for c in chain)
    s0 = ideal(refs.dataset(cell), name, qids)
    s5 = _mean_over(observed, qids)
    f = cell.filter or {}
    return {**row_names(row, cell), "filter": f.get("name"), "filter_strategy": f.get("strategy"),
            "selectivity": row.get("selectivity"), "n_queries": len(qids), "main_metric": name,
            "native_metric": native, "ideal": s0, "exact_native": s1, "exact_dim": s2,
            "exact_precision": s3, "exact_metric": s4, "exact_filtered": pre, "observed": s5,
            "embedding_loss": s0 - s1, "dimension_loss": s1 - s2, "precision_loss": s2 - s3,
            "metric_loss": s3 - s4, "filter_loss": s4 - pre, "index_loss": pre - s5,
            "total_loss": s0 - s5}
