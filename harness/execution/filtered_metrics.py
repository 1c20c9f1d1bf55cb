"""Task metrics of a filtered row: a document that fails the filter is not a valid answer.

qrels metrics are scored against the qrels restricted to each query's passing documents;
label metrics count only passing documents of the query's label (label_recall's
denominator shrinks with them). A query that had a relevant document but has no passing one
is counted in `queries_without_passing_relevant` and left out of the mean.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from harness.datasets.base import Dataset
from harness.metrics.columns import has_positive
from harness.metrics.filter_metrics import restricted_qrels
from harness.metrics.ir import parse_metric, qrels_evaluate
from harness.metrics.labels import evaluable, label_evaluate
from harness.plan.cell import Cell

AllowedOf = Callable[[int], np.ndarray]
FAILED = "\x00failed"  # the label a failing document takes: no query has it


def filtered_task_metrics(cell: Cell, ds: Dataset, ids: np.ndarray, scores: np.ndarray,
                          allowed_of: AllowedOf
                          ) -> tuple[list[str], dict[str, np.ndarray], int]:
    """(evaluated query ids, per-query values of each `evaluate` name, queries left out)."""
    names = list(cell.evaluate)
    kinds = {n: parse_metric(n).kind for n in names}
    wanted = {kinds[n] for n in names} & set(ds.metric_kinds)
    base = np.ones(ds.n_queries, dtype=bool)  # evaluable without the filter
    keep = np.ones(ds.n_queries, dtype=bool)  # ... and with a passing relevant document
    rq: dict[str, dict[str, int]] = {}
    if "qrels" in wanted:
        doc_index = {d: i for i, d in enumerate(ds.doc_ids)}
        rq, _ = restricted_qrels(ds.qrels or {}, doc_index, allowed_of, ds.query_ids)
        base &= [has_positive(ds.qrels.get(q)) for q in ds.query_ids]
        keep &= [q in rq for q in ds.query_ids]
    if "labels" in wanted:
        labels = np.asarray(ds.doc_labels, dtype=object)
        ok = evaluable(ds.doc_labels, ds.query_labels)
        base &= ok
        keep &= [bool(ok[i]) and bool(np.any(allowed_of(i) & (labels == ds.query_labels[i])))
                 for i in range(ds.n_queries)]
    keep &= base
    rows = np.flatnonzero(keep)
    qids = [ds.query_ids[i] for i in rows]
    out = {n: np.full(len(rows), np.nan) for n in names}
    if "qrels" in wanted and len(rows):
        q_names = [n for n in names if kinds[n] == "qrels"]
        got, values = qrels_evaluate(ids[rows], scores[rows], ds.doc_ids, qids, rq, q_names)
        assert got == qids
        out.update(values)
    if "labels" in wanted and len(rows):
        out.update(_label_values(ds, ids, rows, [n for n in names if kinds[n] == "labels"],
                                 allowed_of))
    return qids, out, int((base & ~keep).sum())


def _label_values(ds: Dataset, ids: np.ndarray, rows: np.ndarray, names: list[str],
                  allowed_of: AllowedOf) -> dict[str, np.ndarray]:
    """Label metrics with failing documents relabelled; queries grouped by their allowed set."""
    labels = np.asarray(ds.doc_labels, dtype=object)
    groups: dict[bytes, list[int]] = {}
    for j, i in enumerate(rows):
        groups.setdefault(np.packbits(allowed_of(int(i))).tobytes(), []).append(j)
    out = {n: np.full(len(rows), np.nan) for n in names}
    for members in groups.values():
        allowed = allowed_of(int(rows[members[0]]))
        masked = tuple(np.where(allowed, labels, FAILED).tolist())
        sub = rows[members]
        got = label_evaluate(ids[sub], masked, [ds.query_labels[i] for i in sub], names)
        for n in names:
            out[n][members] = got[n]
    return out
