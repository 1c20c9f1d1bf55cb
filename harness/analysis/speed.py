"""Whether two measurements of one configuration's speed differ beyond their own noise.

qps is the median of a setting's interleaved repeats (repeats: in the suite); each row keeps
the slowest and fastest repeat (qps_min, qps_max). The ratio B/A then has an interval from
the repeats, the widest their disagreement allows:

    [qps_min_B / qps_max_A,  qps_max_B / qps_min_A]

(asv compares benchmark results the same way: by the ranges of the repeats, not by a model
of the noise). When both rows carry the drift probe (probe_rate: how fast the machine was
while each was timed; probe_min, probe_max: its readings' range), each side's range is taken
per probe pass, [qps_min / probe_max, qps_max / probe_min], so a machine that was 1.4x slower
during B's cell does not read as a 1.4x slower configuration and the machine's own movement
during a cell widens the range; `machine_speed` is the probes' ratio B/A and `qps_ratio`
stays the raw one. The verdict is "within noise" when the
interval holds 1, "not significant" when either side had one repeat or was flagged
timing_unstable (its repeats or its probe readings disagreed, or the machine was loaded
while it was measured), else "B faster" / "B slower".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from harness.metrics.probe_drift import probe_rates

WITHIN_NOISE = "within noise"
NOT_SIGNIFICANT = "not significant"


def _num(row: Mapping[str, Any], col: str) -> float:
    try:
        v = float(row.get(col))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return float("nan")
    return v


def _unstable(row: Mapping[str, Any]) -> bool:
    return str(row.get("timing_unstable")).lower() in ("true", "1", "1.0")


def _per_probe(row: Mapping[str, Any], probed: bool) -> tuple[float, float]:
    """A row's qps range; with the probe, per probe pass and widened by the probe's own
    readings during the cell: [qps_min / probe_max, qps_max / probe_min] (probe_rate for
    both ends when a row has no min and max)."""
    low, high = _num(row, "qps_min"), _num(row, "qps_max")
    if not probed:
        return low, high
    rate = _num(row, "probe_rate")
    p_min, p_max = _num(row, "probe_min"), _num(row, "probe_max")
    p_min, p_max = (p_min, p_max) if p_min > 0 and p_max > 0 else (rate, rate)
    return low / p_max, high / p_min


def speed_ratio(a: Mapping[str, Any], b: Mapping[str, Any]) -> dict[str, Any]:
    """qps B/A, its interval from the repeats and the verdict (see the module docstring)."""
    qa, qb = _num(a, "qps"), _num(b, "qps")
    if not (qa > 0 and np.isfinite(qb)):
        return {}
    pa, pb = _num(a, "probe_rate"), _num(b, "probe_rate")
    machine = pb / pa if pa > 0 and pb > 0 else float("nan")
    (lo_a, hi_a), (lo_b, hi_b) = _per_probe(a, np.isfinite(machine)), _per_probe(
        b, np.isfinite(machine))
    low, high = lo_b / hi_a, hi_b / lo_a
    one_repeat = any(_num(r, "qps_min") == _num(r, "qps_max") for r in (a, b))
    if not (np.isfinite(low) and np.isfinite(high)) or one_repeat:
        verdict = f"{NOT_SIGNIFICANT} (one repeat)"
    elif _unstable(a) or _unstable(b):
        side = "A, B" if _unstable(a) and _unstable(b) else ("A" if _unstable(a) else "B")
        verdict = f"{NOT_SIGNIFICANT} (unstable: {side})"  # fits a terminal table's cell
    elif low <= 1.0 <= high:
        verdict = WITHIN_NOISE
    else:
        verdict = "B faster" if low > 1.0 else "B slower"
    return {"qps_ratio": qb / qa, "machine_speed": machine, "qps_ratio_low": low,
            "qps_ratio_high": high, "qps_range": f"[{low:.2f}, {high:.2f}]", "speed": verdict}


def qps_normalised(frame: pd.DataFrame) -> pd.Series:
    """Each row's qps at the run's median machine speed: qps x median(probe_rate) /
    probe_rate over the run's rows that carry the drift probe (NaN where a row has none). A
    cell timed while the machine ran at 0.7x reads 0.7x in `qps` and its own speed here."""
    if "qps" not in frame:
        return pd.Series(np.nan, index=frame.index)
    probe = probe_rates(frame)
    return pd.to_numeric(frame["qps"], errors="coerce") * float(probe.median()) / probe

