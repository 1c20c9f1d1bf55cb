"""Exact search with faiss flat indexes: the reference for every other backend.

float32/float16/float8/int8 are searched as float32 values (after quantize-dequantize for the
lower precisions) with IndexFlatIP / IndexFlatL2; binary codes (packed sign bits) with
IndexBinaryFlat, by Hamming distance.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from harness.backends._faiss import FaissBackend, SharedFaiss
from harness.backends.base import (
    FLOAT_METRICS,
    FLOAT_PRECISIONS,
    LOWBIT_PRECISIONS,
    Capabilities,
    IndexInput,
    as_float32,
)


class ExactBackend(SharedFaiss, FaissBackend):
    name: ClassVar[str] = "exact"

    capabilities: ClassVar[Capabilities] = Capabilities(
        metrics=FLOAT_METRICS,
        precisions=FLOAT_PRECISIONS | {"binary"} | LOWBIT_PRECISIONS,
        family="exact",
        exact=True,
    )

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
