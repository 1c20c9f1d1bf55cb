"""Calibrated low-bit codes and rotations (issue #26), beside the fixed precisions of
transforms.py.

The quantizers follow the same fit(docs)/apply(x)/bytes_per_vector protocol as transforms.py;
suites reach them by name or by the mapping form ({int8: {calibration: ...}}), parsed by
harness/suite/precision.py and built by harness/embeddings/variants.py. Every quantizer is
fitted once on the corpus and applied unchanged to queries, except PerBatchInt8, which
re-calibrates on each batch it sees (MTEB's behaviour) so its cost can be measured.
"""

from __future__ import annotations

import math
from typing import Literal, Protocol

import numpy as np

from harness.embeddings.transforms import PCA, Int8, round_e4m3

Calibration = Literal["minmax", "percentile", "sample"]


class Quantizer(Protocol):
    """What transforms.py's precisions and this module's codes share."""

    def fit(self, docs: np.ndarray) -> Quantizer: ...

    def apply(self, x: np.ndarray) -> np.ndarray: ...

    def bytes_per_vector(self, dim: int) -> float: ...


def calibration_range(
    docs: np.ndarray,
    calibration: Calibration = "minmax",
    percentiles: tuple[float, float] = (0.5, 99.5),
    n: int = 1000,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Per-dimension [low, high] from the corpus: its min/max, its percentiles, or the min/max
    of a seeded random sample of n corpus vectors (a cheap calibration on a subset)."""
    x = np.asarray(docs, dtype=np.float32)
    if calibration == "percentile":
        low, high = np.percentile(x, list(percentiles), axis=0)
        return low.astype(np.float32), high.astype(np.float32)
    if calibration == "sample" and n < len(x):
        x = x[np.sort(np.random.default_rng(seed).choice(len(x), n, replace=False))]
    elif calibration not in ("minmax", "sample"):
        raise ValueError(f"unknown calibration {calibration!r}")
    return x.min(axis=0), x.max(axis=0)


class ScalarCode:
    """Per-dimension scalar codes of 2, 4 or 8 bits, packed 8/bits per byte (int4: two per
    byte, high nibble first). A value maps to round((x - low) / scale) clipped to
    [0, 2**bits - 1], scale = (high - low) / (2**bits - 1); apply() returns the dequantized
    floats that exact search sees; pack() the stored bytes, ceil(d * bits / 8) per vector."""

    def __init__(self, bits: int, calibration: Calibration = "minmax",
                 percentiles: tuple[float, float] = (0.5, 99.5), n: int = 1000) -> None:
        if bits not in (2, 4, 8):
            raise ValueError(f"scalar codes take bits 2, 4 or 8, got {bits}")
        self.bits, self.calibration, self.percentiles, self.n = bits, calibration, percentiles, n
        self.levels = 2**bits - 1
        self.low = self.scale = np.zeros(0, dtype=np.float32)

    def fit(self, docs: np.ndarray) -> ScalarCode:
        low, high = calibration_range(docs, self.calibration, self.percentiles, self.n)
        span = (high - low).astype(np.float32)
        self.low = low.astype(np.float32)
        self.scale = np.where(span > 0, span / self.levels, 1.0).astype(np.float32)
        return self

    def encode(self, x: np.ndarray) -> np.ndarray:
        codes = np.rint((np.asarray(x, dtype=np.float32) - self.low) / self.scale)
        return np.clip(codes, 0, self.levels).astype(np.uint8)

    def pack(self, codes: np.ndarray) -> np.ndarray:
        per_byte = 8 // self.bits
        pad = (-codes.shape[1]) % per_byte
        c = np.pad(codes, ((0, 0), (0, pad))).reshape(len(codes), -1, per_byte)
        shifts = self.bits * np.arange(per_byte - 1, -1, -1, dtype=np.uint8)
        return np.bitwise_or.reduce(c << shifts, axis=2).astype(np.uint8)

    def apply(self, x: np.ndarray) -> np.ndarray:
        decoded = self.encode(x).astype(np.float32) * self.scale + self.low
        return np.ascontiguousarray(decoded, dtype=np.float32)

    def bytes_per_vector(self, dim: int) -> float:
        return float(math.ceil(dim * self.bits / 8))


class PerBatchInt8(Int8):
    """int8 re-calibrated on every batch it is applied to (queries apart from the corpus), as
    MTEB does per encode() call: the pitfall the fitted Int8 avoids. `batch` is the corpus's
    documents per call (prepare() applies it to consecutive blocks of that many rows); the
    queries are one call, as MTEB encodes them."""

    def __init__(self, batch: int = 50_000) -> None:
        super().__init__()
        self.batch = batch

    def apply(self, x: np.ndarray) -> np.ndarray:
        self.fit(x)
        return super().apply(x)


class ThresholdBinary:
    """`bits` bits per dimension against per-dimension thresholds fitted on the corpus, packed
    8 per byte and compared by Hamming distance.

    bits=1 thresholds at 0 ('zero', today's Binary), the corpus 'median' or 'mean'. bits=b>1
    thresholds at the corpus quantiles k/(b+1), k=1..b, as a thermometer code (bit k set when
    x > threshold k), so the Hamming distance of two codes is the sum over dimensions of their
    level differences.
    """

    search_metric = "hamming"

    def __init__(self, threshold: str = "zero", bits: int = 1) -> None:
        if bits not in (1, 2, 4):
            raise ValueError(f"binary codes take bits 1, 2 or 4, got {bits}")
        if threshold not in ("zero", "median", "mean"):
            raise ValueError(f"binary threshold is zero, median or mean, got {threshold!r}")
        self.threshold, self.bits = threshold, bits
        self.cuts = np.zeros((1, 0), dtype=np.float32)

    def fit(self, docs: np.ndarray) -> ThresholdBinary:
        x = np.asarray(docs, dtype=np.float32)
        if self.bits > 1:
            qs = 100.0 * np.arange(1, self.bits + 1) / (self.bits + 1)
            self.cuts = np.percentile(x, qs, axis=0).astype(np.float32)
        elif self.threshold == "zero":
            self.cuts = np.zeros((1, x.shape[1]), dtype=np.float32)
        else:
            stat = np.median if self.threshold == "median" else np.mean
            self.cuts = stat(x, axis=0, keepdims=True).astype(np.float32)
        return self

    def apply(self, x: np.ndarray) -> np.ndarray:
        bits = np.asarray(x, dtype=np.float32)[:, :, None] > self.cuts.T[None, :, :]
        return np.ascontiguousarray(np.packbits(bits.reshape(len(bits), -1), axis=1))

    def bytes_per_vector(self, dim: int) -> float:
        return float(math.ceil(dim * self.bits / 8))


def round_e5m2(x: np.ndarray) -> np.ndarray:
    """Round to the nearest float8 e5m2 value (ties to even): 5 exponent bits (bias 15), 2
    mantissa bits, subnormals below 2**-14 in steps of 2**-16, saturating at +-57344."""
    x = np.asarray(x, dtype=np.float32)
    a = np.abs(x).astype(np.float64)
    step = np.exp2(np.floor(np.log2(np.maximum(a, 2.0**-14))) - 2)
    q = np.minimum(np.round(a / step) * step, 57344.0)
    return (np.sign(x) * q).astype(np.float32)


class Float8Scaled:
    """float8 e4m3 or e5m2 of x / s, s per dimension = corpus max |x| / the format's largest
    value, so no corpus value saturates and small dimensions keep their resolution."""

    def __init__(self, fmt: Literal["e4m3", "e5m2"] = "e4m3") -> None:
        self.fmt = fmt
        self.round, self.top = (round_e4m3, 448.0) if fmt == "e4m3" else (round_e5m2, 57344.0)
        self.s = np.ones(0, dtype=np.float32)

    def fit(self, docs: np.ndarray) -> Float8Scaled:
        peak = np.abs(np.asarray(docs, dtype=np.float32)).max(axis=0)
        self.s = np.where(peak > 0, peak / self.top, 1.0).astype(np.float32)
        return self

    def apply(self, x: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray(self.round(np.asarray(x, np.float32) / self.s) * self.s)

    def bytes_per_vector(self, dim: int) -> float:
        return float(dim)


def random_rotation(dim: int, seed: int = 0) -> np.ndarray:
    """A seeded uniformly random orthogonal matrix: QR of a Gaussian, R's diagonal signs
    folded into Q."""
    q, r = np.linalg.qr(np.random.default_rng(seed).standard_normal((dim, dim)))
    return (q * np.sign(np.diag(r))).astype(np.float32)


class Rotated:
    """A rotation in front of any quantizer: x @ R.T, R orthogonal ('random': seeded; 'pca':
    the corpus's full principal basis, not centred, so inner products are kept), fitted on the
    corpus and applied unchanged to the queries."""

    def __init__(self, quantizer: Quantizer, rotate: Literal["random", "pca"],
                 seed: int = 0) -> None:
        self.quantizer, self.rotate, self.seed = quantizer, rotate, seed
        self.matrix = np.zeros((0, 0), dtype=np.float32)

    def fit(self, docs: np.ndarray) -> Rotated:
        d = docs.shape[1]
        if self.rotate == "random":
            self.matrix = random_rotation(d, self.seed)
        else:
            self.matrix = PCA.fit(docs, d, seed=self.seed).components.astype(np.float32)
        self.quantizer.fit(self.turn(docs))
        return self

    def turn(self, x: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray(np.asarray(x, dtype=np.float32) @ self.matrix.T)

    def apply(self, x: np.ndarray) -> np.ndarray:
        return self.quantizer.apply(self.turn(x))

    def bytes_per_vector(self, dim: int) -> float:
        return self.quantizer.bytes_per_vector(dim)


# -- named variants: each a precision name in harness.registry.PRECISIONS -------------------


class Int4(ScalarCode):
    def __init__(self) -> None:
        super().__init__(4)


class Int2(ScalarCode):
    def __init__(self) -> None:
        super().__init__(2)


class Int8Percentile(ScalarCode):
    def __init__(self) -> None:
        super().__init__(8, "percentile", (0.5, 99.5))


class Int8Sample(ScalarCode):
    def __init__(self) -> None:
        super().__init__(8, "sample", n=1000)


class BinaryMedian(ThresholdBinary):
    def __init__(self) -> None:
        super().__init__("median")


class BinaryMean(ThresholdBinary):
    def __init__(self) -> None:
        super().__init__("mean")


class Binary2(ThresholdBinary):
    def __init__(self) -> None:
        super().__init__(bits=2)


class Float8E5m2(Float8Scaled):
    """Unscaled e5m2 (s = 1), beside transforms.Float8's unscaled e4m3."""

    def fit(self, docs: np.ndarray) -> Float8E5m2:
        self.s = np.ones(docs.shape[1], dtype=np.float32)
        return self

    def __init__(self) -> None:
        super().__init__("e5m2")


class Float8ScaledE4m3(Float8Scaled):
    def __init__(self) -> None:
        super().__init__("e4m3")
