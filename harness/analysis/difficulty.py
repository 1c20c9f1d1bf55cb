"""Which configurations hold up on hard and on shifted queries (issue 18).

Every query gets its difficulty and shift statistics on the vectors the row's cell searches
(harness.metrics.query_difficulty, through the References port). Queries are then grouped:

- by local intrinsic dimensionality into equal thirds: easy (lowest LID), medium, hard
  (highest LID; Aumüller & Ceccarello 2021 find recall falling as LID rises);
- by shift score into halves: in_dist (the lower half) and shifted (the upper half).

For each funnel row and group: knn_recall@10 (every query of the group), the main task
metric of the row and of exact search at the row's dim, precision and distance (the funnel's
S5 and S4, on the group's evaluated queries) and their difference, the funnel's index loss
on that group. The query-weighted mean of a grouping's index losses is the funnel's
index_loss.

Tables: difficulty.csv (one line per funnel row) and query_difficulty.csv (one line per
query and searched vector space: rc, lid, expansion, shift and the two groups).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from harness.analysis.funnel import dense_rows, rescore_of, row_names
from harness.analysis.ports import References
from harness.metrics.query_difficulty import QueryDifficulty, equal_groups
from harness.plan.cell import Cell
from harness.store.perquery import PerQuery
from harness.store.runs import RunStore

TERCILES = ("easy", "medium", "hard")
HALVES = ("in_dist", "shifted")
GROUPS = TERCILES + HALVES
MEASURES = ("queries", "knn_recall", "task", "exact", "index_loss")
# one searched vector space (rows written before an axis existed lack its column)
SPACE_KEYS = ("dataset", "corpus_size", "model", "dim", "dim_method", "precision", "metric")


def query_groups(diff: QueryDifficulty) -> dict[str, np.ndarray]:
    """Group name -> boolean mask over every query (dataset order)."""
    by_lid = equal_groups(diff.lid, len(TERCILES))
    by_shift = equal_groups(diff.shift, len(HALVES))
    return ({g: by_lid == i for i, g in enumerate(TERCILES)}
            | {g: by_shift == i for i, g in enumerate(HALVES)})


def difficulty_tables(store: RunStore, refs: References, metric_name: str
                      ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(difficulty.csv: each funnel row by group, query_difficulty.csv: each query)."""
    name = metric_name.lower()
    rows, spaces = [], {}
    for row, cell in dense_rows(store, name):
        diff = refs.difficulty(cell)
        space = tuple(str(row.get(c)) for c in SPACE_KEYS)
        if space not in spaces:
            spaces[space] = _query_frame(row, diff)
        rows.append(_group_row(row, cell, refs, diff, (store.perquery(cell.cell_id), name)))
    queries = pd.concat(spaces.values(), ignore_index=True) if spaces else pd.DataFrame()
    return pd.DataFrame(rows), queries


def _query_frame(row: pd.Series, diff: QueryDifficulty) -> pd.DataFrame:
    groups = query_groups(diff)
    frame = pd.DataFrame({**{c: row.get(c) for c in SPACE_KEYS}, **diff.columns()})
    frame["tercile"] = np.select([groups[g] for g in TERCILES], list(TERCILES), "")
    frame["shift_half"] = np.select([groups[g] for g in HALVES], list(HALVES), "")
    return frame


def _group_row(row: pd.Series, cell: Cell, refs: References, diff: QueryDifficulty,
               observed: tuple[PerQuery, str]) -> dict:
    perq, name = observed
    setting = int(row["setting"])
    task = perq.task_values(setting, name)
    _, exact = refs.value(cell, dim=cell.dim, precision=cell.precision, metric=cell.metric,
                          rescore=rescore_of(row))
    recall_name = f"knn_recall@{min(10, int(row['k']))}"
    recall = perq.task_values(setting, recall_name)
    where = {q: i for i, q in enumerate(diff.query_ids)}
    evaluated = np.array([where.get(str(q), -1) for q in perq.query_ids], dtype=np.int64)
    aligned = (task is not None and len(task) == len(exact) == len(evaluated)
               and (evaluated >= 0).all())
    shift = diff.shift[np.isfinite(diff.shift)]  # NaN: the corpus's spacing is 0
    out = {**row_names(row, cell), "main_metric": name, "grouped_by": "lid",
           "difficulty_k": diff.k, "recall_metric": recall_name,
           "shift_score": float(np.median(shift)) if shift.size else np.nan}
    for g, mask in query_groups(diff).items():
        ev = mask[evaluated] if aligned else np.zeros(0, dtype=bool)
        has_recall = recall is not None and len(recall) == len(mask) and mask.any()
        t = float(np.mean(task[ev])) if ev.any() else np.nan
        e = float(np.mean(exact[ev])) if ev.any() else np.nan
        out |= {f"{g}_queries": int(ev.sum()),
                f"{g}_knn_recall": float(np.mean(recall[mask])) if has_recall else np.nan,
                f"{g}_task": t, f"{g}_exact": e, f"{g}_index_loss": e - t}
    return out
