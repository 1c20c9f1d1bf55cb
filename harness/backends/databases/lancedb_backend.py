"""LanceDB: a Lance table in the scratch folder with an IVF-PQ or IVF-HNSW-SQ vector index.

Build = writing the table + create_index; each query is one `table.search(q)` call with the
setting's nprobes, refine_factor (re-rank refine_factor * k candidates with the full vectors)
and ef (IVF_HNSW_SQ's candidate list; Lance refuses ef < k, so k is its floor). 'ip'
arrives for cosine on unit vectors, so it maps to Lance's cosine distance (1 - cos); Lance's
l2 is squared.
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

DISTANCES = {"ip": "cosine", "l2": "l2"}


class LanceDBBackend(FileBacked):
    name: ClassVar[str] = "lancedb"
    concurrency: ClassVar[Concurrency] = Concurrency(
        "threads", "LanceDB searches in Rust (tokio) with the GIL released", batch=False)
    capabilities: ClassVar[Capabilities] = Capabilities(
        metrics=frozenset({"cosine", "l2"}),
        precisions=FLOAT_PRECISIONS,
        family="partition",
        build_params={
            "index_type": Param(str, "IVF_HNSW_SQ", "Lance's vector index",
                                choices=("IVF_PQ", "IVF_HNSW_SQ")),
            "num_partitions": Param(int, 8, "IVF partitions (k-means lists)", minimum=1),
            "num_sub_vectors": Param(int, 16, "IVF_PQ: PQ sub-vectors (divides the dim)",
                                     minimum=1),
        },
        search_params={
            "nprobes": Param(int, 8, "partitions searched per query", minimum=1),
            "refine_factor": Param(int, 0, "re-rank refine_factor * k candidates with full "
                                   "vectors (0 = off)", minimum=0),
            "ef": Param(int, 64, "IVF_HNSW_SQ: candidate list size", minimum=1),
        },
    )

    def __init__(self, metric: str, build: Mapping[str, Any], threads: int = 1) -> None:
        self.start(metric, build, DISTANCES, "cosine or l2")
        self._table: Any = None
        self._search: dict[str, Any] = {}

    def build(self, data: IndexInput) -> None:
        import lancedb
        import pyarrow as pa

        x = as_float32(data.vectors)
        vectors = pa.FixedSizeListArray.from_arrays(pa.array(x.ravel()), x.shape[1])
        table = lancedb.connect(self.scratch.path).create_table(
            "docs", pa.table({"id": pa.array(np.arange(len(x))), "vector": vectors}))
        p = self.build_params
        extra = ({"num_sub_vectors": int(p["num_sub_vectors"])}
                 if p["index_type"] == "IVF_PQ" else {})
        table.create_index(metric=DISTANCES[self.metric], index_type=p["index_type"],
                           num_partitions=int(p["num_partitions"]), **extra)
        self._table, self._n = table, len(x)

    def prepare(self, search: Mapping[str, Any]) -> None:
        self._search = self.capabilities.with_defaults("search", search)

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        s = self._search or self.capabilities.with_defaults("search", {})
        ids = np.full((len(queries), k), -1, dtype=np.int64)
        dist = np.full((len(queries), k), np.inf, dtype=np.float64)
        for i, q in enumerate(as_float32(queries)):
            query = (self._table.search(q).distance_type(DISTANCES[self.metric])
                     .nprobes(int(s["nprobes"])).ef(max(int(s["ef"]), k)).limit(k)
                     .select(["id", "_distance"]))
            if int(s["refine_factor"]):
                query = query.refine_factor(int(s["refine_factor"]))
            found = query.to_arrow()
            n = found.num_rows
            ids[i, :n] = found["id"].to_numpy()
            dist[i, :n] = found["_distance"].to_numpy()
        scores = 1.0 - dist if self.metric == "ip" else -dist
        return ids, np.where(ids >= 0, scores, -np.inf).astype(np.float32)

    def close(self) -> None:
        self._table = None
        self.scratch.close()
