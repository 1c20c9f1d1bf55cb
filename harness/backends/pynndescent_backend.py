"""pynndescent: a nearest-neighbour-descent kNN graph, pruned into a search graph, with a
random-projection tree to start each search (numba; the first build and query of a metric
in a process compile it, about 90 s here).

Metrics: cosine (arrives as 'ip' on unit vectors) and euclidean. pynndescent's 'dot'
normalises the data, so raw inner product is not offered. Its size is the pickled index.
"""

from __future__ import annotations

import pickle
from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np

from harness.backends.base import (
    FLOAT_PRECISIONS,
    SEED,
    Capabilities,
    Concurrency,
    Configured,
    IndexInput,
    IndexMemory,
    Param,
    as_float32,
    pad_to_k,
)

METRICS = {"ip": "cosine", "l2": "euclidean"}


class PynndescentBackend(Configured):
    name: ClassVar[str] = "pynndescent"
    concurrency: ClassVar[Concurrency] = Concurrency(
        "processes", "pynndescent's query is numba code compiled without nogil: threads "
        "would queue on the GIL", unshared="the index is a pickled Python object; this "
        "backend does not implement SharedIndex (threads are used, the curve shows the GIL)")
    capabilities: ClassVar[Capabilities] = Capabilities(
        metrics=frozenset({"cosine", "l2"}),
        precisions=FLOAT_PRECISIONS,
        family="graph",
        build_params={
            "n_neighbors": Param(int, 30, "neighbours per node in the kNN graph", minimum=2),
            "diversify_prob": Param(float, 1.0, "pruning of the search graph (0-1)",
                                    minimum=0.0, maximum=1.0),
        },
        search_params={
            "epsilon": Param(float, 0.1, "search range beyond the k-th distance (higher is "
                             "more accurate, slower)", minimum=0.0),
        },
        note="its search graph is the k-nearest-neighbour graph: on data in well-separated "
             "clusters it splits into one component per cluster, and a query that enters "
             "the wrong one never leaves it (knn_recall@10 stops at 0.54-0.56 on "
             "suites/engines-100k.yaml whatever epsilon, n_neighbors or diversify_prob; "
             "docs/engines.md)",
    )

    def __init__(self, metric: str, build: Mapping[str, Any], threads: int = 1) -> None:
        self.configure(metric, build, METRICS, "with 'ip' (cosine) or 'l2'")
        self.threads = threads
        self.epsilon = 0.1
        self._index: Any = None

    def build(self, data: IndexInput) -> None:
        import pynndescent

        x = as_float32(data.vectors)
        self._index = pynndescent.NNDescent(
            x, metric=METRICS[self.metric], n_neighbors=int(self.build_params["n_neighbors"]),
            diversify_prob=float(self.build_params["diversify_prob"]), random_state=SEED,
            n_jobs=max(1, self.threads))
        self._index.prepare()
        self._n = len(x)

    def set_threads(self, n: int) -> None:
        self.threads = n  # query() runs in the calling thread

    def prepare(self, search: Mapping[str, Any]) -> None:
        self.epsilon = float(self.capabilities.with_defaults("search", search)["epsilon"])

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        ids, dist = self._index.query(as_float32(queries), k=min(k, self._n),
                                      epsilon=self.epsilon)
        ids = ids.astype(np.int64)
        # pynndescent distances: cosine -> 1 - cos, euclidean -> not squared
        scores = 1.0 - dist if self.metric == "ip" else -(dist.astype(np.float64) ** 2)
        scores = np.where(ids < 0, -np.inf, scores)
        return pad_to_k(ids, scores.astype(np.float32), k)

    def nbytes(self) -> int:
        return len(pickle.dumps(self._index))

    def memory(self) -> IndexMemory:
        return IndexMemory(self.nbytes() / max(1, self._n))
