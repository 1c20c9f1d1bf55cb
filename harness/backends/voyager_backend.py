"""voyager (Spotify): an HNSW graph over float32 vectors (space InnerProduct or Euclidean).

voyager is hnswlib's code behind a different API; its serialized index (as_bytes) holds each
element's vector, links and label as hnswlib's file does, and in memory each element has
hnswlib's extra bytes too (upper-links pointer, mutex, visited-list slot, label map entry),
with hnswlib's fixed label mutexes: the per-document figure is the serialized size over N
plus those (hnswlib_backend.py; within 1% of the allocator's in-use growth at 20,000
elements, tests/backends/test_memory_measured.py). It searches with its own thread pool
(num_threads per query call).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np

from harness.backends.base import (
    FLOAT_METRICS,
    FLOAT_PRECISIONS,
    SEED,
    Capabilities,
    Concurrency,
    IndexInput,
    IndexMemory,
    Param,
    as_float32,
    pad_to_k,
)
from harness.backends.hnswlib_backend import ELEMENT_EXTRA_BYTES, FIXED_BYTES


class VoyagerBackend:
    name: ClassVar[str] = "voyager"
    concurrency: ClassVar[Concurrency] = Concurrency(
        "processes", "measured on a quiet 2-core machine (bench/gil.py, 20000 x 256): "
        "2 client threads gave 0.76x the qps of "
        "1, a bare two-thread loop on Index.query 0.78-0.99x: its queries do not run in "
        "parallel from Python threads",
        unshared="voyager.Index.load reads the whole index into each process (no "
        "memory-mapped form): clients stay threads")
    capabilities: ClassVar[Capabilities] = Capabilities(
        metrics=FLOAT_METRICS,
        precisions=FLOAT_PRECISIONS,
        family="graph",
        build_params={
            "M": Param(int, 12, "links per node", minimum=2),
            "ef_construction": Param(int, 200, "candidate list size while building", minimum=1),
        },
        search_params={
            "query_ef": Param(int, 10, "candidate list size while searching", minimum=1),
        },
    )

    def __init__(self, metric: str, build: Mapping[str, Any], threads: int = 1) -> None:
        if metric not in ("ip", "l2"):
            raise ValueError(f"voyager searches float vectors with 'ip' or 'l2', not {metric!r}")
        self.metric = metric
        self.threads = threads
        self.build_params = self.capabilities.with_defaults("build", build)
        self.ef = 10
        self._index: Any = None

    def build(self, data: IndexInput) -> None:
        import voyager

        x = as_float32(data.vectors)
        space = voyager.Space.InnerProduct if self.metric == "ip" else voyager.Space.Euclidean
        self._index = voyager.Index(space, num_dimensions=x.shape[1],
                                    M=int(self.build_params["M"]),
                                    ef_construction=int(self.build_params["ef_construction"]),
                                    random_seed=SEED, max_elements=max(1, len(x)))
        self._index.add_items(x, np.arange(len(x)), num_threads=self.threads)

    def set_threads(self, n: int) -> None:
        self.threads = n

    def prepare(self, search: Mapping[str, Any]) -> None:
        self.ef = int(self.capabilities.with_defaults("search", search)["query_ef"])

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        kk = min(k, len(self._index))
        labels, dist = self._index.query(as_float32(queries), k=kk, num_threads=self.threads,
                                         query_ef=max(self.ef, kk))
        ids = labels.astype(np.int64)
        # voyager distances: InnerProduct -> 1 - <q, x>, Euclidean -> squared distance
        scores = np.subtract(1.0, dist, dtype=np.float32) if self.metric == "ip" else -dist
        return pad_to_k(ids, scores.astype(np.float32), k)

    def nbytes(self) -> int:
        return len(self._index.as_bytes())

    def memory(self) -> IndexMemory:
        return IndexMemory(self.nbytes() / max(1, len(self._index)) + ELEMENT_EXTRA_BYTES,
                           FIXED_BYTES)
