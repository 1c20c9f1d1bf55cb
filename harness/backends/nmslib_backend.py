"""nmslib: an HNSW graph or a small-world graph (SW-graph) over float32 vectors.

Spaces: cosinesimil (cosine arrives as 'ip' on unit vectors) and l2. Its memory is what the
build left allocated (glibc's in-use bytes, backends/allocations.py); nbytes() is what
saveIndex(save_data=True) writes (the index file and the vectors' .dat file). nmslib
searches with its own thread pool (num_threads per knnQueryBatch call).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np

from harness.backends.allocations import allocated_by
from harness.backends.base import (
    FLOAT_PRECISIONS,
    Capabilities,
    Concurrency,
    Configured,
    IndexInput,
    IndexMemory,
    Param,
    as_float32,
    pad_to_k,
)

SPACES = {"ip": "cosinesimil", "l2": "l2"}


class NmslibBackend(Configured):
    name: ClassVar[str] = "nmslib"
    concurrency: ClassVar[Concurrency] = Concurrency(
        "threads", "declared, not measured: nmslib's pybind11 knnQuery runs in C++")
    capabilities: ClassVar[Capabilities] = Capabilities(
        metrics=frozenset({"cosine", "l2"}),
        precisions=FLOAT_PRECISIONS,
        family="graph",
        build_params={
            "method": Param(str, "hnsw", "hnsw or sw-graph", choices=("hnsw", "sw-graph")),
            "M": Param(int, 16, "hnsw: links per node", minimum=2),
            "NN": Param(int, 10, "sw-graph: neighbours a node links to", minimum=1),
            "efConstruction": Param(int, 200, "candidate list size while building", minimum=1),
        },
        search_params={
            "efSearch": Param(int, 10, "candidate list size while searching", minimum=1),
        },
    )

    def __init__(self, metric: str, build: Mapping[str, Any], threads: int = 1) -> None:
        self.configure(metric, build, SPACES, "float vectors with 'ip' or 'l2'")
        self.threads = threads
        self._index: Any = None
        self._allocated: int | None = None

    def build(self, data: IndexInput) -> None:
        import nmslib

        x = as_float32(data.vectors)
        method = self.build_params["method"]
        index = nmslib.init(method=method, space=SPACES[self.metric])
        ef = int(self.build_params["efConstruction"])
        params = ({"M": int(self.build_params["M"]), "efConstruction": ef, "post": 0}
                  if method == "hnsw" else {"NN": int(self.build_params["NN"]),
                                            "efConstruction": ef})

        def build() -> None:
            index.addDataPointBatch(x)
            index.createIndex({**params, "indexThreadQty": max(1, self.threads)},
                              print_progress=False)

        self._allocated = allocated_by(build)
        self._index, self._n = index, len(x)

    def set_threads(self, n: int) -> None:
        self.threads = n

    def prepare(self, search: Mapping[str, Any]) -> None:
        ef = int(self.capabilities.with_defaults("search", search)["efSearch"])
        self._index.setQueryTimeParams({"efSearch": ef})

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        kk = min(k, self._n)
        found = self._index.knnQueryBatch(as_float32(queries), k=kk, num_threads=self.threads)
        ids = np.full((len(found), kk), -1, dtype=np.int64)
        dist = np.full((len(found), kk), np.inf, dtype=np.float64)
        for i, (row_ids, row_dist) in enumerate(found):
            ids[i, :len(row_ids)], dist[i, :len(row_ids)] = row_ids, row_dist
        # cosinesimil -> 1 - cos; l2 -> squared (hnsw) or euclidean (sw-graph) distance
        if self.metric == "ip":
            scores = 1.0 - dist
        else:
            scores = -dist if self.build_params["method"] == "hnsw" else -(dist**2)
        scores[ids < 0] = -np.inf
        return pad_to_k(ids, scores.astype(np.float32), k)

    def nbytes(self) -> int:
        with tempfile.TemporaryDirectory(prefix="harness-nmslib-") as tmp:
            self._index.saveIndex(os.path.join(tmp, "index.bin"), save_data=True)
            return sum(os.path.getsize(os.path.join(tmp, f)) for f in os.listdir(tmp))

    def memory(self) -> IndexMemory:
        """What the build left allocated (its data objects, graph nodes and HNSW's optimized
        level-0 copy: nearly twice the saved files, docs/engines.md); the saved size where
        the allocator cannot say."""
        held = self._allocated if self._allocated is not None else self.nbytes()
        return IndexMemory(held / max(1, self._n))
