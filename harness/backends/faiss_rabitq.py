"""faiss RaBitQ: vectors as nb_bits-per-dimension RaBitQ codes, scanned flat, in inverted lists
or in an HNSW graph, optionally re-ranked with a float32 copy (IndexRefineFlat).

Three backends, one per index family: `faiss-rabitq` (IndexRaBitQ, a flat scan of codes),
`faiss-ivf-rabitq` (IndexIVFRaBitQ) and `faiss-hnsw-rabitq` (IndexHNSWRaBitQ). Search
parameters are faiss's own (`qb`, `centered`, `nprobe`, `efSearch`, `k_factor`): prepare()
builds the faiss SearchParameters object once, and every search passes it. The exception is
HNSW, whose SearchParameters carry efSearch only: its `qb` and `centered` are set on the
codes' storage index by prepare().

IndexHNSWRaBitQ has only the L2 metric. The inner product (and cosine) is searched through
the usual reduction to L2: documents get one more coordinate, sqrt(M^2 - |x|^2) with M the
largest document norm, queries a 0, so |q' - x'|^2 = |q|^2 + M^2 - 2 <q, x> ranks exactly as
the inner product and converts back to it. On unit vectors (cosine) that coordinate is ~0.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from harness.backends._faiss import FaissBackend, check_training_size, metric_type, to_scores
from harness.backends.base import (
    FLOAT_METRICS,
    FLOAT_PRECISIONS,
    Capabilities,
    Concurrency,
    IndexInput,
    Param,
    as_float32,
)

_BUILD = {
    "nb_bits": Param(
        int,
        1,
        "bits per dimension of the codes (faiss nb_bits): 1 = RaBitQ, 2-9 = extended RaBitQ",
        choices=tuple(range(1, 10)),
    ),
    "refine": Param(
        bool,
        False,
        "also store float32 vectors (IndexRefineFlat) to re-rank with; adds 4*d bytes per vector",
    ),
}
_SEARCH = {
    "qb": Param(
        int,
        4,
        "bits of the quantized query for the 1-bit estimate (faiss qb; 0 = float query)",
        choices=tuple(range(9)),
    ),
    "centered": Param(bool, False, "centre the query codes (faiss centered)"),
    "k_factor": Param(
        float,
        0.0,
        "re-rank k*k_factor candidates with exact distances (IndexRefineFlat k_factor; "
        "0 = off, else >= 1; needs refine: true)",
        minimum=0,
    ),
}


class _RaBitQ(FaissBackend):
    """Build (optionally inside IndexRefineFlat), search with prepared parameters, scores."""

    _params: Any = None
    #: the metric of the faiss index, when not the harness's (HNSW: 'l2' for ip too)
    search_metric: str = ""

    def make(self, d: int, metric: int, n: int) -> Any:
        raise NotImplementedError

    def base_params(self, search: Mapping[str, Any]) -> Any:
        raise NotImplementedError

    def to_index_space(self, x: np.ndarray, queries: bool) -> np.ndarray:
        return x

    def build(self, data: IndexInput) -> None:
        import faiss

        self._search_metric = self.search_metric or data.metric
        x = self.to_index_space(as_float32(data.vectors), queries=False)
        self._base = self.make(x.shape[1], metric_type(self._search_metric, self.name), len(x))
        index = faiss.IndexRefineFlat(self._base) if self.b("refine") else self._base
        index.train(x)
        index.add(x)
        self._index = index

    def prepare(self, search: Mapping[str, Any]) -> None:
        import faiss

        search = {**self.capabilities.with_defaults("search", {}), **search}
        k_factor = float(search["k_factor"])
        if k_factor and not self.b("refine"):
            raise ValueError(
                f"{self.name}: k_factor={k_factor:g} needs the build parameter refine: true "
                "(a float32 copy of the vectors to re-rank with)"
            )
        if 0 < k_factor < 1:
            raise ValueError(f"{self.name}: k_factor must be 0 (off) or >= 1, got {k_factor:g}")
        base = self.base_params(search)
        self._base_params = base  # the refine parameters hold a pointer to it
        if k_factor:
            self._searched = self._index
            self._params = faiss.IndexRefineSearchParameters(
                k_factor=k_factor, base_index_params=base
            )
        else:  # refine: true with k_factor 0 searches the codes alone
            self._searched, self._params = self._base, base

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        if self._search_metric == self.metric:
            dist, ids = self._searched.search(queries, k, params=self._params)
            return ids, to_scores(dist, self.metric)
        # the inner product searched by L2 in the augmented space: back to inner products
        q = self.to_index_space(queries, queries=True)
        dist, ids = self._searched.search(q, k, params=self._params)
        qq = np.einsum("ij,ij->i", queries, queries)
        scores = (qq[:, None] + self._m2 - dist) * 0.5
        return ids, np.where(ids >= 0, scores, -np.inf).astype(np.float32)


class FaissRaBitQ(_RaBitQ):
    """IndexRaBitQ: every document's code is scanned (quantized-flat)."""

    name = "faiss-rabitq"
    capabilities = Capabilities(
        metrics=FLOAT_METRICS,
        precisions=FLOAT_PRECISIONS,
        family="quantized-flat",
        build_params=_BUILD,
        search_params=_SEARCH,
    )

    def make(self, d: int, metric: int, n: int) -> Any:
        import faiss

        return faiss.IndexRaBitQ(d, metric, self.b("nb_bits"))

    def base_params(self, search: Mapping[str, Any]) -> Any:
        import faiss

        return faiss.RaBitQSearchParameters(
            qb=int(search["qb"]), centered=bool(search["centered"])
        )


