"""Chroma: a persistent collection (its HNSW index) in the scratch folder, one query per call.

Build = create the collection with its HNSW configuration (space, max_neighbors,
ef_construction) + `collection.add` in batches of the client's maximum; `ef_search` is
changed per setting through `collection.modify(configuration=...)` and takes effect once
the collection is opened again (the loaded HNSW segment keeps the ef it was opened with),
and each query is one
`collection.query(query_embeddings=[q], n_results=k)`. 'ip' arrives for cosine on unit
vectors, so it maps to Chroma's cosine space (distance 1 - cos); its l2 space is squared L2.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np

from harness.backends.base import (
    FLOAT_PRECISIONS,
    Capabilities,
    Concurrency,
    IndexInput,
    Param,
    as_float32,
)
from harness.backends.databases.scratch import FileBacked

SPACES = {"ip": "cosine", "l2": "l2"}


class ChromaBackend(FileBacked):
    name: ClassVar[str] = "chroma"
    concurrency: ClassVar[Concurrency] = Concurrency(
        "threads", "declared, not measured: Chroma's local client queries its Rust core",
        batch=False)
    capabilities: ClassVar[Capabilities] = Capabilities(
        metrics=frozenset({"cosine", "l2"}),
        precisions=FLOAT_PRECISIONS,
        family="graph",
        build_params={
            "max_neighbors": Param(int, 16, "HNSW graph degree (Chroma's M)", minimum=2),
            "ef_construction": Param(int, 100, "HNSW candidate list while building", minimum=1),
        },
        search_params={
            "ef_search": Param(int, 64, "HNSW candidate list per query", minimum=1),
        },
    )

    def __init__(self, metric: str, build: Mapping[str, Any], threads: int = 1) -> None:
        self.start(metric, build, SPACES, "cosine or l2")
        self._client: Any = None
        self._col: Any = None

    def build(self, data: IndexInput) -> None:
        import chromadb

        x = as_float32(data.vectors)
        client = chromadb.PersistentClient(
            path=self.scratch.path, settings=chromadb.Settings(anonymized_telemetry=False))
        p = self.build_params
        hnsw = {"space": SPACES[self.metric], "max_neighbors": int(p["max_neighbors"]),
                "ef_construction": int(p["ef_construction"]),
                "ef_search": self.capabilities.search_params["ef_search"].default}
        col = client.create_collection("docs", configuration={"hnsw": hnsw},
                                       embedding_function=None)
        batch = client.get_max_batch_size()
        for start in range(0, len(x), batch):
            chunk = x[start:start + batch]
            col.add(ids=[str(i) for i in range(start, start + len(chunk))], embeddings=chunk)
        self._client, self._col, self._n = client, col, len(x)

    def prepare(self, search: Mapping[str, Any]) -> None:
        s = self.capabilities.with_defaults("search", search)
        ef = int(s["ef_search"])
        if ef != self.ef_search():
            self._col.modify(configuration={"hnsw": {"ef_search": ef}})
            self._reopen()  # the open HNSW segment keeps its ef until it is loaded again

    def _reopen(self) -> None:
        import chromadb
        from chromadb.api.client import SharedSystemClient

        SharedSystemClient.clear_system_cache()
        self._client = chromadb.PersistentClient(
            path=self.scratch.path, settings=chromadb.Settings(anonymized_telemetry=False))
        self._col = self._client.get_collection("docs", embedding_function=None)

    def ef_search(self) -> int:
        """The ef_search the collection reports (what prepare() set)."""
        return int(self._col.configuration["hnsw"]["ef_search"])

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        ids = np.full((len(queries), k), -1, dtype=np.int64)
        dist = np.full((len(queries), k), np.inf, dtype=np.float64)
        n = min(k, self._n)
        for i, q in enumerate(as_float32(queries)):
            found = self._col.query(query_embeddings=q[None], n_results=n,
                                    include=["distances"])
            got = found["ids"][0]
            ids[i, :len(got)] = [int(g) for g in got]
            dist[i, :len(got)] = found["distances"][0]
        scores = 1.0 - dist if self.metric == "ip" else -dist
        return ids, np.where(ids >= 0, scores, -np.inf).astype(np.float32)

    def close(self) -> None:
        if self._client is not None:
            from chromadb.api.client import SharedSystemClient

            self._col = self._client = None
            SharedSystemClient.clear_system_cache()  # closes the files, so they can be removed
        self.scratch.close()
