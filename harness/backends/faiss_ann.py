"""faiss ANN indexes: HNSW, IVF-Flat, IVF-PQ (optionally refined), scalar quantizer, binary.

Each class maps the harness's build and search parameters onto the faiss index object one to
one (the names are faiss's own). Search threads follow the runner's OpenMP limit (single
thread unless the suite asks for `threads`); training is seeded, so builds are reproducible.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from harness.backends._faiss import (
    MIN_POINTS_PER_CENTROID,
    FaissBackend,
    SharedFaiss,
    check_training_size,
    metric_type,
    to_scores,
)
from harness.backends.base import (
    FLOAT_METRICS,
    FLOAT_PRECISIONS,
    SEED,
    Capabilities,
    IndexInput,
    Param,
    as_float32,
)
from harness.backends.data_rules import check, ivf_rule, ivfpq_rule

_M = Param(int, 32, "HNSW links per node (IndexHNSW M)", minimum=2)
_EF_CONSTRUCTION = Param(int, 40, "HNSW candidate list size while building", minimum=1)
_EF_SEARCH = Param(int, 16, "HNSW candidate list size while searching", minimum=1)
_NLIST = Param(int, 256, "number of inverted lists (k-means centroids)", minimum=1)
_NPROBE = Param(int, 8, "inverted lists visited per query", minimum=1)


class FaissHNSW(SharedFaiss, FaissBackend):
    """IndexHNSWFlat: a graph over float32 vectors."""

    name = "faiss-hnsw"
    capabilities = Capabilities(
        metrics=FLOAT_METRICS,
        precisions=FLOAT_PRECISIONS,
        family="graph",
        build_params={"M": _M, "efConstruction": _EF_CONSTRUCTION},
        search_params={"efSearch": _EF_SEARCH},
    )

    def build(self, data: IndexInput) -> None:
        import faiss

        x = as_float32(data.vectors)
        index = faiss.IndexHNSWFlat(x.shape[1], self.b("M"), metric_type(data.metric, self.name))
        index.hnsw.efConstruction = self.b("efConstruction")
        index.add(x)
        self._index = index

    def prepare(self, search: Mapping[str, Any]) -> None:
        self._index.hnsw.efSearch = int(self.s(search, "efSearch"))


class FaissIVF(SharedFaiss, FaissBackend):
    """IndexIVFFlat: k-means inverted lists over float32 vectors, trained on the corpus."""

    name = "faiss-ivf"
    capabilities = Capabilities(
        metrics=FLOAT_METRICS,
        precisions=FLOAT_PRECISIONS,
        family="partition",
        build_params={"nlist": _NLIST},
        search_params={"nprobe": _NPROBE},
        data_rule=ivf_rule,
    )

    def build(self, data: IndexInput) -> None:
        import faiss

        x = as_float32(data.vectors)
        n, d = x.shape
        check(ivf_rule(self.build_params, n, d))
        metric = metric_type(data.metric, self.name)
        quantizer = faiss.IndexFlatL2(d) if data.metric == "l2" else faiss.IndexFlatIP(d)
        index = faiss.IndexIVFFlat(quantizer, d, self.b("nlist"), metric)
        check_training_size(self.name, "nlist", self.b("nlist"), n, self.b("nlist"), index.cp)
        index.train(x)
        index.add(x)
        self._index = index

    def prepare(self, search: Mapping[str, Any]) -> None:
        self._index.nprobe = int(self.s(search, "nprobe"))


class FaissIVFPQ(FaissBackend):
    """IndexIVFPQ: inverted lists of product-quantized residuals; `refine` keeps a float32
    copy (IndexRefineFlat) to re-rank the top k * refine_k candidates with exact distances."""

    name = "faiss-ivfpq"
    capabilities = Capabilities(
        metrics=FLOAT_METRICS,
        precisions=FLOAT_PRECISIONS,
        family="partition",
        build_params={
            "nlist": _NLIST,
            "m": Param(int, 16, "PQ sub-quantizers (must divide the dimension)", minimum=1),
            "nbits": Param(int, 8, "bits per sub-quantizer code", minimum=1),
            "refine": Param(
                bool,
                False,
                "also store float32 vectors (IndexRefineFlat) for "
                "re-ranking; adds 4*d bytes per vector",
            ),
        },
        search_params={
            "nprobe": _NPROBE,
            "refine_k": Param(
                int,
                0,
                "re-rank k*refine_k PQ candidates with exact distances "
                "(IndexRefineFlat k_factor; 0 = off, needs refine: true)",
                minimum=0,
            ),
        },
        data_rule=ivfpq_rule,
    )

    def build(self, data: IndexInput) -> None:
        import faiss

        x = as_float32(data.vectors)
        n, d = x.shape
        m, nbits, nlist = self.b("m"), self.b("nbits"), self.b("nlist")
        check(ivfpq_rule(self.build_params, n, d))
        metric = metric_type(data.metric, self.name)
        quantizer = faiss.IndexFlatL2(d) if data.metric == "l2" else faiss.IndexFlatIP(d)
        ivf = faiss.IndexIVFPQ(quantizer, d, nlist, m, nbits, metric)
        check_training_size(self.name, "nlist", nlist, n, nlist, ivf.cp)
        good_bits = max(1, int(np.log2(max(2, n // MIN_POINTS_PER_CENTROID))))
        check_training_size(
            self.name, "nbits", nbits, n, 2**nbits, ivf.pq.cp, f"nbits <= {good_bits}"
        )
        self._ivf = ivf
        index = faiss.IndexRefineFlat(ivf) if self.b("refine") else ivf
        index.train(x)
        index.add(x)
        self._index = index

    def prepare(self, search: Mapping[str, Any]) -> None:
        self._ivf.nprobe = int(self.s(search, "nprobe"))
        refine_k = int(self.s(search, "refine_k"))
        self._refine_k = refine_k
        if refine_k and not self.b("refine"):
            raise ValueError(
                f"{self.name}: refine_k={refine_k} needs the build parameter "
                "refine: true (a float32 copy of the vectors to re-rank with)"
            )
        if self.b("refine"):
            self._index.k_factor = float(max(1, refine_k))

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        # refine: true with refine_k 0 searches the PQ index alone
        index = self._index if getattr(self, "_refine_k", 0) else self._ivf
        dist, ids = index.search(queries, k)
        return ids, to_scores(dist, self.metric)


_QTYPES = {"int8": "QT_8bit", "float16": "QT_fp16", "int4": "QT_4bit"}


class FaissSQ(SharedFaiss, FaissBackend):
    """IndexScalarQuantizer (M = 0: flat scan of codes) or IndexHNSWSQ (M > 0), quantizing the
    float32 vectors natively: int8 -> QT_8bit, int4 -> QT_4bit (16 levels, packed two per
    byte; per-dimension range trained on the corpus), float16 -> QT_fp16.
    Queries stay float32 (asymmetric distances)."""

    name = "faiss-sq"
    capabilities = Capabilities(
        metrics=FLOAT_METRICS,
        precisions=frozenset(_QTYPES),
        # M > 0 searches an HNSW graph of the codes; the family names the default (M = 0)
        family="quantized-flat",
        build_params={
            "M": Param(
                int,
                0,
                "0 = IndexScalarQuantizer (flat scan); > 0 = IndexHNSWSQ with M links per node",
                minimum=0,
            ),
            "efConstruction": _EF_CONSTRUCTION,
        },
        search_params={
            "efSearch": Param(int, 16, "HNSW candidate list size (M > 0 only)", minimum=1)
        },
        input="raw",
    )

    def build(self, data: IndexInput) -> None:
        import faiss

        if data.precision not in _QTYPES:
            raise ValueError(
                f"{self.name}: precision {data.precision!r} is not supported "
                f"(supports: {', '.join(sorted(_QTYPES))})"
            )
        x = as_float32(data.raw if data.raw is not None else data.vectors)
        d = x.shape[1]
        qtype = getattr(faiss.ScalarQuantizer, _QTYPES[data.precision])
        metric = metric_type(data.raw_metric or data.metric, self.name)
        if self.b("M") > 0:
            index = faiss.IndexHNSWSQ(d, qtype, self.b("M"), metric)
            index.hnsw.efConstruction = self.b("efConstruction")
        else:
            index = faiss.IndexScalarQuantizer(d, qtype, metric)
        index.train(x)
        index.add(x)
        self._index = index

    def prepare(self, search: Mapping[str, Any]) -> None:
        if self.b("M") > 0:
            self._index.hnsw.efSearch = int(self.s(search, "efSearch"))


class FaissBinary(SharedFaiss, FaissBackend):
    """IndexBinaryFlat (M = 0) or IndexBinaryHNSW (M > 0) over packed sign bits, Hamming."""

    name = "faiss-binary"
    capabilities = Capabilities(
        # the binary precision searches by Hamming distance whatever the suite's metric
        metrics=FLOAT_METRICS,
        precisions=frozenset({"binary"}),
        # M > 0 searches an HNSW graph of the codes; the family names the default (M = 0)
        family="quantized-flat",
        build_params={
            "M": Param(
                int,
                0,
                "0 = IndexBinaryFlat (exhaustive Hamming scan); > 0 = "
                "IndexBinaryHNSW with M links per node",
                minimum=0,
            ),
            "efConstruction": _EF_CONSTRUCTION,
        },
        search_params={
            "efSearch": Param(int, 16, "HNSW candidate list size (M > 0 only)", minimum=1)
        },
    )

    def build(self, data: IndexInput) -> None:
        import faiss

        if data.metric != "hamming":
            raise ValueError(
                f"{self.name} needs packed binary codes (precision binary, Hamming "
                f"distance), got metric {data.metric!r}"
            )
        codes = np.ascontiguousarray(data.vectors, dtype=np.uint8)
        bits = codes.shape[1] * 8
        if self.b("M") > 0:
            index = faiss.IndexBinaryHNSW(bits, self.b("M"))
            index.hnsw.efConstruction = self.b("efConstruction")
        else:
            index = faiss.IndexBinaryFlat(bits)
        index.add(codes)
        self._index = index

    def prepare(self, search: Mapping[str, Any]) -> None:
        if self.b("M") > 0:
            self._index.hnsw.efSearch = int(self.s(search, "efSearch"))


__all__ = ["SEED", "FaissBinary", "FaissHNSW", "FaissIVF", "FaissIVFPQ", "FaissSQ"]
