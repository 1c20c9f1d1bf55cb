"""What the runner times: a backend's search, plus the harness's rescoring when asked.

Rescoring (search params `rescore: N`, `rescore_with: float32|int8`): fetch k*N candidates from
the backend (N = 1 re-ranks the k results without oversampling; 0 = off), re-score them with
the float32 query against the stored document vectors, float32 (`raw_docs`) or int8
(sentence-transformers style: the corpus quantized to int8 with per-dimension ranges fitted on
the corpus, scored after dequantization), and keep the best k. Rescoring is part of the search
cost, so it runs inside the timed region. Query rows are sliced before timing; the timed call
does nothing but search.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from harness.backends.base import Backend, IndexMemory
from harness.embeddings.prepared import Prepared
from harness.embeddings.transforms import Int8
from harness.metrics.knn import gather_scores

RESCORE_WITH = ("float32", "int8")
#: Most candidate vector entries gathered at once when re-ranking (16M floats = 64 MB).
RERANK_BLOCK = 1 << 24


def rerank(
    ids: np.ndarray,
    raw_queries: np.ndarray,
    raw_docs: np.ndarray,
    metric: str,
    k: int,
    int8: Int8 | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Re-score candidate ids and keep the best k (higher is better; -1 ids sort last).

    `raw_docs` are float32 vectors, or int8 codes when `int8` (their fitted quantizer) is
    given: the candidates are then dequantized before scoring.
    """
    ids = np.asarray(ids)
    # Chunks of queries keep the gathered (chunk, c, d) block near RERANK_BLOCK floats.
    scores = gather_scores(ids, raw_queries, raw_docs, metric, dtype=np.float32,
                           block=RERANK_BLOCK, decode=int8.decode if int8 is not None else None)
    order = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    return np.take_along_axis(ids, order, axis=1), np.take_along_axis(scores, order, axis=1)


class Searcher:
    """search(batch) -> (ids, scores) for batches made by `whole()` and `rows()`."""

    def __init__(
        self,
        backend: Backend,
        prep: Prepared,
        queries: np.ndarray,
        k: int,
        rescore: int = 0,
        rescore_with: str = "float32",
    ) -> None:
        if rescore_with not in RESCORE_WITH:
            raise ValueError(f"rescore_with must be one of {RESCORE_WITH}, got {rescore_with!r}")
        self.backend = backend
        self.queries = queries
        self.raw_queries = prep.raw_queries
        self.raw_metric = prep.raw_metric
        self.k = k
        self.rescore = rescore
        self.int8: Int8 | None = None
        self.docs = prep.raw_docs
        if rescore >= 1 and rescore_with == "int8":
            # Fitted once per cell (memoised on prep), before any timing.
            self.docs, self.int8 = prep.int8_docs()
        self.fetch = min(k * rescore, len(prep.raw_docs)) if rescore >= 1 else k

    def rescore_memory(self) -> IndexMemory:
        """The document vectors rescoring keeps (float32 rows or int8 codes, with the int8
        ranges as fixed bytes); nothing when rescoring is off."""
        if self.rescore < 1 or not len(self.docs):
            return IndexMemory(0.0)
        per_doc = float(self.docs[0].nbytes)
        # int8: its fitted range, two float32 (low, scale) per dimension
        fixed = 0 if self.int8 is None else 2 * 4 * self.docs.shape[1]
        return IndexMemory(per_doc, fixed, per_doc)

    def whole(self) -> tuple[np.ndarray, np.ndarray]:
        return self.queries, self.raw_queries

    def rows(self) -> list[tuple[np.ndarray, np.ndarray]]:
        return [(self.queries[i : i + 1], self.raw_queries[i : i + 1])
                for i in range(len(self.queries))]

    def row_search(self) -> Callable[[int], object]:
        """search(j): the query at row j, as the load clients call it. Without rescoring it
        goes straight to the backend: every Python call between two searches holds the GIL
        the other clients' searches wait for."""
        if self.rescore >= 1:
            batches = self.rows()
            return lambda j: self(batches[j])
        search, k = self.backend.search, self.k
        rows = [row for row, _ in self.rows()]
        return lambda j: search(rows[j], k)

    def head(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        return self.queries[:n], self.raw_queries[:n]

    def __call__(self, batch: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        if self.rescore < 1:
            return self.backend.search(batch[0], self.k)
        ids, _ = self.backend.search(batch[0], self.fetch)
        return rerank(np.asarray(ids), batch[1], self.docs, self.raw_metric, self.k, self.int8)
