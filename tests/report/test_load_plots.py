"""The load section's figure: QPS vs p99 per configuration and latency vs offered load, with
the knees where the definitions put them (hand-computed curves)."""

from __future__ import annotations

import pandas as pd
import pytest

from harness.report.plots.load import knee, latency_knee, load_view

CLOSED = pd.DataFrame({
    "configuration": ["a"] * 3 + ["b"] * 3, "clients": [1, 2, 4] * 2,
    "clients_as": ["threads"] * 6,
    "qps": [100.0, 190.0, 200.0, 50.0, 100.0, 190.0],
    "latency_p99_ms": [1.0, 1.2, 2.5, 2.0, 2.1, 2.4]})
OPEN = pd.DataFrame({
    "configuration": ["a"] * 3, "rate": [0.5, 0.9, 1.0],
    "offered_qps": [100.0, 180.0, 200.0], "qps": [100.0, 179.0, 190.0],
    "latency_p50_ms": [0.5, 0.8, 3.0], "latency_p99_ms": [1.1, 2.0, 9.0]})


def test_the_latency_knee_is_the_last_offered_load_within_twice_the_first_p99():
    assert latency_knee(OPEN) == 180.0  # 2.0 <= 2 x 1.1; 9.0 is not
    assert latency_knee(OPEN.assign(latency_p99_ms=[1.0, 5.0, 9.0])) == 100.0
    assert knee(CLOSED[CLOSED.configuration == "a"]) == 2  # 190 -> 200 is +5%
    assert knee(CLOSED[CLOSED.configuration == "b"]) == 4  # still doubling


def test_the_figure_has_a_line_per_configuration_and_a_titled_point_per_client_count():
    pytest.importorskip("matplotlib")
    svg = load_view(CLOSED, OPEN, salt="t")
    assert svg is not None and svg.startswith("<svg")
    assert svg.count("clients (threads):") == 6  # one hover title per closed-loop point
    assert svg.count("% of the closed loop") == 3 and "QPS vs p99" in svg
    assert "Latency vs offered load" in svg
    one = load_view(CLOSED, OPEN.iloc[0:0], salt="u")
    assert one is not None and "Latency vs offered load" not in one
