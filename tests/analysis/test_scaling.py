"""analysis.scaling: power-law growth fits, checked against known exponents and scipy."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from harness.analysis.scaling import growth_table, power_fit

SIZES = np.array([10_000, 30_000, 100_000, 300_000, 1_000_000], dtype=float)


def test_recovers_a_known_exponent_from_noisy_timings_and_its_interval_covers_it():
    rng = np.random.default_rng(7)
    times = 2e-6 * SIZES**1.2 * np.exp(rng.normal(0, 0.05, SIZES.size))  # 5% noise
    fit = power_fit(SIZES, times)
    assert fit.b == pytest.approx(1.2, abs=0.05)
    assert fit.b_low < 1.2 < fit.b_high
    assert fit.b_high - fit.b_low < 0.3
    assert fit.a == pytest.approx(2e-6, rel=0.5)


def test_the_95_percent_interval_covers_the_true_exponent_about_95_percent_of_the_time():
    rng = np.random.default_rng(0)
    covered = 0
    for _ in range(400):
        y = 3.0 * SIZES**0.8 * np.exp(rng.normal(0, 0.2, SIZES.size))
        fit = power_fit(SIZES, y)
        covered += fit.b_low <= 0.8 <= fit.b_high
    assert 0.91 <= covered / 400 <= 0.99


def test_slope_and_interval_match_scipy_linregress():
    rng = np.random.default_rng(3)
    y = 5.0 * SIZES**-0.3 * np.exp(rng.normal(0, 0.1, SIZES.size))
    ref = stats.linregress(np.log(SIZES), np.log(y))
    t = stats.t.ppf(0.975, SIZES.size - 2)
    fit = power_fit(SIZES, y)
    assert fit.b == pytest.approx(ref.slope)
    assert fit.a == pytest.approx(np.exp(ref.intercept))
    assert fit.b_low == pytest.approx(ref.slope - t * ref.stderr)
    assert fit.b_high == pytest.approx(ref.slope + t * ref.stderr)
    assert fit.r2 == pytest.approx(ref.rvalue**2)


def test_two_exact_points_by_hand_no_interval_and_too_few_points():
    fit = power_fit([100, 400], [30.0, 60.0])  # 3 * N^0.5
    assert fit.a == pytest.approx(3.0) and fit.b == pytest.approx(0.5)
    assert np.isnan(fit.b_low) and np.isnan(fit.b_high)
    value, low, high = fit.predict(10_000)
    assert value == pytest.approx(300.0) and np.isnan(low) and np.isnan(high)
    assert power_fit([100, 100], [1.0, 2.0]) is None  # one size: no slope
    assert power_fit([100, 400], [1.0, 0.0]) is None  # a non-positive value is dropped


def _rows(n_docs, **cols):
    base = {"dataset": "d", "model": "m", "dim": 16, "precision": "float32",
            "metric": "cosine", "backend": "hnsw", "build_params": "{}", "status": "ok"}
    return pd.DataFrame([{**base, "n_docs": n, **{k: v[i] for k, v in cols.items()}}
                         for i, n in enumerate(n_docs)])


def test_growth_table_fits_costs_per_build_and_quality_as_a_loss():
    n = [1000, 1000, 4000, 4000, 16000, 16000]
    frame = _rows(
        n,
        search_params=['{"ef": 16}', '{"ef": 64}'] * 3,
        build_s=[0.5 * (x / 1000) ** 1.1 for x in n],  # the same per build
        index_bytes=[100 * x for x in n],
        qps=[1e6 * x**-0.5 if i % 2 else 2e6 * x**-0.5 for i, x in enumerate(n)],
        **{"knn_recall@10": [1 - 0.01 * (x / 1000) ** 0.25 for x in n],
           "hit@10": [0.9] * 6},
    )
    frame.loc[5, "status"] = "error: boom"  # failed rows are not points
    t = growth_table(frame, "hit@10", target=1_024_000)
    build = t[t["quantity"] == "build_s"].iloc[0]
    assert len(t[t["quantity"] == "build_s"]) == 1  # per build, not per setting
    assert build["exponent"] == pytest.approx(1.1)
    assert build["at_target"] == pytest.approx(0.5 * 1024**1.1)
    assert bool(build["extrapolated"]) and build["target_n"] == 1_024_000
    assert t[t["quantity"] == "index_bytes"].iloc[0]["exponent"] == pytest.approx(1.0)
    qps = t[t["quantity"] == "qps"].set_index("search_params")
    assert qps.loc['{"ef": 16}', "exponent"] == pytest.approx(-0.5)
    assert qps.loc['{"ef": 64}', "sizes"] == 2  # its 16000 row failed
    rec = t[t["quantity"] == "knn_recall@10"].set_index("search_params").loc['{"ef": 16}']
    assert rec["law"] == "1 - knn_recall@10 = a * N^b"
    assert rec["exponent"] == pytest.approx(0.25)
    assert rec["at_target"] == pytest.approx(1 - 0.01 * 1024**0.25)
    hit = t[t["quantity"] == "hit@10"].iloc[0]  # a constant metric: a flat law
    assert hit["exponent"] == pytest.approx(0.0, abs=1e-12)
    assert hit["at_target"] == pytest.approx(0.9)
    assert growth_table(frame[frame["n_docs"] == 1000], "hit@10").empty  # one size: no fit
