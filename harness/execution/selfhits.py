"""BEIR's self-retrieval rule (a query that is also a document must not find itself): search
one result deeper, then drop the hit whose document id is the query id."""

from __future__ import annotations

import numpy as np

from harness.datasets.base import Dataset
from harness.plan.cell import Cell


def search_k(cell: Cell, ds: Dataset) -> int:
    # One extra result when self-hits are dropped, so k results remain.
    return min(cell.k + (1 if ds.ignore_identical_ids else 0), ds.n_docs)


def drop_identical(ids: np.ndarray, scores: np.ndarray, ds: Dataset, k: int):
    """BEIR's self-retrieval rule, on copies: remove a hit whose doc id equals the query id."""
    if not ds.ignore_identical_ids:
        return ids[:, :k], scores[:, :k]
    out_i = np.full((len(ids), k), -1, dtype=np.int64)
    out_s = np.full((len(ids), k), -np.inf, dtype=scores.dtype)  # fused scores are float64
    doc_ids = ds.doc_ids
    for r, qid in enumerate(ds.query_ids):
        keep = [j for j, i in enumerate(ids[r]) if i < 0 or doc_ids[i] != qid][:k]
        out_i[r, : len(keep)] = ids[r, keep]
        out_s[r, : len(keep)] = scores[r, keep]
    return out_i, out_s
