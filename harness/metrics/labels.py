"""Label metrics per query: retrieval judged by class labels instead of qrels.

For a query with label y and its retrieved documents in the order the search returned them
(empty slots, -1, count as wrong), with c = min(k, number of returned slots):

- label_recall@k:  documents labelled y among the top k, divided by min(k, number of corpus
                   documents labelled y), so a perfect ranking scores 1 even for a rare label.
- knn_accuracy@k:  1 if the majority label of the top k equals y. Ties between labels with the
                   same count go to the one whose first occurrence ranks higher (the nearest
                   neighbour among the tied), so knn_accuracy@1 is 1-NN classification.

A query whose label no corpus document carries is not evaluated (label_recall has no
denominator for it); `evaluable` says which queries are.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from harness.metrics.ir import LABEL_FAMILIES, parse_metric

__all__ = ["LABEL_FAMILIES", "evaluable", "label_evaluate"]


def _codes(doc_labels: Sequence[str], query_labels: Sequence[str]):
    """Integer codes of doc and query labels over one shared vocabulary (-1: not in corpus)."""
    vocab, doc_codes = np.unique(np.asarray(doc_labels, dtype=object).astype(str),
                                 return_inverse=True)
    index = {v: i for i, v in enumerate(vocab.tolist())}
    q_codes = np.array([index.get(str(y), -1) for y in query_labels], dtype=np.int64)
    return doc_codes.astype(np.int64), q_codes, len(vocab)


def evaluable(doc_labels: Sequence[str], query_labels: Sequence[str]) -> np.ndarray:
    """Mask of queries whose label occurs in the corpus."""
    _, q_codes, _ = _codes(doc_labels, query_labels)
    return q_codes >= 0


def label_evaluate(
    ids: np.ndarray,
    doc_labels: Sequence[str],
    query_labels: Sequence[str],
    metrics: Sequence[str],
) -> dict[str, np.ndarray]:
    """Per-query label metrics (float64, one value per row of ids); rows must be evaluable.

    ids: (n_queries, width) positions into doc_labels, -1 for empty slots. metrics: names like
    "label_recall@10" or "knn_accuracy@1" (parsed by harness.metrics.ir.parse_metric).
    """
    parsed = [parse_metric(m) for m in metrics]
    for m in parsed:
        if m.family not in LABEL_FAMILIES:
            raise ValueError(f"{m.name} is not a label metric ({', '.join(LABEL_FAMILIES)})")
    ids = np.asarray(ids)
    if ids.ndim != 2 or ids.shape[0] != len(query_labels):
        raise ValueError(f"{len(query_labels)} query labels for ids of shape {ids.shape}")
    d_codes, q_codes, n_labels = _codes(doc_labels, query_labels)
    if (q_codes < 0).any():
        raise ValueError("some query labels are not in the corpus: evaluate only evaluable rows")
    width = ids.shape[1]
    valid = ids >= 0
    got = np.where(valid, d_codes[np.where(valid, ids, 0)], -1)  # label code of each hit
    same = got == q_codes[:, None]
    label_count = np.bincount(d_codes, minlength=n_labels)
    out: dict[str, np.ndarray] = {}
    for m in parsed:
        c = min(m.k, width)
        if m.family == "label_recall":
            denom = np.minimum(m.k, label_count[q_codes]).astype(np.float64)
            out[m.name] = same[:, :c].sum(axis=1) / denom
        else:
            out[m.name] = _majority(got[:, :c], n_labels, width) == q_codes
            out[m.name] = out[m.name].astype(np.float64)
    return out


def _majority(got: np.ndarray, n_labels: int, width: int) -> np.ndarray:
    """Majority label code per row (-1 when a row is empty); ties -> the best-ranked label."""
    n, c = got.shape
    counts = np.zeros((n, n_labels), dtype=np.int64)
    first = np.full((n, n_labels), width + 1, dtype=np.int64)
    rows = np.repeat(np.arange(n), c)
    cols = got.ravel()
    ranks = np.tile(np.arange(c), n)
    ok = cols >= 0
    np.add.at(counts, (rows[ok], cols[ok]), 1)
    np.minimum.at(first, (rows[ok], cols[ok]), ranks[ok])
    # highest count first, then the earliest first rank
    score = counts * (width + 2) - first
    winner = np.argmax(score, axis=1) if n_labels else np.zeros(n, dtype=np.int64)
    empty = counts.sum(axis=1) == 0 if n_labels else np.ones(n, dtype=bool)
    return np.where(empty, -1, winner)
