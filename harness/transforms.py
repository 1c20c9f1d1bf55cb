"""Vectors after the model: truncation (Matryoshka), normalisation and precision.

Everything here derives from the cached float32 encodings. Quantizers are fitted on the
corpus and applied unchanged to the queries (never calibrated per batch).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from harness.registry import PRECISIONS


def truncate(x: np.ndarray, dim: int | None) -> np.ndarray:
    """The first `dim` dimensions (a copy; None = all)."""
    if dim is None or dim >= x.shape[1]:
        return np.array(x, dtype=np.float32, copy=True)
    return np.ascontiguousarray(x[:, :dim], dtype=np.float32)


def l2_normalize(x: np.ndarray) -> np.ndarray:
    """Unit rows; all-zero rows stay zero (a text with no known word must not become NaN)."""
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return (x / np.where(norms > 0, norms, 1.0)).astype(np.float32)


class Float32:
    """No quantization: the reference precision."""

    name: ClassVar[str] = "float32"

    def fit(self, docs: np.ndarray) -> Float32:
        return self

    def apply(self, x: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray(x, dtype=np.float32)

    def bytes_per_vector(self, dim: int) -> float:
        return 4.0 * dim


@dataclass(frozen=True)
class Prepared:
    """Vectors ready for a backend, and the distance to search them with.

    `docs`/`queries` are what an exact search at this precision sees (float32 values after
    quantize-dequantize for float16/int8; packed uint8 bits for binary, compared by Hamming).
    `raw_docs`/`raw_queries` are the float32 vectors before quantization (after truncation and
    normalisation): backends that quantize natively (faiss SQ) index these, and rescoring
    re-ranks with them. `raw_metric` is the distance on the raw vectors ('ip' or 'l2').
    """

    docs: np.ndarray
    queries: np.ndarray
    metric: str  # search metric: 'ip' (cosine on unit vectors), 'l2', or 'hamming'
    precision: str
    dim: int
    bytes_per_vector: float
    raw_docs: np.ndarray
    raw_queries: np.ndarray
    raw_metric: str


def prepare(
    docs: np.ndarray, queries: np.ndarray, *, dim: int | None, metric: str, precision: str
) -> Prepared:
    d, q = truncate(docs, dim), truncate(queries, dim)
    if metric == "cosine":
        # Re-normalise after truncation: a prefix of a unit vector is not a unit vector.
        d, q = l2_normalize(d), l2_normalize(q)
    raw_metric = "l2" if metric == "l2" else "ip"
    quantizer = PRECISIONS.get(precision).load()().fit(d)
    return Prepared(
        docs=quantizer.apply(d),
        queries=quantizer.apply(q),
        metric=getattr(quantizer, "search_metric", None) or raw_metric,
        precision=precision,
        dim=d.shape[1],
        bytes_per_vector=quantizer.bytes_per_vector(d.shape[1]),
        raw_docs=d,
        raw_queries=q,
        raw_metric=raw_metric,
    )
