"""The between-cell drift of a run: max / min of its rows' drift-probe rates."""

from __future__ import annotations

import pandas as pd
import pytest

from harness.metrics.probe_drift import between_cells


def test_max_over_min_of_the_rows_that_carry_the_probe():
    frame = pd.DataFrame({"probe_rate": [120.0, None, 80.0, 100.0, 0.0, "x"]})
    assert between_cells(frame) == pytest.approx(120 / 80)  # missing, 0, text left out
    assert between_cells(pd.DataFrame({"qps": [1.0]})) is None  # rows from before the probe
    assert between_cells(pd.DataFrame({"probe_rate": [None]})) is None
