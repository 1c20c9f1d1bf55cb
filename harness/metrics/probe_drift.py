"""How far the machine's speed moved during a run, from the drift probe's rates.

Each result row carries `probe_rate`, the rate of a fixed piece of work timed while its cell
was measured (harness/execution/drift.py). Over a run's rows, max / min of those rates is the
between-cell drift: the run's summary names it, and the report shows qps at the run's median
speed beside qps when it is large.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def probe_rates(frame: pd.DataFrame) -> pd.Series:
    """The rows' probe_rate as numbers, NaN where a row has none (or no frame column)."""
    if "probe_rate" not in frame:
        return pd.Series(np.nan, index=frame.index)
    rates = pd.to_numeric(frame["probe_rate"], errors="coerce")
    return rates.where(rates > 0)


def between_cells(frame: pd.DataFrame) -> float | None:
    """max / min of the rows' probe_rate (None when no row carries the probe)."""
    rates = probe_rates(frame).dropna()
    return float(rates.max() / rates.min()) if len(rates) else None
