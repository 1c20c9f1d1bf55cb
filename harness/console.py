"""Tables for the terminal (at most 100 columns wide) and the same data as JSON for scripts."""

from __future__ import annotations

import json
import textwrap
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
