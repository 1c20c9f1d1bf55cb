"""Small, seeded statistics for per-query arrays: bootstrap CIs and paired tests.

Everything here is deterministic for a given seed, works on plain numpy arrays of per-query
values (one value per query, the same queries in the same order for paired functions), and
treats NaN as missing (dropped; pairs are dropped when either side is NaN).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

# Resamples are drawn in blocks so memory stays bounded (block x n indices at a time).
_BLOCK_CELLS = 4_000_000


@dataclass(frozen=True)
class CI:
    """A mean with its (1 - alpha) confidence interval."""

    mean: float
    low: float
    high: float
    n: int

    @property
    def half_width(self) -> float:
        return (self.high - self.low) / 2

    def __str__(self) -> str:
        return f"{self.mean:.4g} [{self.low:.4g}, {self.high:.4g}]"


@dataclass(frozen=True)
class PairedResult:
    """B - A on the same queries: mean difference, its CI, and a two-sided p-value."""

    mean_a: float
    mean_b: float
    diff: CI
    p_value: float
    n: int


def _clean(x: Sequence[float] | np.ndarray) -> np.ndarray:
    a = np.asarray(x, dtype=np.float64).ravel()
    return a[np.isfinite(a)]


def _paired(a, b) -> tuple[np.ndarray, np.ndarray]:
    a = np.asarray(a, dtype=np.float64).ravel()
    b = np.asarray(b, dtype=np.float64).ravel()
    if a.shape != b.shape:
        raise ValueError(f"paired arrays differ in length: {a.size} vs {b.size}")
    keep = np.isfinite(a) & np.isfinite(b)
    return a[keep], b[keep]


def _weight_blocks(n: int, n_boot: int, seed: int):
    """Resampling weights (count / n), blocks of shape (m, n) covering n_boot resamples.

    Resample j draws n indices uniformly with replacement; its mean of any column vector v is
    weights[j] @ v. The same resamples serve every column, so CIs of many metrics cost one
    matrix product.
    """
    rng = np.random.default_rng(seed)
    block = max(1, _BLOCK_CELLS // max(n, 1))
    for start in range(0, n_boot, block):
        m = min(block, n_boot - start)
        idx = rng.integers(0, n, size=(m, n))
        flat = (idx + (np.arange(m) * n)[:, None]).ravel()
        counts = np.bincount(flat, minlength=m * n).reshape(m, n)
        yield counts.astype(np.float64) / n


def bootstrap_means(x, *, n_boot: int = 2000, seed: int = 0) -> np.ndarray:
    """Means of n_boot resamples (with replacement) of x; NaNs dropped first."""
    a = _clean(x)
    if a.size == 0:
        return np.full(n_boot, np.nan)
    return np.concatenate([w @ a for w in _weight_blocks(a.size, n_boot, seed)])


def _ci_from(mean: float, means: np.ndarray, confidence: float, n: int) -> CI:
    tail = (1 - confidence) / 2 * 100
    low, high = np.percentile(means, [tail, 100 - tail])
    # Guard against float noise putting the mean a hair outside a degenerate interval.
    return CI(mean, float(min(low, mean)), float(max(high, mean)), n)


def bootstrap_ci(x, *, confidence: float = 0.95, n_boot: int = 2000, seed: int = 0) -> CI:
    """Percentile bootstrap confidence interval of the mean of x (NaNs dropped)."""
    a = _clean(x)
    if a.size == 0:
        return CI(float("nan"), float("nan"), float("nan"), 0)
    mean = float(a.mean())
    if a.size == 1 or np.all(a == a[0]):
        return CI(mean, mean, mean, int(a.size))
    return _ci_from(mean, bootstrap_means(a, n_boot=n_boot, seed=seed), confidence, a.size)


def bootstrap_cis(
    columns: np.ndarray, *, confidence: float = 0.95, n_boot: int = 2000, seed: int = 0
) -> list[CI]:
    """bootstrap_ci of every column of an (n_queries, m) matrix, sharing the resamples.

    Equal to calling bootstrap_ci on each column when it has no NaN (columns with NaNs
    fall back to bootstrap_ci on their finite values).
    """
    mat = np.asarray(columns, dtype=np.float64)
    if mat.ndim == 1:
        mat = mat[:, None]
    n, m = mat.shape
    finite = np.isfinite(mat).all(axis=0)
    out: list[CI | None] = [None] * m
    for j in np.flatnonzero(~finite):
        out[j] = bootstrap_ci(mat[:, j], confidence=confidence, n_boot=n_boot, seed=seed)
    cols = np.flatnonzero(finite)
    if n and cols.size:
        sub = mat[:, cols]
        means = np.concatenate([w @ sub for w in _weight_blocks(n, n_boot, seed)])
        for pos, j in enumerate(cols):
            col = sub[:, pos]
            mean = float(col.mean())
            if n == 1 or np.all(col == col[0]):
                out[j] = CI(mean, mean, mean, n)
            else:
                out[j] = _ci_from(mean, means[:, pos], confidence, n)
    for j in range(m):
        if out[j] is None:
            out[j] = CI(float("nan"), float("nan"), float("nan"), 0)
    return out  # type: ignore[return-value]


def paired_randomization_test(a, b, *, n_perm: int = 10000, seed: int = 0) -> float:
    """Two-sided p-value that the mean of b - a is 0 (sign-flip randomization test).

    Under the null the two systems are exchangeable on each query, so each per-query
    difference keeps its size and gets a random sign. p = (1 + #{|mean*| >= |mean|}) /
    (1 + n_perm), never 0. Identical inputs give p = 1.
    """
    x, y = _paired(a, b)
    d = y - x
    n = d.size
    if n == 0:
        return float("nan")
    observed = abs(d.mean())
    if observed == 0 or np.all(d == 0):
        return 1.0
    rng = np.random.default_rng(seed)
    hits = 0
    block = max(1, _BLOCK_CELLS // n)
    # Tolerance so permutations equal to the observed statistic count as "as extreme".
    tol = 1e-12 * max(1.0, observed)
    for start in range(0, n_perm, block):
        m = min(block, n_perm - start)
        signs = rng.integers(0, 2, size=(m, n), dtype=np.int8) * 2 - 1
        perm = np.abs((signs * d).mean(axis=1))
        hits += int(np.count_nonzero(perm >= observed - tol))
    return (1 + hits) / (1 + n_perm)


def paired_compare(
    a, b, *, confidence: float = 0.95, n_boot: int = 2000, n_perm: int = 10000, seed: int = 0
) -> PairedResult:
    """Mean of a and b, bootstrap CI of the mean of b - a, randomization-test p-value."""
    x, y = _paired(a, b)
    diff = bootstrap_ci(y - x, confidence=confidence, n_boot=n_boot, seed=seed)
    p = paired_randomization_test(x, y, n_perm=n_perm, seed=seed)
    mean_a = float(x.mean()) if x.size else float("nan")
    mean_b = float(y.mean()) if y.size else float("nan")
    return PairedResult(mean_a, mean_b, diff, p, int(x.size))


def holm(p_values: Sequence[float]) -> np.ndarray:
    """Holm-Bonferroni adjusted p-values (NaNs stay NaN and do not count as tests)."""
    p = np.asarray(p_values, dtype=np.float64)
    out = np.full(p.shape, np.nan)
    ok = np.flatnonzero(np.isfinite(p))
    m = ok.size
    if m == 0:
        return out
    order = ok[np.argsort(p[ok], kind="stable")]
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p[i]))
        out[i] = running
    return out
