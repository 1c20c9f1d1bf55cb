"""Large numbers in the report's sentences read with thousands separators (288,909 qps), as
in its tables; the CSVs keep the exact values."""

from __future__ import annotations

from harness.report.sections.analysis import _recommended


def test_the_recommendations_speed_floor_has_thousands_separators():
    row = {"dataset": "d", "model": "m", "recommended_metric": "cosine", "metric_reason": "r",
           "recommended_index": "graph", "index_reason": "why", "measured_index": "graph",
           "index_matched": True, "speed_floor_qps": 288909.4}
    line = _recommended(row)
    assert "every family's rows at or above 288,909 qps)" in line
    assert "288909" not in line
    assert "above 1,957 qps" in _recommended({**row, "speed_floor_qps": 1957.0})
    assert "above 640 qps" in _recommended({**row, "speed_floor_qps": 639.6})
