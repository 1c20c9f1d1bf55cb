"""The second stage of two-stage retrieval: re-order a first stage's top candidates.

Any first stage (dense at any dim/precision/index, BM25, hybrid) hands over candidate ids
(n_queries, candidates), -1 padding allowed. A bi-encoder re-ranker scores them with another
model's cached float32 vectors (the same model's vectors make it `rescore`); a cross-encoder
scores (query text, document text) pairs. Both keep the best k, higher first, ties in the
first stage's order (stable sort), so a re-ranker that agrees with the first stage keeps it.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from harness.embeddings.transforms import l2_normalize
from harness.encoders.cross import PairScorer
from harness.execution.searcher import rerank


class BiEncoderReranker:
    """Re-score candidates with a second model's query and document vectors."""

    def __init__(self, queries: np.ndarray, docs: np.ndarray, metric: str = "cosine") -> None:
        queries = np.asarray(queries, dtype=np.float32)
        docs = np.asarray(docs, dtype=np.float32)
        if metric == "cosine":  # the kernel scores cosine as a dot of unit vectors
            queries, docs = l2_normalize(queries), l2_normalize(docs)
        self.queries = np.ascontiguousarray(queries)
        self.docs = np.ascontiguousarray(docs)
        self.metric = metric

    def __call__(self, rows: np.ndarray, ids: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Re-rank `ids` (one row per entry of `rows`, the query indices) and keep k."""
        return rerank(np.asarray(ids), self.queries[rows], self.docs, self.metric, k)

    def bytes_per_doc(self) -> float:
        """The float32 document vectors the second stage keeps: they count in bytes_per_doc."""
        return float(self.docs[0].nbytes) if len(self.docs) else 0.0


class CrossEncoderReranker:
    """Re-score candidates by a cross-encoder reading the query and document texts."""

    def __init__(self, scorer: PairScorer, query_texts: Sequence[str],
                 doc_texts: Sequence[str]) -> None:
        self.scorer = scorer
        self.query_texts = list(query_texts)
        self.doc_texts = list(doc_texts)

    def __call__(self, rows: np.ndarray, ids: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        ids = np.asarray(ids, dtype=np.int64)
        scores = np.full(ids.shape, -np.inf, dtype=np.float32)
        valid = ids >= 0
        at_row, at_col = np.nonzero(valid)
        pairs = [(self.query_texts[int(rows[r])], self.doc_texts[int(ids[r, c])])
                 for r, c in zip(at_row, at_col, strict=True)]
        scores[valid] = self.scorer.score(pairs)
        order = np.argsort(-scores, axis=1, kind="stable")[:, :k]
        return np.take_along_axis(ids, order, axis=1), np.take_along_axis(scores, order, axis=1)
