"""Bootstrap CIs and paired tests on cases with known answers."""

from __future__ import annotations

import numpy as np
import pytest

from harness.stats import bootstrap_ci, paired_diff_ci, paired_randomization_test


def test_bootstrap_ci_matches_normal_theory():
    rng = np.random.default_rng(0)
    v = rng.normal(loc=0.5, scale=1.0, size=2000)
    ci = bootstrap_ci(v, n_boot=4000, seed=1)
    se = v.std(ddof=1) / np.sqrt(len(v))
    assert ci.mean == pytest.approx(v.mean())
    assert ci.low == pytest.approx(v.mean() - 1.96 * se, abs=0.2 * se)
    assert ci.high == pytest.approx(v.mean() + 1.96 * se, abs=0.2 * se)


def test_constant_values_have_zero_width():
    ci = bootstrap_ci(np.full(50, 0.25))
    assert (ci.mean, ci.low, ci.high) == (0.25, 0.25, 0.25)


def test_paired_tests_significant_and_not():
    rng = np.random.default_rng(2)
    base = rng.random(300)
    better = base + 0.05 + rng.normal(scale=0.02, size=300)  # consistent small gain
    noise = base + rng.normal(scale=0.05, size=300)  # no gain
    assert paired_randomization_test(better, base, n_perm=2000) < 0.001
    ci = paired_diff_ci(better, base)
    assert ci.low > 0.04 and ci.high < 0.06
    assert paired_randomization_test(noise, base, n_perm=2000) > 0.05
    assert paired_randomization_test(base, base) == 1.0


def test_paired_shape_mismatch():
    with pytest.raises(ValueError, match="differ in shape"):
        paired_diff_ci(np.zeros(3), np.zeros(4))
