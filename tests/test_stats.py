"""harness.analysis.stats: seeded bootstrap CIs and the paired randomization test."""

from __future__ import annotations

import numpy as np
import pytest

from harness.analysis import stats


def test_bootstrap_ci_matches_normal_theory():
    rng = np.random.default_rng(42)
    x = rng.normal(loc=0.3, scale=1.0, size=900)
    ci = stats.bootstrap_ci(x, n_boot=4000, seed=1)
    half = 1.96 * x.std(ddof=1) / np.sqrt(x.size)  # about 0.065
    assert ci.mean == pytest.approx(x.mean())
    assert ci.low < x.mean() < ci.high
    assert ci.half_width == pytest.approx(half, rel=0.1)
    # Symmetric around the mean for a large normal sample.
    assert (ci.mean - ci.low) == pytest.approx(ci.high - ci.mean, rel=0.2)


def test_bootstrap_ci_known_binary_case_and_determinism():
    # 50 ones and 50 zeros: mean 0.5, standard error 0.05, 95% CI about [0.40, 0.60].
    x = np.array([1.0] * 50 + [0.0] * 50)
    ci = stats.bootstrap_ci(x, n_boot=4000, seed=0)
    assert ci.mean == 0.5
    assert ci.low == pytest.approx(0.40, abs=0.015)
    assert ci.high == pytest.approx(0.60, abs=0.015)
    assert stats.bootstrap_ci(x, n_boot=4000, seed=0) == ci  # seeded: same answer
    assert stats.bootstrap_ci(np.full(10, 0.7)) == stats.CI(0.7, 0.7, 0.7, 10)
    assert np.isnan(stats.bootstrap_ci([]).mean)
    # NaNs are dropped.
    assert stats.bootstrap_ci([1.0, np.nan, 1.0]).n == 2


def test_bootstrap_cis_share_resamples_with_bootstrap_ci():
    rng = np.random.default_rng(3)
    m = rng.random((200, 3))
    m[:, 2] = 0.25  # a constant column
    many = stats.bootstrap_cis(m, n_boot=500, seed=5)
    for j in range(3):
        one = stats.bootstrap_ci(m[:, j], n_boot=500, seed=5)
        assert many[j].mean == pytest.approx(one.mean)
        assert many[j].low == pytest.approx(one.low)
        assert many[j].high == pytest.approx(one.high)
    assert many[2].low == many[2].high == 0.25


def test_paired_test_significant_case():
    rng = np.random.default_rng(0)
    a = rng.random(60)
    b = a + 0.1 + rng.normal(0, 0.02, 60)  # every query improves
    p = stats.paired_randomization_test(a, b, n_perm=5000, seed=0)
    assert p == pytest.approx(1 / 5001)  # the smallest p-value this many permutations give
    res = stats.paired_compare(a, b, n_boot=1000, n_perm=5000)
    assert res.diff.mean == pytest.approx(np.mean(b - a))
    assert 0.09 < res.diff.low < res.diff.mean < res.diff.high < 0.11
    assert res.n == 60


def test_paired_test_non_significant_cases():
    a = np.linspace(0, 1, 40)
    # Differences +0.1 and -0.1 alternate: mean difference 0, nothing to detect.
    b = a + np.where(np.arange(40) % 2 == 0, 0.1, -0.1)
    assert stats.paired_randomization_test(a, b, seed=0) == 1.0
    assert stats.paired_randomization_test(a, a) == 1.0
    rng = np.random.default_rng(11)
    noise = stats.paired_randomization_test(a, a + rng.normal(0, 0.1, 40), seed=0)
    assert noise > 0.05


def test_paired_test_matches_exact_enumeration():
    # Five differences of +1: of the 2^5 sign patterns, 2 are as extreme (all + or all -),
    # so the exact two-sided p-value is 2/32 = 0.0625.
    a, b = np.zeros(5), np.ones(5)
    p = stats.paired_randomization_test(a, b, n_perm=20000, seed=2)
    assert p == pytest.approx(0.0625, abs=0.006)


def test_paired_inputs_must_align_and_nans_drop_pairs():
    with pytest.raises(ValueError):
        stats.paired_randomization_test([1, 2], [1, 2, 3])
    res = stats.paired_compare([0.0, 1.0, np.nan], [1.0, np.nan, 1.0])
    assert res.n == 1


def test_holm():
    adj = stats.holm([0.01, 0.04, 0.03, np.nan])
    assert adj[:3].tolist() == pytest.approx([0.03, 0.06, 0.06])
    assert np.isnan(adj[3])
    assert stats.holm([0.5, 0.9]).tolist() == pytest.approx([1.0, 1.0])
