"""qps ratios with an interval from the repeats, and the verdict `harness compare` prints."""

from __future__ import annotations

import pytest

from harness.analysis.speed import NOT_SIGNIFICANT, WITHIN_NOISE, speed_ratio

A = {"qps": 100.0, "qps_min": 90.0, "qps_max": 110.0, "timing_unstable": False}


def test_interval_and_verdict_by_hand():
    got = speed_ratio(A, {"qps": 200.0, "qps_min": 190.0, "qps_max": 210.0})
    assert got["qps_ratio"] == pytest.approx(2.0)
    assert got["qps_ratio_low"] == pytest.approx(190 / 110)  # slowest B / fastest A
    assert got["qps_ratio_high"] == pytest.approx(210 / 90)  # fastest B / slowest A
    assert got["speed"] == "B faster"
    assert speed_ratio(A, {"qps": 50.0, "qps_min": 45.0, "qps_max": 55.0})["speed"] == "B slower"
    near = speed_ratio(A, {"qps": 105.0, "qps_min": 95.0, "qps_max": 115.0})
    assert near["qps_ratio_low"] < 1 < near["qps_ratio_high"] and near["speed"] == WITHIN_NOISE


def test_unstable_or_single_repeats_are_never_a_difference():
    b = {"qps": 300.0, "qps_min": 290.0, "qps_max": 310.0, "timing_unstable": True}
    assert speed_ratio(A, b)["speed"] == f"{NOT_SIGNIFICANT} (unstable: B)"
    one = {"qps": 300.0, "qps_min": 300.0, "qps_max": 300.0}
    assert speed_ratio(A, one)["speed"] == f"{NOT_SIGNIFICANT} (one repeat)"
    assert speed_ratio({"qps": None}, b) == {}

