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


def _cells(df: pd.DataFrame, float_format: Callable[[float], str] | None) -> list[list[str]]:
    """Each column as strings, header first: fractions by `float_format`, quantities (qps,
    bytes, ms) `readable`, long text cut at CELL."""
    fmt = float_format or readable
    out = []
    for c in df.columns:
        col = df[c]
        if pd.api.types.is_float_dtype(col):
            f = readable if col.abs().max() > 1.5 else fmt
            values = ["" if pd.isna(v) else f(v) for v in col]
        elif pd.api.types.is_integer_dtype(col) or pd.api.types.is_bool_dtype(col):
            values = [f"{v:,}" if isinstance(v, int) and abs(v) >= 1000 else str(v)
                      for v in col.tolist()]
        else:
            values = ["" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v)
                      for v in col.tolist()]
        values = [v if len(v) <= CELL else v[:CELL - 3] + "..." for v in values]
        out.append([str(c), *values])
    return out


def _numeric(df: pd.DataFrame, c: object) -> bool:
    return pd.api.types.is_numeric_dtype(df[c]) and not pd.api.types.is_bool_dtype(df[c])


def _blocks(widths: list[int], keys: int, width: int) -> list[list[int]]:
    """Column indexes per block: the first `keys` columns lead every block, the others are
    packed in order until the line would pass `width`."""
    lead = list(range(keys))
    used = sum(widths[:keys]) + 2 * keys
    blocks, current = [], list(lead)
    for i in range(keys, len(widths)):
        if len(current) > keys and used + widths[i] > width:
            blocks.append(current)
            current, used = list(lead), sum(widths[:keys]) + 2 * keys
        current.append(i)
        used += widths[i] + 2
    blocks.append(current)
    return blocks


def table(df: pd.DataFrame, float_format: Callable[[float], str] | None = None,
          width: int | None = None) -> str:
    """Rows as aligned text that no line of passes `width` (default WIDTH): when the columns
    do not fit, they continue in blocks below, each led by the row's first column(s) so a
    row stays readable, never with pandas' trailing backslashes. Numbers right-aligned.

    `float_format` (e.g. four decimals for task metrics) applies to columns whose values are
    fractions (|x| <= 1.5); larger quantities (qps, bytes, ms) are always `readable`."""
    if df.empty:
        return "(no rows)"
    width = width or WIDTH
    cols = _cells(df, float_format)
    widths = [max(map(len, c)) for c in cols]
    right = [_numeric(df, c) for c in df.columns]
    keys = 1
    while (keys < len(cols) - 1 and not right[keys]
           and sum(widths[:keys + 1]) + 2 * keys <= width // 3):
        keys += 1  # the leading text columns name the row: repeat them in every block
    if sum(widths) + 2 * (len(widths) - 1) <= width:
        keys = len(cols)
    lines: list[str] = []
    for block in _blocks(widths, min(keys, len(cols)), width):
        if lines:
            lines.append("")
        for r in range(len(cols[0])):
            parts = [cols[i][r].rjust(widths[i]) if right[i] else cols[i][r].ljust(widths[i])
                     for i in block]
            lines.append("  ".join(parts).rstrip())
    return "\n".join(lines)


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


def as_csv(df: pd.DataFrame) -> str:
    """`--format csv` output: every column, full values, one header line."""
    return df.to_csv(index=False).rstrip("\n")


def render(df: pd.DataFrame, fmt: str,
           float_format: Callable[[float], str] | None = None) -> str:
    """A table in the format a command's --format asks for: table, csv or json."""
    if fmt == "json":
        return as_json(df)
    return as_csv(df) if fmt == "csv" else table(df, float_format)


def wrap(text: str) -> str:
    """Free text (warnings, reasons) wrapped at WIDTH, continuation lines indented."""
    return "\n".join(textwrap.fill(line, WIDTH, subsequent_indent="    ",
                                   break_on_hyphens=False) for line in text.splitlines())
