"""Tables for the terminal (at most 100 columns wide) and the same data as JSON for scripts."""

from __future__ import annotations

import json
import math
import textwrap
from collections.abc import Callable

import pandas as pd

WIDTH = 100
CELL = 36  # longer cells end in "..."; --json has the full values


def readable(v: float) -> str:
    """A number as people read it, never in exponent form: 21,780 (not 2.178e+04), 0.1079,
    0.000012."""
    if not math.isfinite(v):
        return str(v)
    a = abs(v)
    if a >= 1000 or (a >= 1 and v == int(v)):
        return f"{v:,.0f}"
    if a >= 100:
        return f"{v:.1f}"
    if a >= 1e-4 or a == 0:
        return f"{v:.4g}"
    return f"{v:.6f}".rstrip("0")


def table(df: pd.DataFrame, float_format: Callable[[float], str] | None = None) -> str:
    """Rows as text: long cells cut, columns wrapped into blocks so no line passes WIDTH.

    `float_format` (e.g. four decimals for task metrics) applies to columns whose values are
    fractions (|x| <= 1.5); larger quantities (qps, bytes, ms) are always `readable`."""
    if df.empty:
        return "(no rows)"
    fmt = float_format or readable
    formatters = {}
    for c in df.columns:
        if pd.api.types.is_float_dtype(df[c]):
            big = df[c].abs().max() > 1.5
            formatters[c] = (lambda v, f=(readable if big else fmt): "" if pd.isna(v) else f(v))
    return df.to_string(index=False, line_width=WIDTH, max_colwidth=CELL, na_rep="",
                        formatters=formatters)


def records(df: pd.DataFrame) -> list[dict]:
    """Rows as JSON-ready records, every value as stored (NaN as null)."""
    return json.loads(df.to_json(orient="records", default_handler=str))


def as_json(data: pd.DataFrame | dict | list) -> str:
    """`--json` output: a table as records, or a dict/list whose tables become records."""
    def plain(v: object) -> object:
        if isinstance(v, pd.DataFrame):
            return records(v)
        if isinstance(v, dict):
            return {str(k): plain(x) for k, x in v.items()}
        return [plain(x) for x in v] if isinstance(v, list | tuple) else v

    return json.dumps(plain(data), indent=1, default=str)


def wrap(text: str) -> str:
    """Free text (warnings, reasons) wrapped at WIDTH, continuation lines indented."""
    return "\n".join(textwrap.fill(line, WIDTH, subsequent_indent="    ",
                                   break_on_hyphens=False) for line in text.splitlines())
