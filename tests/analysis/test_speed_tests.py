"""Speed significance: Wilcoxon signed-rank + Holm equal scipy and a hand Holm; compare's
latency verdict follows the latency distributions."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy import stats as sps

from harness.analysis.speed_tests import SpeedPair, speed_tests, wilcoxon_p
from harness.report.compare import compare

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "report"))
from report_fixtures import runs_fixture  # noqa: F401 (the `runs` fixture)


def _hand_holm(p):
    order = np.argsort(p)
    m, out, running = len(p), np.empty(len(p)), 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p[i]))
        out[i] = running
    return out


def test_wilcoxon_and_holm_equal_scipy_and_a_hand_holm():
    rng = np.random.default_rng(3)
    base = rng.gamma(2.0, 0.5, size=200)
    pairs = [SpeedPair("A", "B", base, base * f + rng.normal(0, 0.05, 200))
             for f in (1.0, 1.02, 1.1, 0.8)]
    got = speed_tests(pairs)
    want = np.array([sps.wilcoxon(p.lat_a, p.lat_b).pvalue for p in pairs])
    np.testing.assert_allclose([g.p_value for g in got], want, rtol=1e-12)
    np.testing.assert_allclose([g.p_holm for g in got], _hand_holm(want), rtol=1e-12)
    assert got[2].faster == "A" and got[3].faster == "B"  # B 10% slower; B 20% faster
    assert wilcoxon_p(base, base) == 1.0


def test_verdict_joins_speed_and_quality():
    rng = np.random.default_rng(0)
    a = rng.gamma(2.0, 0.5, size=100)
    b = a * 1.5
    # A faster; quality B - A = +0.02 significant: A is worse
    worse = speed_tests([SpeedPair("A", "B", a, b, 0.02, 0.001)])[0]
    assert worse.verdict().startswith("A is faster but worse than B (p")
    # the same speed, quality difference not significant: faster and not worse
    fine = speed_tests([SpeedPair("A", "B", a, b, 0.02, 0.3)])[0]
    assert fine.verdict().startswith("A is faster and not worse than B (p")
    # B better by a significant margin and faster
    assert speed_tests([SpeedPair("A", "B", b, a, 0.02, 0.001)])[0].verdict().startswith(
        "B is faster and not worse than A")
    same = speed_tests([SpeedPair("A", "B", a, a + rng.normal(0, 1e-3, 100), 0.0, 0.9)])[0]
    assert same.verdict().startswith("no significant speed difference")


@pytest.fixture
def two_runs(runs, tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    shutil.copytree(runs.a.run_dir, a)
    shutil.copytree(runs.a.run_dir, b)
    return a, b


def _scale_latency(run_dir, factor, rng):
    for path in (run_dir / "perquery").glob("*.npz"):
        arrays = dict(np.load(path, allow_pickle=False))
        for key in [k for k in arrays if k.endswith(":latency_ms")]:
            lat = arrays[key]
            arrays[key] = lat * factor * rng.uniform(0.98, 1.02, size=lat.shape)
        with open(path, "wb") as f:
            np.savez(f, **arrays)


def test_compare_verdict_changes_with_the_latency_distributions(two_runs):
    a, b = two_runs
    rng = np.random.default_rng(1)
    _scale_latency(b, 1.0, rng)  # B = A up to 2% noise either way
    same = compare(a, b, write=False).pairs["speed_verdict"]
    assert same.str.startswith("no significant speed difference").all()
    _scale_latency(b, 3.0, rng)  # B three times slower on every query
    slow = compare(a, b, write=False).pairs["speed_verdict"]
    # the two runs hold the same quality: A is faster and not worse
    assert slow.str.startswith("A is faster and not worse than B (p").all()
    _scale_latency(b, 1 / 9, rng)  # now B three times faster
    fast = compare(a, b, write=False).pairs["speed_verdict"]
    assert fast.str.startswith("B is faster and not worse than A (p").all()
