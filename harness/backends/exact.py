"""Exact search with faiss flat indexes: the reference for every other backend.

float32/float16/float8/int8 are searched as float32 values (after quantize-dequantize for the
lower precisions) with IndexFlatIP / IndexFlatL2; binary codes (packed sign bits) with
IndexBinaryFlat, by Hamming distance.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np

from harness.backends._faiss import (
    FLOAT_METRICS,
    FLOAT_PRECISIONS,
    as_float32,
    serialized_bytes,
    to_scores,
)
from harness.backends.base import Capabilities, IndexInput


class ExactBackend:
    capabilities: ClassVar[Capabilities] = Capabilities(
        metrics=FLOAT_METRICS,
        precisions=FLOAT_PRECISIONS | {"binary"},
        exact=True,
    )

    def __init__(self, metric: str, build: Mapping[str, Any], threads: int = 1) -> None:
        self.metric = metric
        self.threads = threads
        self._index: Any = None

    def build(self, data: IndexInput) -> None:
        import faiss

        if data.metric == "hamming":
            codes = np.ascontiguousarray(data.vectors, dtype=np.uint8)
            self._index = faiss.IndexBinaryFlat(codes.shape[1] * 8)
            self._index.add(codes)
            return
        x = as_float32(data.vectors)
        d = x.shape[1]
        if data.metric == "l2":
            self._index = faiss.IndexFlatL2(d)
        elif data.metric == "ip":
            self._index = faiss.IndexFlatIP(d)
        else:
            raise ValueError(f"exact: unknown metric {data.metric!r}")
        self._index.add(x)

    def prepare(self, search: Mapping[str, Any]) -> None:
        return None

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        dist, ids = self._index.search(queries, k)
        # faiss L2 returns squared distances, Hamming bit counts: negate (higher is better).
        return ids, to_scores(dist, self.metric)

    def nbytes(self) -> int:
        return serialized_bytes(self._index)
