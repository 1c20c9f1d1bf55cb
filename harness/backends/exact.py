"""Exact search with faiss flat indexes: the reference for every other backend."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np

from harness.backends.base import Capabilities, IndexInput


class ExactBackend:
    capabilities: ClassVar[Capabilities] = Capabilities(
        metrics=frozenset({"cosine", "ip", "l2"}),
        precisions=frozenset({"float32"}),
        exact=True,
    )

    def __init__(self, metric: str, build: Mapping[str, Any], threads: int = 1) -> None:
        self.metric = metric
        self.threads = threads
        self._index: Any = None

    def build(self, data: IndexInput) -> None:
        import faiss

        x = np.ascontiguousarray(data.vectors, dtype=np.float32)
        d = x.shape[1]
        self._index = faiss.IndexFlatL2(d) if data.metric == "l2" else faiss.IndexFlatIP(d)
        self._index.add(x)

    def prepare(self, search: Mapping[str, Any]) -> None:
        return None

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        dist, ids = self._index.search(queries, k)
        # faiss L2 returns squared distances: negate so that higher is better everywhere.
        return ids, (-dist if self.metric == "l2" else dist)

    def nbytes(self) -> int:
        import faiss

        return int(faiss.serialize_index(self._index).nbytes)
