"""hnswlib: an HNSW graph over float32 vectors (space 'ip' or 'l2').

Memory (hnswlib's hnswalg.h): per element, the level-0 block (4d vector bytes, 2M int32 links
and their count, an 8-byte label), M int32 links and a count per upper level, its level
(int32): together what index_file_size() writes per element. In memory, each element also
has a pointer to its upper-level links, a std::mutex (40 bytes on glibc), a visited-list
slot (2 bytes) and an entry in the label -> id hash map (about 44 bytes: a 32-byte node and
its bucket share, measured as RSS growth at 200k elements). Fixed: 65536 label mutexes.

hnswlib has its own thread pool: the index builds with the suite's `threads`, and searches
with set_threads(n) (the runner measures qps and latency with 1 thread).
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
    saved_bytes,
)

#: In-memory bytes per element beyond what the file holds (see the module docstring):
#: upper-links pointer, per-element mutex, visited-list slot, label hash-map entry.
ELEMENT_EXTRA_BYTES = 8 + 40 + 2 + 44
#: hnswlib's fixed table of label mutexes (MAX_LABEL_OPERATION_LOCKS std::mutex of 40 bytes)
FIXED_BYTES = 65536 * 40


class HnswlibBackend:
    name: ClassVar[str] = "hnswlib"
    concurrency: ClassVar[Concurrency] = Concurrency(
        "threads", "hnswlib's knn_query releases the GIL (py::gil_scoped_release)")
    capabilities: ClassVar[Capabilities] = Capabilities(
        metrics=FLOAT_METRICS,
        precisions=FLOAT_PRECISIONS,
        family="graph",
        build_params={
            "M": Param(int, 16, "links per node", minimum=2, maximum=10_000),  # hnswlib clamps
            "ef_construction": Param(int, 200, "candidate list size while building", minimum=1),
        },
        search_params={
            "ef": Param(
                int, 10, "candidate list size while searching (hnswlib uses max(ef, k))", minimum=1
            ),
        },
    )

    def __init__(self, metric: str, build: Mapping[str, Any], threads: int = 1) -> None:
        if metric not in ("ip", "l2"):
            raise ValueError(f"hnswlib searches float vectors with 'ip' or 'l2', not {metric!r}")
        self.metric = metric
        self.threads = threads
        self.build_params = self.capabilities.with_defaults("build", build)
        self._index: Any = None

    def build(self, data: IndexInput) -> None:
        import hnswlib

        x = as_float32(data.vectors)
        n, d = x.shape
        index = hnswlib.Index(space=self.metric, dim=d)
        index.init_index(
            max_elements=max(1, n),
            M=int(self.build_params["M"]),
            ef_construction=int(self.build_params["ef_construction"]),
            random_seed=SEED,
        )
        index.set_num_threads(self.threads)
        index.add_items(x, np.arange(n), num_threads=self.threads)
        self._index = index

    def set_threads(self, n: int) -> None:
        self.threads = n
        if self._index is not None:
            self._index.set_num_threads(n)

    def prepare(self, search: Mapping[str, Any]) -> None:
        self._index.set_ef(int(self.capabilities.with_defaults("search", search)["ef"]))

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        labels, dist = self._index.knn_query(queries, k=min(k, self._index.element_count))
        ids = labels.astype(np.int64)
        # hnswlib distances: 'ip' -> 1 - <q, x>, 'l2' -> squared euclidean distance
        scores = np.subtract(1.0, dist, dtype=np.float32) if self.metric == "ip" else -dist
        return pad_to_k(ids, scores, k)

    def nbytes(self) -> int:
        return saved_bytes(self._index.save_index, "index.bin")

    def memory(self) -> IndexMemory:
        n = max(1, self._index.element_count)
        return IndexMemory(self._index.index_file_size() / n + ELEMENT_EXTRA_BYTES, FIXED_BYTES)

    @property
    def index(self) -> Any:
        """The hnswlib.Index object (for tests and benchmarks)."""
        return self._index
