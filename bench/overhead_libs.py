"""bench/overhead.py's library backends of #27 (DiskANN memory and disk, NGT ANNG and ONNG,
nmslib HNSW and SW-graph, voyager, pynndescent): their configurations, the library called
directly on the backend's own index object, and the ids that call returns.

A config name is `backend` or `backend:variant` (the variant picks build parameters, e.g.
ngt:onng); the bare call uses the same prepared parameters the backend's prepare() set.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

# name -> (backend, build params, search params)
LIB_CONFIGS: dict[str, tuple[str, dict, dict]] = {
    "diskann": ("diskann", {"graph_degree": 32, "complexity": 64}, {"complexity": 64}),
    "diskann-disk": ("diskann-disk", {"graph_degree": 32, "complexity": 64, "pq_bytes": 32},
                     {"complexity": 64, "beam_width": 2}),
    "ngt": ("ngt", {"edge_size_for_creation": 20}, {"epsilon": 0.1}),
    "ngt:onng": ("ngt", {"graph": "onng", "edge_size_for_creation": 60, "outdegree": 10,
                         "indegree": 30}, {"epsilon": 0.1}),
    "nmslib": ("nmslib", {"method": "hnsw", "M": 16}, {"efSearch": 64}),
    "nmslib:sw-graph": ("nmslib", {"method": "sw-graph", "NN": 16}, {"efSearch": 64}),
    "voyager": ("voyager", {"M": 16}, {"query_ef": 64}),
    "pynndescent": ("pynndescent", {"n_neighbors": 30}, {"epsilon": 0.1}),
}


def lib_bare_search(name: str, be: Any, queries: np.ndarray, k: int,
                    search: dict) -> Callable[[], Any]:
    """The library alone, as a user would call it, on the backend's index, one thread."""
    index = be._index  # the library's own object, built by the backend
    backend = LIB_CONFIGS[name][0]
    if backend == "diskann":
        return lambda: index.batch_search(queries, k, search["complexity"], 1)
    if backend == "diskann-disk":
        return lambda: index.batch_search(queries, k, search["complexity"], 1,
                                          search["beam_width"])
    if backend == "ngt":
        # ngtpy's batch call with the epsilon set on the index (what the backend calls; its
        # per-query search() loop, 0.85x as fast, was the bare side before)
        import ngtpy

        index.set(epsilon=search["epsilon"])  # once, as the backend's prepare() does

        def batch():
            found = ngtpy.BatchResults()
            index.batch_search(queries, found, k)
            return found
        return batch
    if backend == "nmslib":
        return lambda: index.knnQueryBatch(queries, k=k, num_threads=1)
    if backend == "voyager":
        ef = search["query_ef"]
        return lambda: index.query(queries, k=k, num_threads=1, query_ef=ef)
    if backend == "pynndescent":
        return lambda: index.query(queries, k=k, epsilon=search["epsilon"])
    raise ValueError(name)


def lib_bare_ids(name: str, out: Any) -> np.ndarray:
    backend = LIB_CONFIGS[name][0]
    if backend.startswith("diskann"):
        return out.identifiers
    if backend == "ngt":
        return np.asarray(out.get_ids())
    if backend == "nmslib":
        return np.array([ids for ids, _ in out])
    return out[0]  # voyager (labels, distances), pynndescent (indices, distances)
