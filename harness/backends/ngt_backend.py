"""NGT (Yahoo Japan): an ANNG or ONNG graph over float32 vectors (distance Cosine or L2).

The index is NGT's own folder (objects and graph) in a scratch folder removed with the
backend; its size is the folder's. Search: `epsilon`, how far beyond the current k-th
distance the graph walk keeps exploring (ann-benchmarks sweeps it), set on the index for
batch_search (whose OpenMP team follows the runner's thread limit).

`graph`: anng, or onng (an ANNG whose edges ngtpy.Optimizer re-shapes to `outdegree`
outgoing and `indegree` incoming edges a node, then prunes shortcut edges; ann-benchmarks'
ONNG). The optimizer runs with its search-parameter, prefetch and accuracy-table steps
off: with them on, execute() did not return on this machine (2,000 vectors, 60 s), and the
edges are what ONNG is; the search is then tuned by `epsilon` as for ANNG. QG (ngtpy's
QuantizedIndex) is not offered: the wheel opens a QG index but cannot build one (the
quantization is the ngtqg command-line tool's, which the wheel does not ship).
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from itertools import chain
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

#: harness search metric -> NGT distance_type ('ip' arrives for cosine on unit vectors)
DISTANCES = {"ip": "Cosine", "l2": "L2"}


class NgtBackend(Configured):
    name: ClassVar[str] = "ngt"
    concurrency: ClassVar[Concurrency] = Concurrency(
        "processes", "measured on a quiet 2-core machine (bench/gil.py, 20000 x 256): "
        "2 client threads gave 0.82x the qps of "
        "1, a bare two-thread loop on ngtpy's search 0.88-0.99x: it holds the GIL",
        unshared="ngtpy opens its index folder into each process's memory (no shared "
        "mapping): clients stay threads", batch=False)
    capabilities: ClassVar[Capabilities] = Capabilities(
        metrics=frozenset({"cosine", "l2"}),
        precisions=FLOAT_PRECISIONS,
        family="graph",
        build_params={
            "edge_size_for_creation": Param(int, 10, "edges a node gets while building",
                                            minimum=1),
            "edge_size_for_search": Param(int, 40, "edges followed per node while searching",
                                          minimum=0),
            "graph": Param(str, "anng", "anng, or onng (ANNG edges re-shaped by ngtpy's "
                           "Optimizer)", choices=("anng", "onng")),
            "outdegree": Param(int, 10, "onng: outgoing edges a node keeps", minimum=1),
            "indegree": Param(int, 120, "onng: incoming edges a node gets", minimum=1),
        },
        search_params={
            "epsilon": Param(float, 0.1, "search range beyond the k-th distance (higher is "
                             "more accurate, slower)", minimum=-1.0),
        },
    )

    def __init__(self, metric: str, build: Mapping[str, Any], threads: int = 1) -> None:
        self.configure(metric, build, DISTANCES, "float vectors with 'ip' or 'l2'")
        self.threads = threads
        self.epsilon = 0.1
        self.scratch = Scratch("ngt")
        self._index: Any = None
        self._results: Any = None  # ngtpy.BatchResults, once built

    def build(self, data: IndexInput) -> None:
        import ngtpy

        x = as_float32(data.vectors)
        path = self.scratch.file("anng")
        ngtpy.create(path, x.shape[1],
                     edge_size_for_creation=int(self.build_params["edge_size_for_creation"]),
                     edge_size_for_search=int(self.build_params["edge_size_for_search"]),
                     distance_type=DISTANCES[self.metric], object_type="Float",
                     graph_type="ANNG")
        index = ngtpy.Index(path)
        index.batch_insert(x, num_threads=max(1, self.threads))
        index.save()
        if self.build_params["graph"] == "onng":
            index.close()
            path = self.optimized(path)
            index = ngtpy.Index(path)
        self._index, self._n = index, len(x)
        self._results = ngtpy.BatchResults
        index.set(epsilon=self.epsilon)

    def optimized(self, anng: str) -> str:
        """The ONNG built from the ANNG at `anng` (which is removed): its path."""
        import ngtpy

        onng = self.scratch.file("onng")
        optimizer = ngtpy.Optimizer(num_of_outgoings=int(self.build_params["outdegree"]),
                                    num_of_incomings=int(self.build_params["indegree"]),
                                    log_disabled=True)
        optimizer.set_processing_modes(search_parameter_optimization=False,
                                       prefetch_parameter_optimization=False,
                                       accuracy_table_generation=False)
        with quiet_stdout():  # its vm-size lines print despite log_disabled
            optimizer.execute(anng, onng)
        shutil.rmtree(anng)
        return onng

    def set_threads(self, n: int) -> None:
        # searches follow the runner's OpenMP limit (batch_search's team); n is the build's
        self.threads = n

    def prepare(self, search: Mapping[str, Any]) -> None:
        self.epsilon = float(self.capabilities.with_defaults("search", search)["epsilon"])
        self._index.set(epsilon=self.epsilon)  # what batch_search searches with

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """A batch through ngtpy's batch_search (arrays out, the epsilon prepare() set: the
        same answers as search() per query, tested); one query through search(), which
        answers it in a third of batch_search's time."""
        q = as_float32(queries)
        kk = min(k, self._n)
        if len(q) > 1 and kk:
            ids, dist = self._batch(q, kk)
        else:
            ids, dist = self._each(q, kk)
        # NGT distances: Cosine -> 1 - cos, L2 -> euclidean (not squared)
        scores = 1.0 - dist if self.metric == "ip" else -(dist**2)
        scores[ids < 0] = -np.inf
        return pad_to_k(ids, scores.astype(np.float32), k)

    def _batch(self, q: np.ndarray, kk: int) -> tuple[np.ndarray, np.ndarray]:
        found = self._results()
        self._index.batch_search(q, found, kk)
        flat_ids = np.asarray(found.get_indexed_ids(), dtype=np.int64)
        flat_dist = np.asarray(found.get_indexed_distances(), dtype=np.float64)
        if len(flat_ids) == kk * len(q):  # the common case: every query got kk
            return flat_ids.reshape(len(q), kk), flat_dist.reshape(len(q), kk)
        starts = np.asarray(found.get_index(), dtype=np.int64)[: len(q)]
        counts = np.diff(np.append(starts, len(flat_ids)))
        ids = np.full((len(q), kk), -1, dtype=np.int64)
        dist = np.full((len(q), kk), np.inf, dtype=np.float64)
        rows = np.repeat(np.arange(len(q)), counts)
        slots = np.arange(len(flat_ids)) - np.repeat(starts, counts)
        ids[rows, slots], dist[rows, slots] = flat_ids, flat_dist
        return ids, dist

    def _each(self, q: np.ndarray, kk: int) -> tuple[np.ndarray, np.ndarray]:
        search, eps = self._index.search, self.epsilon
        rows = [search(v, kk, epsilon=eps) for v in q]
        if kk and all(len(r) == kk for r in rows):  # the common case: one conversion
            # fromiter over the flattened (id, distance) pairs: half np.array's cost on
            # nested tuples, ~5% of a query at NGT's speed (bench/overhead.py)
            flat = chain.from_iterable(chain.from_iterable(rows))
            both = np.fromiter(flat, np.float64, 2 * kk * len(q)).reshape(len(q), kk, 2)
            return both[:, :, 0].astype(np.int64), both[:, :, 1]
        ids = np.full((len(q), kk), -1, dtype=np.int64)
        dist = np.full((len(q), kk), np.inf, dtype=np.float64)
        for i, found in enumerate(rows):
            if found:
                ids[i, :len(found)], dist[i, :len(found)] = zip(*found, strict=True)
        return ids, dist

    def disk_bytes(self) -> int:
        return self.scratch.bytes()

    def nbytes(self) -> int:
        return self.disk_bytes()

    def memory(self) -> IndexMemory:
        return IndexMemory(self.disk_bytes() / max(1, self._n))
