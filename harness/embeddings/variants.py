"""The quantizer and rotation a precision string names (harness/suite/precision.py parses it).

A registered name loads its registry class, as it always has; a parameterised code builds the
lowbit.py quantizer its parameters describe; `[rotate=random|pca]` puts a rotation fitted on
the corpus in front of either (see `rotate`)."""

from __future__ import annotations

from typing import Any

import numpy as np

from harness.embeddings.lowbit import (
    Float8E5m2,
    Float8Scaled,
    PerBatchInt8,
    ScalarCode,
    ThresholdBinary,
    random_rotation,
)
from harness.embeddings.transforms import PCA, Binary, Float8, Int8
from harness.registry import PRECISIONS
from harness.suite.precision import PrecisionSpec, spec


def _scalar(s: PrecisionSpec) -> Any:
    bits = {"int8": 8, "int4": 4, "int2": 2}[s.kind]
    cal = s.params.get("calibration", "minmax")
    if cal == "per_batch":
        return PerBatchInt8(int(s.params["batch"]))
    if bits == 8 and cal == "minmax":
        return Int8()
    pct = (s.params.get("low", 0.5), s.params.get("high", 99.5))
    return ScalarCode(bits, cal, pct, s.params.get("n", 1000))


def _float8(s: PrecisionSpec) -> Any:
    fmt = s.params.get("format", "e4m3")
    if s.params.get("scale", "none") == "per_dimension":
        return Float8Scaled(fmt)
    return Float8E5m2() if fmt == "e5m2" else Float8()


def quantizer(precision: str) -> Any:
    """A fresh, unfitted quantizer for the precision's code (its rotation aside)."""
    code = spec(precision).code if precision not in PRECISIONS else precision
    if code in PRECISIONS:
        return PRECISIONS.get(code).load()()
    s = spec(code)
    if s.kind in ("int8", "int4", "int2"):
        return _scalar(s)
    if s.kind == "binary":
        bits = int(s.params.get("bits", 1))
        threshold = str(s.params.get("threshold", "zero"))
        return Binary() if (bits, threshold) == (1, "zero") else ThresholdBinary(threshold, bits)
    if s.kind == "float8":
        return _float8(s)
    raise ValueError(f"precision {precision!r} names no code")  # float32/16 are registered


def rotation(precision: str) -> str:
    """'none', 'random' or 'pca': the rotation in front of the precision's code."""
    return "none" if precision in PRECISIONS else spec(precision).rotate


def rotation_matrix(kind: str, docs: np.ndarray, seed: int = 0) -> np.ndarray:
    """R (d x d, orthogonal): seeded random, or the corpus's full PCA basis (eigenvectors of
    the covariance, by decreasing variance). Vectors turn as x @ R.T, which keeps their inner
    products and distances, so only the quantizer sees a difference."""
    d = docs.shape[1]
    if kind == "random":
        return random_rotation(d, seed)
    if kind == "pca":
        return PCA.fit(docs, d, seed=seed).components.astype(np.float32)
    raise ValueError(f"unknown rotation {kind!r}")


def rotate(docs: np.ndarray, queries: np.ndarray, kind: str,
           seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Both sides turned by the rotation fitted on the corpus ('none': unchanged)."""
    if kind == "none":
        return docs, queries
    m = rotation_matrix(kind, docs, seed)
    return (np.ascontiguousarray(docs @ m.T, dtype=np.float32),
            np.ascontiguousarray(queries @ m.T, dtype=np.float32))
