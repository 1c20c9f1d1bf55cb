"""DiskANN (Microsoft, diskannpy): an in-memory Vamana graph over float32 vectors.

The build writes DiskANN's own files (vectors, graph, metadata) into a scratch folder removed
with the backend; StaticMemoryIndex loads them, and every search goes through batch_search,
a batch or a one-row batch (diskannpy 0.7.0's single-query search() returned the first id
k times on this machine). Build: `graph_degree` (R),
`complexity` (L) and `alpha`; search: `complexity`, the candidate list (raised to k).

Metrics: l2, and 'ip' as DiskANN's mips (cosine arrives as ip on unit vectors). Precisions:
float32 storage (float16/float8/int8 arrive dequantized, as for every float backend):
diskannpy's native int8/uint8 expect integer vectors whose distance is the data's, which the
harness's per-dimension calibrated int8 codes are not. The disk index (StaticDiskIndex) is
not offered: see docs/engines.md (its load did not return on this machine).

Memory per document (measured as the heap's growth over StaticMemoryIndex's load in a
fresh process, n = 20,000): vector bytes + 4 x the graph's average degree (what the graph
file holds) + about 125 bytes a node of DiskANN's own bookkeeping (the node's neighbour
vector, its lock, its slot in the tag maps), within 10%; `graph_degree` x 4 + vector bytes
underestimates it (docs/engines.md). memory() reports the files' vectors and graph plus
that constant.
"""

from __future__ import annotations

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
    pad_to_k,
)
from harness.backends.databases.scratch import Scratch
from harness.backends.quiet import quiet_stdout

#: harness search metric -> DiskANN distance_metric ('ip' arrives for cosine on unit vectors)
DISTANCES = {"ip": "mips", "l2": "l2"}
#: in-memory bytes a node beyond its vector and its neighbour ids, measured (module docstring)
NODE_EXTRA_BYTES = 125
PREFIX = "ann"


def padded_results(found: Any, k: int, scores: Any) -> tuple[np.ndarray, np.ndarray]:
    """diskannpy's batch_search answer as the harness's (ids, scores), padded to k;
    `scores` turns its float32 distances into similarities (higher is better)."""
    ids = found.identifiers.astype(np.int64)
    return pad_to_k(ids, scores(found.distances.astype(np.float32)), k)


#: measured: a Python loop in the main thread ran at 0.8% of its rate (0.1% for the SSD
#: index) while another thread was inside batch_search; 40% with that thread in time.sleep
#: (docs/engines.md)
GIL_HELD = ("diskannpy holds the GIL in batch_search (measured: another thread's Python loop "
            "all but stops during it)")


class DiskannBackend(Configured):
    name: ClassVar[str] = "diskann"
    concurrency: ClassVar[Concurrency] = Concurrency(
        "processes", GIL_HELD, unshared="StaticMemoryIndex reads its files into the process's "
        "own memory (no memory-mapped load): each client process would build or load a copy")
    capabilities: ClassVar[Capabilities] = Capabilities(
        metrics=frozenset({"cosine", "ip", "l2"}),
        precisions=FLOAT_PRECISIONS,
        family="graph",
        build_params={
            "graph_degree": Param(int, 64, "R: the graph's maximum out-degree", minimum=1),
            "complexity": Param(int, 100, "L: candidate list size while building", minimum=1),
            "alpha": Param(float, 1.2, "pruning slack (>= 1; larger keeps longer edges)",
                           minimum=1.0),
        },
        search_params={
            "complexity": Param(int, 64, "L: candidate list size while searching (raised "
                                "to k)", minimum=1),
        },
    )

    def __init__(self, metric: str, build: Mapping[str, Any], threads: int = 1) -> None:
        self.configure(metric, build, DISTANCES, "float vectors with 'ip' or 'l2'")
        self.threads = threads
        self.complexity = 64
        self.scratch = Scratch("diskann")
        self._index: Any = None

    def build(self, data: IndexInput) -> None:
        import diskannpy

        x = as_float32(data.vectors)
        p = self.build_params
        with quiet_stdout():
            diskannpy.build_memory_index(
                x, distance_metric=DISTANCES[self.metric], index_directory=self.scratch.path,
                complexity=int(p["complexity"]), graph_degree=int(p["graph_degree"]),
                num_threads=max(1, self.threads), alpha=float(p["alpha"]),
                vector_dtype=np.float32, index_prefix=PREFIX)
            self._index = diskannpy.StaticMemoryIndex(
                self.scratch.path, num_threads=max(1, self.threads),
                initial_search_complexity=self.complexity, index_prefix=PREFIX,
                distance_metric=DISTANCES[self.metric], vector_dtype=np.float32,
                dimensions=x.shape[1])
        os.remove(self.scratch.file(f"{PREFIX}_vectors.bin"))  # the build's input copy
        self._n = len(x)

    def set_threads(self, n: int) -> None:
        self.threads = n

    def prepare(self, search: Mapping[str, Any]) -> None:
        self.complexity = int(self.capabilities.with_defaults("search", search)["complexity"])

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        kk = min(k, self._n)
        found = self._index.batch_search(as_float32(queries), kk, max(self.complexity, kk),
                                         max(1, self.threads))
        # DiskANN distances: mips -> the inner product itself, l2 -> squared distance
        return padded_results(found, k, (lambda d: d) if self.metric == "ip" else np.negative)

    def disk_bytes(self) -> int:
        return self.scratch.bytes()

    def nbytes(self) -> int:
        return self.disk_bytes()

    def memory(self) -> IndexMemory:
        """The loaded files' vectors (PREFIX.data) and graph (PREFIX) plus a node's extra
        bytes (the build's input copy, PREFIX_vectors.bin, is removed after the load)."""
        held = sum(os.path.getsize(self.scratch.file(f)) for f in (PREFIX, f"{PREFIX}.data"))
        return IndexMemory(held / max(1, self._n) + NODE_EXTRA_BYTES)
