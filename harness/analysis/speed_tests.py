"""Speed significance: is one configuration faster than another on the same queries?

Each cell stores per query its latency (`latency_ms`: the median over the cell's repeats,
which run interleaved across search settings, harness.execution.timed). Two configurations
measured on the same queries are compared with the paired Wilcoxon signed-rank test
(two-sided, scipy.stats.wilcoxon) on the per-query latencies; the p-values of every
comparison made together (one compare page, one leaderboard) are Holm-adjusted. A verdict
joins the speed test with the quality test of the same pair:

- "A is faster than B (p=...)": Holm-adjusted Wilcoxon p < 0.05, A's median paired
  difference (A - B) below zero;
- "A is faster and not worse (p=..., quality p=...)": in addition, the main task metric's
  paired test does not find A significantly worse (Holm-adjusted p >= 0.05, or A's mean is
  not lower);
- "no significant speed difference (p=...)" otherwise.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import wilcoxon

from harness.analysis.stats import holm

ALPHA = 0.05


def p_text(p: float) -> str:
    """A p-value for a sentence: 3 significant digits, tiny ones as an upper bound."""
    return "p<1e-16" if p < 1e-16 else f"p={p:.3g}"


def wilcoxon_p(a: np.ndarray, b: np.ndarray) -> float:
    """Two-sided paired Wilcoxon signed-rank p-value of a vs b (scipy's defaults: zero
    differences dropped); 1.0 when every difference is zero, NaN without queries."""
    x, y = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if not len(x):
        return math.nan
    if np.all(x == y):
        return 1.0
    return float(wilcoxon(x, y).pvalue)


@dataclass(frozen=True)
class SpeedPair:
    """Two configurations on the same queries: latencies (ms) and, when known, the quality
    test of the pair (mean difference B - A of the main metric and its Holm-adjusted p)."""

    a: str
    b: str
    lat_a: np.ndarray
    lat_b: np.ndarray
    quality_diff: float = math.nan  # mean main metric of b minus a
    quality_p: float = math.nan  # Holm-adjusted p of that difference


@dataclass(frozen=True)
class SpeedResult:
    pair: SpeedPair
    p_value: float
    p_holm: float
    median_diff_ms: float  # median over queries of (a - b): < 0 means a is faster

    @property
    def faster(self) -> str | None:
        """The name of the significantly faster side, or None."""
        if not (self.p_holm < ALPHA) or self.median_diff_ms == 0:
            return None
        return self.pair.a if self.median_diff_ms < 0 else self.pair.b

    def not_worse(self) -> bool | None:
        """Whether the faster side is not significantly worse on quality (None: no test)."""
        p, d = self.pair.quality_p, self.pair.quality_diff
        if self.faster is None or not math.isfinite(p):
            return None
        faster_minus_slower = -d if self.faster == self.pair.a else d
        return not (p < ALPHA and faster_minus_slower < 0)

    def verdict(self) -> str:
        if self.faster is None:
            return f"no significant speed difference ({p_text(self.p_holm)})"
        slower = self.pair.b if self.faster == self.pair.a else self.pair.a
        if self.not_worse():
            return (f"{self.faster} is faster and not worse than {slower} "
                    f"({p_text(self.p_holm)}, quality {p_text(self.pair.quality_p)})")
        worse = " but worse" if self.not_worse() is False else ""
        return f"{self.faster} is faster{worse} than {slower} ({p_text(self.p_holm)})"


def speed_tests(pairs: Sequence[SpeedPair]) -> list[SpeedResult]:
    """Wilcoxon signed-rank test per pair, Holm-adjusted over all the pairs."""
    ps = [wilcoxon_p(p.lat_a, p.lat_b) for p in pairs]
    adjusted = holm(ps) if ps else np.zeros(0)
    return [SpeedResult(p, ps[i], float(adjusted[i]),
                        float(np.median(np.asarray(p.lat_a) - np.asarray(p.lat_b)))
                        if len(p.lat_a) else math.nan)
            for i, p in enumerate(pairs)]


def with_speed_tests(pairs: pd.DataFrame, lat: dict[str, tuple[np.ndarray, np.ndarray]],
                     names: tuple[str, str] = ("A", "B")) -> pd.DataFrame:
    """`harness compare`'s pairs (columns config, diff = B - A of the main metric, p_holm)
    with the Wilcoxon test of each configuration's per-query latencies in A and B (`lat`:
    config -> (A's, B's) on the same queries), Holm over the configurations, and its verdict."""
    if pairs.empty:
        return pairs
    rows = [r for _, r in pairs.iterrows() if r["config"] in lat]
    tests = speed_tests([SpeedPair(*names, *lat[r["config"]], float(r["diff"]),
                                   float(r["p_holm"])) for r in rows])
    got = {r["config"]: res for r, res in zip(rows, tests, strict=True)}
    pairs["speed_p_holm"] = [got[c].p_holm if c in got else np.nan for c in pairs["config"]]
    pairs["speed_verdict"] = [got[c].verdict() if c in got else "" for c in pairs["config"]]
    return pairs
