"""Milvus Lite: `MilvusClient('<scratch>/milvus.db')`, its vector index, one search call a query.

Milvus Lite 3 runs its engine (and the gRPC server the client talks to) in this process. The
index types it builds are FLAT (brute force), IVF_FLAT, IVF_SQ8, HNSW and HNSW_SQ (its
factory refuses IVF_PQ and DISKANN, and a failed background build silently falls back to
brute force, so only these are offered). Build = create the collection, insert in batches,
flush (sealed segments on disk), then create_index + load_collection, after which every
segment carries the index. The build parameters are nested one level (see build()), else
Milvus Lite silently uses its defaults; describe_index shows what it got. Search params:
`ef` (HNSW*) and `nprobe` (IVF*). 'ip' arrives for
cosine on unit vectors, so it maps to Milvus's COSINE (a similarity); its L2 is squared.
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

METRICS = {"ip": "COSINE", "l2": "L2"}
INDEX_TYPES = ("HNSW", "HNSW_SQ", "IVF_FLAT", "IVF_SQ8", "FLAT")
INSERT_BATCH = 2000
COLLECTION = "docs"


def index_params(index_type: str, p: Mapping[str, Any]) -> dict[str, int]:
    if index_type.startswith("HNSW"):
        return {"M": int(p["M"]), "efConstruction": int(p["efConstruction"])}
    if index_type.startswith("IVF"):
        return {"nlist": int(p["nlist"])}
    return {}


class MilvusLiteBackend(FileBacked):
    name: ClassVar[str] = "milvus-lite"
    concurrency: ClassVar[Concurrency] = Concurrency(
        "threads", "Milvus Lite serves queries from its own server process over gRPC (the "
        "client waits on I/O without the GIL)", batch=False)
    capabilities: ClassVar[Capabilities] = Capabilities(
        metrics=frozenset({"cosine", "l2"}),
        precisions=FLOAT_PRECISIONS,
        family="graph",
        build_params={
            "index_type": Param(str, "HNSW", "Milvus Lite's vector index", choices=INDEX_TYPES),
            "M": Param(int, 16, "HNSW*: graph degree", minimum=2),
            "efConstruction": Param(int, 128, "HNSW*: candidate list while building", minimum=1),
            "nlist": Param(int, 32, "IVF*: k-means lists", minimum=1),
        },
        search_params={
            "ef": Param(int, 64, "HNSW*: candidate list per query", minimum=1),
            "nprobe": Param(int, 8, "IVF*: lists searched per query", minimum=1),
        },
        note="each query is a call to Milvus Lite's own server process, and that call's "
             "cost grows with the collection: about 200 queries/s on BBC News (2,089 "
             "documents) but 4-5 on 100,000 at every ef (suites/engines-100k.yaml); the "
             "harness's path is within 2% of the client called directly (bench/db_overhead.py)",
    )

    def __init__(self, metric: str, build: Mapping[str, Any], threads: int = 1) -> None:
        self.start(metric, build, METRICS, "cosine or l2")
        self._client: Any = None
        self._search: dict[str, Any] = {}

    def build(self, data: IndexInput) -> None:
        from pymilvus import DataType, MilvusClient

        x = as_float32(data.vectors)
        client = MilvusClient(self.scratch.file("milvus.db"))
        schema = client.create_schema(auto_id=False)
        schema.add_field("id", DataType.INT64, is_primary=True)
        schema.add_field("v", DataType.FLOAT_VECTOR, dim=x.shape[1])
        client.create_collection(COLLECTION, schema=schema)
        for start in range(0, len(x), INSERT_BATCH):
            client.insert(COLLECTION, [{"id": start + i, "v": v}
                                       for i, v in enumerate(x[start:start + INSERT_BATCH])])
        client.flush(COLLECTION)
        kind = self.build_params["index_type"]
        spec = client.prepare_index_params()
        spec.add_index("v", index_type=kind, metric_type=METRICS[self.metric],
                       # pymilvus 3.0.2 sends params as flat key/values, which Milvus Lite 3.2.2
                       # ignores (it reads one JSON 'params' key): nested, they arrive
                       params={"params": index_params(kind, self.build_params)})
        client.create_index(COLLECTION, spec)
        client.load_collection(COLLECTION)
        self._client, self._n = client, len(x)

    def index_state(self) -> dict[str, Any]:
        """Milvus's own description of the built index (type, metric, indexed rows)."""
        return self._client.describe_index(COLLECTION, "v")

    def prepare(self, search: Mapping[str, Any]) -> None:
        s = self.capabilities.with_defaults("search", search)
        kind = self.build_params["index_type"]
        params = ({"ef": int(s["ef"])} if kind.startswith("HNSW") else
                  {"nprobe": int(s["nprobe"])} if kind.startswith("IVF") else {})
        self._search = {"metric_type": METRICS[self.metric], "params": params}

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        if not self._search:
            self.prepare({})
        ids = np.full((len(queries), k), -1, dtype=np.int64)
        dist = np.full((len(queries), k), np.inf, dtype=np.float64)
        for i, q in enumerate(as_float32(queries)):
            hits = self._client.search(COLLECTION, data=[q], limit=k,
                                       search_params=self._search)[0]
            ids[i, :len(hits)] = [h["id"] for h in hits]
            dist[i, :len(hits)] = [h["distance"] for h in hits]
        scores = dist if self.metric == "ip" else -dist  # COSINE is a similarity already
        return ids, np.where(ids >= 0, scores, -np.inf).astype(np.float32)

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
        self.scratch.close()
