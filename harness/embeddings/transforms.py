"""Vectors after the model: dimension reduction, normalisation and precision.

Everything here derives from the cached float32 encodings, so a grid of dims x precisions
never re-encodes. The pipeline of `prepare` (harness/embeddings/prepared.py), in order:

1. cosine: L2-normalise the model's vectors;
2. reduce to `dim`: keep the first `dim` dimensions (Matryoshka truncation) or, for a
   'pca:N' dim, project on the corpus's first N principal components (fitted on the corpus,
   seeded, applied unchanged to the queries);
3. cosine: re-normalise (a prefix of a unit vector is not a unit vector);
4. precision: a quantizer is fitted ONCE on the corpus and applied unchanged to the queries
   (a query outside the corpus's calibrated range is clipped, never re-calibrated).

Quantizers (registered in harness.registry.PRECISIONS) have fit(docs) -> self, apply(x),
bytes_per_vector(dim) and optionally `search_metric` ('hamming' for binary). `apply` returns
what exact search at that precision sees: float32 values after quantize-dequantize for
float16/float8/int8, packed sign bits (uint8, np.packbits) for binary.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from harness.suite.axes import dim_reducer, dim_size

#: Most corpus vectors a PCA is fitted on (a seeded sample above that).
PCA_MAX_FIT = 200_000


def truncate(x: np.ndarray, dim: int | None) -> np.ndarray:
    """The first `dim` dimensions (a copy; None = all)."""
    if dim is None or dim >= x.shape[1]:
        return np.array(x, dtype=np.float32, copy=True)
    return np.ascontiguousarray(x[:, :dim], dtype=np.float32)


def l2_normalize(x: np.ndarray) -> np.ndarray:
    """Unit rows; all-zero rows stay zero (a text with no known word must not become NaN)."""
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return (x / np.where(norms > 0, norms, 1.0)).astype(np.float32)


# -- dimension reduction -----------------------------------------------------------------------


@dataclass(frozen=True)
class PCA:
    """A linear projection on the corpus's principal components: (x - mean) @ components.T.

    Components come from the eigen-decomposition of the corpus covariance (float64), ordered by
    decreasing variance, each with a fixed sign (its largest-magnitude entry positive), so the
    same corpus always gives the same projection.
    """

    mean: np.ndarray  # (d,)
    components: np.ndarray  # (n_components, d)
    explained_variance_ratio: np.ndarray  # (n_components,)

    @classmethod
    def fit(cls, docs: np.ndarray, n_components: int, *, seed: int = 0) -> PCA:
        x = np.asarray(docs, dtype=np.float64)
        if not 1 <= n_components <= x.shape[1]:
            raise ValueError(f"PCA to {n_components} dims needs 1..{x.shape[1]} components")
        if len(x) > PCA_MAX_FIT:
            rng = np.random.default_rng(seed)
            x = x[np.sort(rng.choice(len(x), PCA_MAX_FIT, replace=False))]
        mean = x.mean(axis=0)
        centered = x - mean
        cov = centered.T @ centered / max(1, len(x) - 1)
        values, vectors = np.linalg.eigh(cov)  # ascending
        order = np.argsort(-values, kind="stable")[:n_components]
        comps = vectors[:, order].T
        signs = np.sign(comps[np.arange(len(comps)), np.argmax(np.abs(comps), axis=1)])
        comps = comps * np.where(signs == 0, 1.0, signs)[:, None]
        total = float(np.clip(values, 0, None).sum()) or 1.0
        ratio = np.clip(values[order], 0, None) / total
        return cls(mean, comps, ratio)

    def apply(self, x: np.ndarray) -> np.ndarray:
        out = (np.asarray(x, dtype=np.float64) - self.mean) @ self.components.T
        return np.ascontiguousarray(out, dtype=np.float32)


def dim_method(dim: int | str | None, native: int, matryoshka_dims: tuple[int, ...] = ()) -> str:
    """How the searched dimension was obtained, for the results' `dim_method` column.

    'native' (the model's own vectors), 'pca', 'truncate' (a Matryoshka model at one of its
    declared dims), 'truncate(non-matryoshka)' (a model not trained for truncation, or a dim
    it does not declare).
    """
    size = dim_size(dim)
    if dim_reducer(dim) == "pca":
        return "pca"
    if size is None or size == native:
        return "native"
    return "truncate" if size in matryoshka_dims else "truncate(non-matryoshka)"


# -- precisions --------------------------------------------------------------------------------


class Float32:
    """No quantization: the reference precision."""

    name: ClassVar[str] = "float32"

    def fit(self, docs: np.ndarray) -> Float32:
        return self

    def apply(self, x: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray(x, dtype=np.float32)

    def bytes_per_vector(self, dim: int) -> float:
        return 4.0 * dim


class Float16:
    """IEEE half precision (round to nearest even): 2 bytes per dimension, nothing to fit."""

    name: ClassVar[str] = "float16"

    def fit(self, docs: np.ndarray) -> Float16:
        return self

    def encode(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(x, dtype=np.float32).astype(np.float16)

    def apply(self, x: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray(self.encode(x), dtype=np.float32)

    def bytes_per_vector(self, dim: int) -> float:
        return 2.0 * dim


def round_e4m3(x: np.ndarray) -> np.ndarray:
    """Round float32 values to the nearest float8 e4m3fn value (ties to even), saturating at
    +-448 (e4m3fn has no infinity). 4 exponent bits (bias 7), 3 mantissa bits; subnormals below
    2**-6 in steps of 2**-9."""
    x = np.asarray(x, dtype=np.float32)
    a = np.abs(x).astype(np.float64)
    exponent = np.floor(np.log2(np.maximum(a, 2.0**-6)))
    step = np.exp2(exponent - 3)
    q = np.minimum(np.round(a / step) * step, 448.0)
    return (np.sign(x) * q).astype(np.float32)


class Float8:
    """float8 e4m3 (no scaling: unit-vector components are well inside its range): 1 byte per
    dimension, nothing to fit."""

    name: ClassVar[str] = "float8"

    def fit(self, docs: np.ndarray) -> Float8:
        return self

    def apply(self, x: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray(round_e4m3(x))

    def bytes_per_vector(self, dim: int) -> float:
        return float(dim)


class Int8:
    """Per-dimension scalar quantization to 256 levels, calibrated once on the corpus.

    fit(docs) sets, for each dimension, the range [low, high]: the corpus's min/max, or the
    given percentiles (e.g. (0.5, 99.5) ignores outliers). A value maps to the code
    round((x - low) / scale) - 128 in int8, clipped to [-128, 127], with scale =
    (high - low) / 255; decode(code) = (code + 128) * scale + low. The same parameters are
    applied to the queries: nothing is ever re-fitted on them, so a query value outside the
    corpus range is clipped to it. The parameters (2 floats per dimension) are stored once per
    index, not per vector.
    """

    name: ClassVar[str] = "int8"

    def __init__(self, percentiles: tuple[float, float] | None = None) -> None:
        if percentiles is not None and not 0 <= percentiles[0] < percentiles[1] <= 100:
            raise ValueError(f"percentiles must satisfy 0 <= low < high <= 100, got {percentiles}")
        self.percentiles = percentiles
        self.low: np.ndarray | None = None
        self.scale: np.ndarray | None = None
        self.fit_calls = 0

    def fit(self, docs: np.ndarray) -> Int8:
        x = np.asarray(docs, dtype=np.float32)
        if len(x) == 0:
            raise ValueError("int8 calibration needs at least one corpus vector")
        if self.percentiles is None:
            low, high = x.min(axis=0), x.max(axis=0)
        else:
            low, high = np.percentile(x, list(self.percentiles), axis=0)
        low = low.astype(np.float32)
        span = (high - low).astype(np.float32)
        self.low = low
        # A constant dimension gets scale 1: every value decodes to `low` exactly.
        self.scale = np.where(span > 0, span / 255.0, 1.0).astype(np.float32)
        self.fit_calls += 1
        return self

    def _params(self) -> tuple[np.ndarray, np.ndarray]:
        if self.low is None or self.scale is None:
            raise RuntimeError("Int8.fit(docs) must be called before encoding")
        return self.low, self.scale

    def encode(self, x: np.ndarray) -> np.ndarray:
        low, scale = self._params()
        codes = np.rint((np.asarray(x, dtype=np.float32) - low) / scale)
        return (np.clip(codes, 0, 255) - 128).astype(np.int8)

    def decode(self, codes: np.ndarray) -> np.ndarray:
        low, scale = self._params()
        return ((codes.astype(np.float32) + 128.0) * scale + low).astype(np.float32)

    def apply(self, x: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray(self.decode(self.encode(x)))

    def bytes_per_vector(self, dim: int) -> float:
        return float(dim)


class Binary:
    """Sign bits (x > 0), packed 8 per byte: ceil(d / 8) bytes, compared by Hamming distance.

    apply() returns np.packbits(x > 0, axis=1) (uint8, shape (n, ceil(d/8)); the last byte is
    zero-padded); backends search it with metric 'hamming' (score = -Hamming distance).
    """

    name: ClassVar[str] = "binary"
    search_metric: ClassVar[str] = "hamming"

    def fit(self, docs: np.ndarray) -> Binary:
        return self

    def apply(self, x: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray(np.packbits(np.asarray(x) > 0, axis=1))

    def bytes_per_vector(self, dim: int) -> float:
        return float(math.ceil(dim / 8))
