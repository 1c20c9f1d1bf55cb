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



def test_drift_probe_takes_the_machine_out_of_the_ratio():
    # B measured while the machine ran at 0.7x A's speed (probe 70 vs 100 passes/s): its raw
    # qps reads 0.7x, its qps per probe pass is A's, so the verdict is within noise
    a = {**A, "probe_rate": 100.0}
    b = {"qps": 70.0, "qps_min": 66.5, "qps_max": 73.5, "probe_rate": 70.0}
    got = speed_ratio(a, b)
    assert got["qps_ratio"] == pytest.approx(0.7)  # the raw ratio is kept
    assert got["machine_speed"] == pytest.approx(0.7)
    assert got["qps_ratio_low"] == pytest.approx(66.5 / 110 / 0.7)
    assert got["qps_ratio_high"] == pytest.approx(73.5 / 90 / 0.7)
    assert got["speed"] == WITHIN_NOISE
    assert speed_ratio(A, {k: v for k, v in b.items() if k != "probe_rate"})["speed"] == (
        "B slower")  # without both probes: the raw ranges, as before
    # a real 2x speed-up stays one when the machine was also faster during B
    fast = speed_ratio(a, {"qps": 260.0, "qps_min": 250.0, "qps_max": 270.0,
                           "probe_rate": 130.0})
    assert fast["qps_ratio_low"] == pytest.approx(250 / 110 / 1.3) and fast["speed"] == (
        "B faster")


def test_the_probe_range_during_a_cell_widens_its_range():
    # A's probe read 90-110 while it was timed: its qps per probe pass lies in
    # [90 / 110, 110 / 90]; B's (70-70) in [66.5 / 70, 73.5 / 70]
    a = {**A, "probe_rate": 100.0, "probe_min": 90.0, "probe_max": 110.0}
    b = {"qps": 70.0, "qps_min": 66.5, "qps_max": 73.5, "probe_rate": 70.0,
         "probe_min": 70.0, "probe_max": 70.0}
    got = speed_ratio(a, b)
    assert got["qps_ratio_low"] == pytest.approx((66.5 / 70) / (110 / 90))
    assert got["qps_ratio_high"] == pytest.approx((73.5 / 70) / (90 / 110))
    assert got["speed"] == WITHIN_NOISE
