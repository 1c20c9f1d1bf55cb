"""annoy: a forest of random-projection trees (metrics 'angular', 'euclidean', 'dot').

annoy has no batch search: search() loops over the queries (that loop is the library's cost).
For the harness's 'ip' metric the index uses 'angular' when every document is a unit vector
(cosine: the ranking of the inner product exactly) and 'dot' otherwise; 'l2' uses 'euclidean'.
Scores are converted to exact search's scale: inner product, or minus the squared distance.

Memory: annoy holds one array of equal-size nodes (a node: n_descendants and two children as
int32, 4d float32 coordinates, plus a float for 'euclidean' and 'dot'), one per item and
one per split or leaf node of every tree, and saves exactly that array (plus one root copy
per tree): bytes_per_doc is the saved size over the number of items.
"""

from __future__ import annotations

import json
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
    saved_bytes,
)

#: Documents whose norms are within this of 1 are unit vectors (float32 normalisation error
#: is ~1e-7); then 'angular' ranks exactly as the inner product.
UNIT_NORM_TOL = 1e-5


class AnnoyBackend:
    name: ClassVar[str] = "annoy"
    concurrency: ClassVar[Concurrency] = Concurrency(
        "threads", "annoy releases the GIL in get_nns_by_vector (Py_BEGIN_ALLOW_THREADS)",
        batch=False)
    capabilities: ClassVar[Capabilities] = Capabilities(
        metrics=FLOAT_METRICS,
        precisions=FLOAT_PRECISIONS,
        family="tree",
        build_params={"n_trees": Param(int, 100, "number of trees", minimum=1)},
        search_params={
            "search_k": Param(int, -1, "nodes inspected per query (-1 = n_trees * k)", minimum=-1),
        },
    )

    def __init__(self, metric: str, build: Mapping[str, Any], threads: int = 1) -> None:
        if metric not in ("ip", "l2"):
            raise ValueError(f"annoy searches float vectors with 'ip' or 'l2', not {metric!r}")
        self.metric = metric
        self.threads = threads
        self.build_params = self.capabilities.with_defaults("build", build)
        self.search_k = -1
        self.annoy_metric: str | None = None
        self._index: Any = None
        self._saved = 0

    def build(self, data: IndexInput) -> None:
        from annoy import AnnoyIndex

        x = as_float32(data.vectors)
        n, d = x.shape
        if self.metric == "l2":
            self.annoy_metric = "euclidean"
        else:
            norms = np.linalg.norm(x, axis=1)
            unit = n > 0 and bool(np.all(np.abs(norms - 1.0) <= UNIT_NORM_TOL))
            self.annoy_metric = "angular" if unit else "dot"
        index = AnnoyIndex(d, self.annoy_metric)
        index.set_seed(SEED)
        for i, row in enumerate(x.tolist()):
            index.add_item(i, row)
        index.build(int(self.build_params["n_trees"]), n_jobs=self.threads)
        self._index, self._saved = index, 0

    def set_threads(self, n: int) -> None:
        self.threads = n

    def prepare(self, search: Mapping[str, Any]) -> None:
        self.search_k = int(self.capabilities.with_defaults("search", search)["search_k"])

    def _loop(self, rows: list[list[float]], k: int, search_k: int) -> list[tuple[list, list]]:
        get = self._index.get_nns_by_vector
        return [get(row, k, search_k, True) for row in rows]

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        rows = queries.tolist()
        if len(rows) == 1:
            one = self._one(rows[0], queries, k)
            if one is not None:
                return one
        if self.threads > 1 and len(rows) > 1:
            # batch throughput: annoy releases the GIL while it searches
            from concurrent.futures import ThreadPoolExecutor

            step = -(-len(rows) // self.threads)
            chunks = [rows[i : i + step] for i in range(0, len(rows), step)]
            with ThreadPoolExecutor(self.threads) as pool:
                parts = pool.map(lambda c: self._loop(c, k, self.search_k), chunks)
                found = [r for part in parts for r in part]
        else:
            found = self._loop(rows, k, self.search_k)
        n = len(found)
        if all(len(i) == k for i, _ in found):
            ids = np.array([i for i, _ in found], dtype=np.int64).reshape(n, k)
            dist = np.array([s for _, s in found], dtype=np.float32).reshape(n, k)
        else:  # fewer than k results for some query: pad as empty slots
            ids = np.full((n, k), -1, dtype=np.int64)
            dist = np.full((n, k), np.nan, dtype=np.float32)
            for r, (i, s) in enumerate(found):
                ids[r, : len(i)] = i
                dist[r, : len(s)] = s
        return ids, self._scores(dist, queries, ids)

    def _one(self, row: list[float], queries: np.ndarray, k: int
             ) -> tuple[np.ndarray, np.ndarray] | None:
        """One query answered with k results, without the batch path's padding and masking:
        the latency loop's call, where those microseconds were a sixth of annoy's own time
        (bench/cli_vs_bare.py). The same float32 arithmetic as _scores, so the same values."""
        ids, dist = self._index.get_nns_by_vector(row, k, self.search_k, True)
        if len(ids) < k:
            return None
        return np.array([ids], dtype=np.int64), self._converted(np.array([dist], np.float32),
                                                                queries)

    def _converted(self, dist: np.ndarray, queries: np.ndarray) -> np.ndarray:
        if self.annoy_metric == "euclidean":
            return -(dist * dist)
        if self.annoy_metric == "angular":
            # angular distance = sqrt(2 - 2 cos); unit documents: <q, x> = cos * |q|
            x = np.asarray(queries, dtype=np.float32)
            qnorm = np.sqrt(np.add.reduce(x * x, axis=1))  # np.linalg.norm's own reduction
            return (1.0 - 0.5 * dist * dist) * qnorm[:, None]
        return dist  # 'dot' returns the inner product

    def _scores(self, dist: np.ndarray, queries: np.ndarray, ids: np.ndarray) -> np.ndarray:
        return np.where(ids >= 0, self._converted(dist, queries), -np.inf).astype(np.float32)

    def nbytes(self) -> int:
        # annoy.save() re-opens the index from the file (mmap); once unlinked, the mapping stays
        # valid, so searches after nbytes() still work.
        self._saved = saved_bytes(self._index.save, "index.ann")
        return self._saved

    def memory(self) -> IndexMemory:
        return IndexMemory((self._saved or self.nbytes()) / max(1, self._index.get_n_items()))

    def save(self, path: str) -> None:
        """SharedIndex: annoy's own file, plus its dimension and metric (path + .json)."""
        with open(path + ".json", "w", encoding="utf-8") as fh:
            json.dump({"dim": self._index.f, "annoy_metric": self.annoy_metric}, fh)
        self._index.save(path)  # annoy then searches the saved file, mapped, itself

    @classmethod
    def open_shared(cls, path: str, metric: str, build: Mapping[str, Any]) -> AnnoyBackend:
        """AnnoyIndex.load memory-maps the file (prefault off): one copy for every client."""
        from annoy import AnnoyIndex

        with open(path + ".json", encoding="utf-8") as fh:
            meta = json.load(fh)
        out = cls(metric, build)
        out.annoy_metric = meta["annoy_metric"]
        out._index = AnnoyIndex(int(meta["dim"]), meta["annoy_metric"])
        out._index.load(path, prefault=False)
        return out

    @property
    def index(self) -> Any:
        """The AnnoyIndex object (for tests and benchmarks)."""
        return self._index
