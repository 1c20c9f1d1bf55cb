"""How far the machine's speed moved during a run, from the drift probe's rates.

Each result row carries `probe_rate`, the rate of a fixed piece of work timed while its cell
was measured (harness/execution/drift.py). Over a run's rows, max / min of those rates is the
between-cell drift: the run's summary names it, and the report shows qps at the run's median
speed beside qps when it is large.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def between_cells(frame: pd.DataFrame) -> float | None:
    """max / min of the rows' probe_rate (None when no row carries the probe)."""
    if "probe_rate" not in frame:
        return None
    rates = pd.to_numeric(frame["probe_rate"], errors="coerce").to_numpy(dtype=float)
    rates = rates[np.isfinite(rates) & (rates > 0)]
    return float(rates.max() / rates.min()) if len(rates) else None
