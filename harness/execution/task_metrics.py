"""A cell's task metrics: each `evaluate` name the dataset can compute, over one set of
evaluated queries, and the main metric its rows are judged by."""

from __future__ import annotations

import numpy as np

from harness.datasets.base import Dataset
from harness.metrics.columns import has_positive, main_metric
from harness.metrics.ir import parse_metric, qrels_evaluate
from harness.metrics.labels import evaluable, label_evaluate
from harness.plan.cell import Cell


def task_metrics(cell: Cell, ds: Dataset, ids: np.ndarray, scores: np.ndarray):
    """Each name in `evaluate` that this dataset can compute; NaN for the others.

    qrels metrics need judgments, label metrics need labels. The evaluated queries are those
    every computable family can score: a positive judgment (qrels) and a label that occurs in
    the corpus (labels); one set, so per-query arrays line up with `query_ids`.
    """
    names = list(cell.evaluate)
    kinds = {n: parse_metric(n).kind for n in names}
    wanted = {kinds[n] for n in names} & set(ds.metric_kinds)
    keep = np.ones(ds.n_queries, dtype=bool)
    if "qrels" in wanted:
        keep &= [has_positive(ds.qrels.get(q)) for q in ds.query_ids]
    if "labels" in wanted:
        keep &= evaluable(ds.doc_labels, ds.query_labels)
    rows = np.flatnonzero(keep)
    qids = [ds.query_ids[i] for i in rows]
    out = {n: np.full(len(rows), np.nan) for n in names}
    if "qrels" in wanted:
        q_names = [n for n in names if kinds[n] == "qrels"]
        got, values = qrels_evaluate(ids[rows], scores[rows], ds.doc_ids, qids, ds.qrels, q_names)
        assert got == qids
        out.update(values)
    if "labels" in wanted:
        l_names = [n for n in names if kinds[n] == "labels"]
        labels = [ds.query_labels[i] for i in rows]
        out.update(label_evaluate(ids[rows], ds.doc_labels, labels, l_names))
    return qids, out


def row_main_metric(cell: Cell, ds: Dataset) -> str:
    """The row's main metric (the rule in metrics.columns), from what this dataset can compute."""
    can = [n for n in cell.evaluate if parse_metric(n).kind in ds.metric_kinds]
    return main_metric(cell.evaluate, ds.main_metric, can)
