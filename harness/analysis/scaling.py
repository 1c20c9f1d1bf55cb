"""Growth with the corpus: power laws fitted per configuration across a run's corpus sizes.

For each configuration (dataset, model, dim, precision, distance, backend, build and search
parameters) measured at two or more corpus sizes N (the `corpus_sizes` axis), each quantity
is fitted as a power law by ordinary least squares on log-log axes:

    cost:     y = a * N^b            build_s, index_bytes (per build), qps (per setting)
    quality:  1 - y = a * N^b        the main task metric and knn_recall@10 (what is lost
                                     grows; the fitted value stays below 1)

The exponent b comes with a 95% t-interval on the slope (n - 2 degrees of freedom; none with
two sizes), and the value at the suite's `extrapolate_to` with a 95% prediction interval on
log axes (a quality whose fitted loss passes 1 is shown at 0, its floor). A target beyond the
largest measured N is an extrapolation from the stated model, and the table says so: nothing
guarantees the law holds past the measured range.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

CONFIG = ["dataset", "model", "dim", "precision", "metric", "backend", "build_params"]
# quantity -> (kind, whether it belongs to the build rather than to a search setting)
COSTS = {"build_s": True, "index_bytes": True, "qps": False}
RECALL = "knn_recall@10"
CONFIDENCE = 0.95


@dataclass(frozen=True)
class PowerFit:
    """y = a * N^b fitted on log-log axes, with the slope's t-interval."""

    a: float
    b: float
    b_low: float  # NaN with two points: no degrees of freedom left for an interval
    b_high: float
    r2: float
    n: int
    _x_mean: float
    _sxx: float
    _s: float  # residual standard deviation on the log scale

    def predict(self, n_docs: float) -> tuple[float, float, float]:
        """(value, low, high) at n_docs: the fitted law and its 95% prediction interval."""
        x = np.log(n_docs)
        y = np.log(self.a) + self.b * x
        if self.n <= 2:
            return float(np.exp(y)), float("nan"), float("nan")
        t = stats.t.ppf(0.5 + CONFIDENCE / 2, self.n - 2)
        half = t * self._s * np.sqrt(1 + 1 / self.n + (x - self._x_mean) ** 2 / self._sxx)
        return float(np.exp(y)), float(np.exp(y - half)), float(np.exp(y + half))


def power_fit(n_docs: Sequence[float], values: Sequence[float]) -> PowerFit | None:
    """Least squares of log(values) on log(n_docs); None without two distinct positive N."""
    n = np.asarray(n_docs, dtype=float)
    y = np.asarray(values, dtype=float)
    keep = np.isfinite(n) & np.isfinite(y) & (n > 0) & (y > 0)
    x, ly = np.log(n[keep]), np.log(y[keep])
    if len(np.unique(x)) < 2:
        return None
    x_mean = float(x.mean())
    sxx = float(((x - x_mean) ** 2).sum())
    b = float(((x - x_mean) * (ly - ly.mean())).sum() / sxx)
    c = float(ly.mean() - b * x_mean)
    resid = ly - (c + b * x)
    sst = float(((ly - ly.mean()) ** 2).sum())
    r2 = 1 - float((resid**2).sum()) / sst if sst > 0 else 1.0
    dof = len(x) - 2
    if dof <= 0:
        return PowerFit(float(np.exp(c)), b, float("nan"), float("nan"), r2, len(x), x_mean,
                        sxx, 0.0)
    s = float(np.sqrt((resid**2).sum() / dof))
    half = stats.t.ppf(0.5 + CONFIDENCE / 2, dof) * s / np.sqrt(sxx)
    return PowerFit(float(np.exp(c)), b, b - half, b + half, r2, len(x), x_mean, sxx, s)


def _law(quantity: str, quality: bool) -> str:
    return f"1 - {quantity} = a * N^b" if quality else f"{quantity} = a * N^b"


def _fit_row(points: pd.DataFrame, quantity: str, quality: bool, target: int | None) -> dict:
    """One quantity's fit over (n_docs, value) points; {} when it cannot be fitted."""
    values = pd.to_numeric(points[quantity], errors="coerce")
    per_n = values.groupby(points["n_docs"]).median()  # one point per size
    y = 1 - per_n if quality else per_n
    fit = power_fit(per_n.index.to_numpy(), y.to_numpy())
    if fit is None:
        return {}
    row = {"quantity": quantity, "law": _law(quantity, quality), "sizes": fit.n,
           "n_min": int(per_n.index.min()), "n_max": int(per_n.index.max()),
           "a": fit.a, "exponent": fit.b, "exponent_low": fit.b_low,
           "exponent_high": fit.b_high, "r2": fit.r2}
    if target:
        v, lo, hi = fit.predict(target)
        if quality:  # back to the quantity itself: 1 - loss (the interval flips); a loss
            # the law puts above 1 means the metric at 0, its floor
            v, lo, hi = (max(0.0, 1 - x) for x in (v, hi, lo))
        row |= {"target_n": int(target), "at_target": v, "at_target_low": lo,
                "at_target_high": hi, "extrapolated": bool(target > per_n.index.max())}
    return row


def _groups(ok: pd.DataFrame, keys: list[str]) -> list[tuple[dict, pd.DataFrame]]:
    keys = [k for k in keys if k in ok]
    out = []
    for vals, g in ok.groupby(keys, dropna=False, sort=True):
        if g["n_docs"].nunique() >= 2:
            out.append((dict(zip(keys, vals, strict=True)), g))
    return out


def growth_table(frame: pd.DataFrame, main_metric: str | None,
                 target: int | None = None) -> pd.DataFrame:
    """Every fit of a run's rows: per build (build_s, index_bytes) and per search setting
    (qps, the main metric, knn_recall@10). Empty when no configuration has two sizes."""
    if frame.empty or "n_docs" not in frame:
        return pd.DataFrame()
    ok = frame[frame["status"] == "ok"] if "status" in frame else frame
    ok = ok[pd.to_numeric(ok["n_docs"], errors="coerce") > 0]
    rows = []
    for key, g in _groups(ok, CONFIG):  # build-level quantities: one value per build
        for quantity in (q for q, per_build in COSTS.items() if per_build and q in g):
            rows.append({**key, "search_params": None, **_fit_row(g, quantity, False, target)})
    for key, g in _groups(ok, [*CONFIG, "search_params"]):
        for quantity, quality in (("qps", False), (main_metric, True), (RECALL, True)):
            if quantity and quantity in g:
                rows.append({**key, **_fit_row(g, quantity, quality, target)})
    table = pd.DataFrame([r for r in rows if "quantity" in r])
    return table.reset_index(drop=True)
