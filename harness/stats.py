"""Confidence intervals and paired tests from per-query metric arrays (seeded, vectorised)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Interval:
    mean: float
    low: float
    high: float

    @property
    def half_width(self) -> float:
        return (self.high - self.low) / 2


def bootstrap_ci(values: np.ndarray, *, n_boot: int = 2000, level: float = 0.95,
                 seed: int = 0) -> Interval:
    """Percentile bootstrap CI of the mean."""
    v = np.asarray(values, dtype=np.float64)
    if len(v) == 0:
        return Interval(float("nan"), float("nan"), float("nan"))
    rng = np.random.default_rng(seed)
    means = v[rng.integers(0, len(v), size=(n_boot, len(v)))].mean(axis=1)
    alpha = (1 - level) / 2
    lo, hi = np.quantile(means, [alpha, 1 - alpha])
    return Interval(float(v.mean()), float(lo), float(hi))


def paired_diff_ci(a: np.ndarray, b: np.ndarray, **kw: float) -> Interval:
    """CI of mean(a - b) over the same queries (paired bootstrap)."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    if a.shape != b.shape:
        raise ValueError(f"paired arrays differ in shape: {a.shape} vs {b.shape}")
    return bootstrap_ci(a - b, **kw)  # type: ignore[arg-type]


def paired_randomization_test(a: np.ndarray, b: np.ndarray, *, n_perm: int = 10000,
                              seed: int = 0) -> float:
    """Two-sided p-value of mean(a - b) == 0 by random sign flips of the paired differences."""
    d = np.asarray(a, np.float64) - np.asarray(b, np.float64)
    if len(d) == 0 or not np.any(d):
        return 1.0
    rng = np.random.default_rng(seed)
    observed = abs(d.mean())
    signs = rng.choice(np.array([-1.0, 1.0]), size=(n_perm, len(d)))
    perm = np.abs((signs * d).mean(axis=1))
    return float((1 + np.sum(perm >= observed - 1e-15)) / (n_perm + 1))
