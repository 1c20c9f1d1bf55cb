"""Tables for the terminal (at most 100 columns wide) and the same data as JSON for scripts."""

from __future__ import annotations

import json
from collections.abc import Callable

import pandas as pd

WIDTH = 100
CELL = 36  # longer cells end in "..."; --json has the full values


def table(df: pd.DataFrame, float_format: Callable[[float], str] | None = None) -> str:
    """Rows as text: long cells cut, columns wrapped into blocks so no line passes WIDTH."""
    if df.empty:
        return "(no rows)"
    return df.to_string(index=False, line_width=WIDTH, max_colwidth=CELL, na_rep="",
                        float_format=float_format or (lambda v: f"{v:.4g}"))


def as_json(df: pd.DataFrame) -> str:
    """Records with every value as stored (NaN as null), for `--json`."""
    return json.dumps(json.loads(df.to_json(orient="records")), indent=1)
