"""faiss RaBitQ: vectors as nb_bits-per-dimension RaBitQ codes, scanned flat, in inverted lists
or in an HNSW graph, optionally re-ranked with a float32 copy (IndexRefineFlat).

Three backends, one per index family: `faiss-rabitq` (IndexRaBitQ, a flat scan of codes),
`faiss-ivf-rabitq` (IndexIVFRaBitQ) and `faiss-hnsw-rabitq` (IndexHNSWRaBitQ). Search
parameters are faiss's own (`qb`, `centered`, `nprobe`, `efSearch`, `k_factor`): prepare()
builds the faiss SearchParameters object once, and every search passes it, so nothing about
a setting is left on the index between settings.

IndexHNSWRaBitQ has only the L2 metric. On unit vectors (cosine) L2 ranks exactly as the
inner product, so cosine is searched by L2 and scores are converted back: <q, x> =
(|q|^2 + 1 - |q - x|^2) / 2.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from harness.backends._faiss import (
    FLOAT_METRICS,
    FLOAT_PRECISIONS,
    FaissBackend,
    as_float32,
    check_training_size,
    metric_type,
    to_scores,
)
from harness.backends.base import Capabilities, IndexInput, Param

#: Documents whose norms are within this of 1 are unit vectors (as in annoy_backend).
UNIT_NORM_TOL = 1e-5

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

    def make(self, d: int, metric: int, n: int) -> Any:
        raise NotImplementedError

    def base_params(self, search: Mapping[str, Any]) -> Any:
        raise NotImplementedError

    def metric_for(self, data: IndexInput, x: np.ndarray) -> str:
        return data.metric

    def build(self, data: IndexInput) -> None:
        import faiss

        x = as_float32(data.vectors)
        self._search_metric = self.metric_for(data, x)
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
        dist, ids = self._searched.search(queries, k, params=self._params)
        if self._search_metric == self.metric:
            return ids, to_scores(dist, self.metric)
        # cosine searched by L2 on unit documents: back to inner products
        qq = np.einsum("ij,ij->i", queries, queries)
        scores = (qq[:, None] + 1.0 - dist) * 0.5
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
    capabilities = Capabilities(
        # faiss has only L2 here; cosine is exact through L2 on unit vectors, 'ip' is not
        metrics=frozenset({"cosine", "l2"}),
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

    def metric_for(self, data: IndexInput, x: np.ndarray) -> str:
        if data.metric == "ip":
            norms = np.linalg.norm(x, axis=1)
            if not np.all(np.abs(norms - 1.0) <= UNIT_NORM_TOL):
                raise ValueError(
                    f"{self.name}: IndexHNSWRaBitQ has only the L2 metric; the inner product is "
                    "searched through L2 on unit vectors only (metric cosine), and these "
                    "documents are not unit vectors"
                )
            return "l2"
        return data.metric

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
