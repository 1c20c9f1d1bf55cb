"""DiskANN's SSD index (diskannpy build_disk_index / StaticDiskIndex): the Vamana graph and
the full vectors in one file on disk, PQ codes of the vectors in memory.

A search walks the graph with the in-memory PQ codes, reading `beam_width` nodes (sectors
of the index file) per step, and re-ranks the visited nodes with their full vectors read
from disk. Build: `graph_degree`, `complexity`, `pq_bytes` (the in-memory PQ code bytes a
vector, which diskannpy derives from its `search_memory_maximum` budget: the backend passes
the budget that gives this many) and `cache_nodes` (nodes around the entry point kept in
memory). Search: `complexity`, `beam_width`.

StaticDiskIndex is always loaded with at least 2 threads: with num_threads=1 the load
deadlocks in diskannpy 0.7.0 (PQFlashIndex::use_medoids_data_as_centroids waits in
ScratchStoreManager for the one thread context, which load holds: seen with gdb). Searches
then use the suite's threads (batch_search's num_threads). Files the search does not read
(the build's input copy, the in-memory build's data file) are removed after the build, so
`disk_bytes_per_doc` is what the index keeps on disk.

Memory: the PQ codes (pq_bytes a document) and the cached nodes; fixed: the PQ pivots. The
load's RSS growth is larger (docs/engines.md gives the measured figures).
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np

from harness.backends.base import (
    FLOAT_PRECISIONS,
    Capabilities,
    Concurrency,
    Configured,
    IndexInput,
    IndexMemory,
    Param,
    as_float32,
)
from harness.backends.databases.scratch import Scratch
from harness.backends.diskann_backend import GIL_HELD, PREFIX, padded_results
from harness.backends.quiet import quiet_stdout

#: harness search metric -> DiskANN distance. 'ip' arrives only for cosine (unit vectors):
#: StaticDiskIndex refuses cosine ("not supported") and its mips returns distances of its own
#: transformed space, so cosine runs as l2, whose order on unit vectors is the cosine's
#: (|q - x|^2 = 2 - 2 cos), and the score is 1 - |q - x|^2 / 2
DISTANCES = {"ip": "l2", "l2": "l2"}
#: files the build leaves that StaticDiskIndex does not read
BUILD_ONLY = (f"{PREFIX}_vectors.bin", f"{PREFIX}_mem.index.data")
#: the thread contexts the load needs (one fewer deadlocks, see the module docstring)
LOAD_THREADS = 2


def pq_budget(codes: int, n: int) -> float:
    """The search_memory_maximum (GiB) giving `codes` PQ bytes a vector: DiskANN takes
    floor(budget * 2**30 / n) bytes (at most d) and reads the budget as a 6-decimal string,
    so it is rounded up to 6 decimals; below about 1,000 documents the codes come out
    larger (memory() reads the file, so it reports the codes built)."""
    return math.ceil((codes + 0.5) * max(1, n) / 2**30 * 1e6) / 1e6


class DiskannDiskBackend(Configured):
    name: ClassVar[str] = "diskann-disk"
    concurrency: ClassVar[Concurrency] = Concurrency(
        "processes", GIL_HELD, unshared="not written yet: client processes opening the same "
        "index files (StaticDiskIndex reads them through the page cache) would share it")
    capabilities: ClassVar[Capabilities] = Capabilities(
        metrics=frozenset({"cosine", "l2"}),
        precisions=FLOAT_PRECISIONS,
        family="graph",
        build_params={
            "graph_degree": Param(int, 64, "R: the graph's maximum out-degree", minimum=1),
            "complexity": Param(int, 100, "L: candidate list size while building", minimum=1),
            "pq_bytes": Param(int, 32, "bytes of a vector's in-memory PQ code (at most the "
                              "dimension)", minimum=1),
            "cache_nodes": Param(int, 0, "nodes near the entry point kept in memory",
                                 minimum=0),
        },
        search_params={
            "complexity": Param(int, 64, "L: candidate list size while searching (raised "
                                "to k)", minimum=1),
            "beam_width": Param(int, 2, "nodes read from disk per search step", minimum=1),
        },
    )

    def __init__(self, metric: str, build: Mapping[str, Any], threads: int = 1) -> None:
        self.configure(metric, build, DISTANCES, "float vectors with 'ip' (cosine) or 'l2'")
        self.threads = threads
        self.search_params = self.capabilities.with_defaults("search", {})
        self.scratch = Scratch("diskann-disk")
        self._index: Any = None
        self._n = 0
        self._d = 0

    def build(self, data: IndexInput) -> None:
        import diskannpy

        x = as_float32(data.vectors)
        p = self.build_params
        self._n, self._d = x.shape
        codes = min(int(p["pq_bytes"]), self._d)
        with quiet_stdout():
            diskannpy.build_disk_index(
                x, distance_metric=DISTANCES[self.metric], index_directory=self.scratch.path,
                complexity=int(p["complexity"]), graph_degree=int(p["graph_degree"]),
                search_memory_maximum=pq_budget(codes, self._n),
                build_memory_maximum=max(1.0, 8 * x.nbytes / 2**30),
                num_threads=max(1, self.threads), vector_dtype=np.float32, index_prefix=PREFIX)
            for f in BUILD_ONLY:
                if os.path.exists(self.scratch.file(f)):
                    os.remove(self.scratch.file(f))
            self._index = diskannpy.StaticDiskIndex(
                self.scratch.path, num_threads=max(LOAD_THREADS, self.threads),
                num_nodes_to_cache=int(p["cache_nodes"]), index_prefix=PREFIX,
                distance_metric=DISTANCES[self.metric], vector_dtype=np.float32,
                dimensions=self._d)

    def set_threads(self, n: int) -> None:
        self.threads = n

    def prepare(self, search: Mapping[str, Any]) -> None:
        self.search_params = self.capabilities.with_defaults("search", search)

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        kk = min(k, self._n)
        s = self.search_params
        found = self._index.batch_search(as_float32(queries), kk, max(int(s["complexity"]), kk),
                                         max(1, self.threads), int(s["beam_width"]))
        # full-precision re-ranked squared l2 distances (cosine: 1 - d / 2 on unit vectors)
        return padded_results(found, k,
                              (lambda d: 1.0 - d / 2) if self.metric == "ip" else np.negative)

    def disk_bytes(self) -> int:
        return self.scratch.bytes()

    def nbytes(self) -> int:
        return self.disk_bytes()

    def memory(self) -> IndexMemory:
        """PQ codes (the compressed file less its 8-byte header) and cached nodes (a vector,
        a degree count and up to graph_degree ids each); the pivots are fixed."""
        n = max(1, self._n)
        codes = (os.path.getsize(self.scratch.file(f"{PREFIX}_pq_compressed.bin")) - 8) / n
        p = self.build_params
        node = 4 * self._d + 4 + 4 * int(p["graph_degree"])
        cached = min(int(p["cache_nodes"]), self._n) * node / n
        return IndexMemory(codes + cached,
                           os.path.getsize(self.scratch.file(f"{PREFIX}_pq_pivots.bin")))
