"""What the runner times: a backend's search, plus the harness's rescoring when asked.

Rescoring (oversample then re-rank) is part of the search cost, so it runs inside the timed
region. Query rows are sliced before timing; the timed call does nothing but search.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from harness.transforms import Prepared


def rerank(
    ids: np.ndarray, raw_queries: np.ndarray, raw_docs: np.ndarray, metric: str, k: int
) -> tuple[np.ndarray, np.ndarray]:
    """Re-score candidate ids with float32 vectors and keep the best k (higher is better)."""
    safe = np.where(ids < 0, 0, ids)
    cand = raw_docs[safe]  # (n, c, d)
    if metric == "l2":
        diff = cand - raw_queries[:, None, :]
        scores = -np.einsum("ncd,ncd->nc", diff, diff)
    else:
        scores = np.einsum("ncd,nd->nc", cand, raw_queries)
    scores = np.where(ids < 0, -np.inf, scores).astype(np.float32)
    order = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    return np.take_along_axis(ids, order, axis=1), np.take_along_axis(scores, order, axis=1)


class Searcher:
    """search(batch) -> (ids, scores) for batches made by `whole()` and `rows()`."""

    def __init__(self, backend: Any, prep: Prepared, queries: np.ndarray, k: int,
                 rescore: int = 0) -> None:
        self.backend = backend
        self.queries = queries
        self.raw_queries = prep.raw_queries
        self.raw_docs = prep.raw_docs
        self.raw_metric = prep.raw_metric
        self.k = k
        self.rescore = rescore
        self.fetch = min(k * rescore, len(prep.raw_docs)) if rescore > 1 else k

    def whole(self) -> tuple[np.ndarray, np.ndarray]:
        return self.queries, self.raw_queries

    def rows(self) -> list[tuple[np.ndarray, np.ndarray]]:
        return [(self.queries[i : i + 1], self.raw_queries[i : i + 1])
                for i in range(len(self.queries))]

    def head(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        return self.queries[:n], self.raw_queries[:n]

    def __call__(self, batch: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        if self.rescore <= 1:
            return self.backend.search(batch[0], self.k)
        ids, _ = self.backend.search(batch[0], self.fetch)
        return rerank(np.asarray(ids), batch[1], self.raw_docs, self.raw_metric, self.k)