class FaissIVFRaBitQ(_RaBitQ):
    """IndexIVFRaBitQ: k-means inverted lists of RaBitQ-coded residuals (partition)."""

    name = "faiss-ivf-rabitq"
    capabilities = Capabilities(
        metrics=FLOAT_METRICS,
        precisions=FLOAT_PRECISIONS,
        family="partition",
        build_params={
            "nlist": Param(int, 256, "number of inverted lists (k-means centroids)", minimum=1),
            **_BUILD,
        },
        search_params={
            "nprobe": Param(int, 8, "inverted lists visited per query", minimum=1),
            **_SEARCH,
        },
    )

    def make(self, d: int, metric: int, n: int) -> Any:
        import faiss

        nlist = self.b("nlist")
        self._quantizer = (
            faiss.IndexFlatL2(d) if metric == faiss.METRIC_L2 else faiss.IndexFlatIP(d)
        )
        index = faiss.IndexIVFRaBitQ(self._quantizer, d, nlist, metric, True, self.b("nb_bits"))
        check_training_size(self.name, "nlist", nlist, n, nlist, index.cp)
        return index

    def base_params(self, search: Mapping[str, Any]) -> Any:
        import faiss

        return faiss.IVFRaBitQSearchParameters(
            nprobe=int(search["nprobe"]), qb=int(search["qb"]), centered=bool(search["centered"])
        )


class FaissHNSWRaBitQ(_RaBitQ):
    """IndexHNSWRaBitQ: an HNSW graph built and searched on the RaBitQ codes (graph)."""

    name = "faiss-hnsw-rabitq"
    # faiss releases the GIL, but each query here is ~40 us of which the inner-product
    # reduction's numpy steps are a large part: two threads hand the GIL back and forth
    concurrency = Concurrency(
        "processes", "measured on a quiet 2-core machine (bench/gil.py, 20000 x 256, cosine): "
        "2 client threads gave 0.57x the qps of 1 (a bare faiss loop at qb 4, L2, 1.1-1.8x)",
        unshared="the L2 reduction's state (the norm coordinate) lives in the backend, not the "
        "faiss file: clients stay threads")
    capabilities = Capabilities(
        metrics=FLOAT_METRICS,  # faiss has only L2 here: ip and cosine go through L2
        precisions=FLOAT_PRECISIONS,
        family="graph",
        build_params={
            "M": Param(int, 32, "HNSW links per node", minimum=2),
            "efConstruction": Param(int, 40, "HNSW candidate list size while building", minimum=1),
            **_BUILD,
        },
        search_params={
            "efSearch": Param(int, 16, "HNSW candidate list size while searching", minimum=1),
            **_SEARCH,
        },
    )

    search_metric = "l2"
    _m2 = 0.0

    def to_index_space(self, x: np.ndarray, queries: bool) -> np.ndarray:
        if self.metric != "ip":
            return x
        if queries:
            extra = np.zeros((len(x), 1), dtype=np.float32)
        else:
            sq = np.einsum("ij,ij->i", x, x)
            self._m2 = float(sq.max()) if len(sq) else 0.0
            extra = np.sqrt(np.maximum(self._m2 - sq, 0.0))[:, None]
        return np.hstack([x, extra.astype(np.float32)])

    def make(self, d: int, metric: int, n: int) -> Any:
        import faiss

        index = faiss.IndexHNSWRaBitQ(d, self.b("M"), self.b("nb_bits"), metric)
        index.hnsw.efConstruction = self.b("efConstruction")
        return index

    def base_params(self, search: Mapping[str, Any]) -> Any:
        import faiss

        # HNSW's parameters carry efSearch only: the code parameters live on the storage
        storage = faiss.downcast_index(self._base.storage)
        storage.qb, storage.centered = int(search["qb"]), bool(search["centered"])
        return faiss.SearchParametersHNSW(efSearch=int(search["efSearch"]))


__all__ = ["FaissHNSWRaBitQ", "FaissIVFRaBitQ", "FaissRaBitQ"]
