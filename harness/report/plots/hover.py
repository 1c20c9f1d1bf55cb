"""Hover details for plot marks: each point carries an SVG <title> (the browser's tooltip)
with its configuration and values, as ann-benchmarks' plots show the parameters on hover.

matplotlib writes an artist with a gid as `<g id="gid">...</g>`; `Tips.apply` inserts the
<title> as that group's first child and makes the id unique in the page.
"""

from __future__ import annotations

import html
import re
from typing import Any

import numpy as np
import pandas as pd

from harness.report.data import config_label

_TIP_GROUP = re.compile(r'<g id="(tip-\d+)">')


class Tips:
    """The titles of one figure's marks, by gid."""

    def __init__(self) -> None:
        self.titles: dict[str, str] = {}

    def mark(self, artist: Any, title: str) -> Any:
        gid = f"tip-{len(self.titles)}"
        artist.set_gid(gid)
        self.titles[gid] = title
        return artist

    def point(self, ax: Any, x: float, y: float, title: str, **style: Any) -> Any:
        """One marker at (x, y) with its own title (style: Line2D keywords)."""
        (line,) = ax.plot([x], [y], **{**style, "linestyle": "none"})
        return self.mark(line, title)

    def apply(self, svg: str, prefix: str) -> str:
        def sub(m: re.Match) -> str:
            gid = m.group(1)
            text = html.escape(self.titles.get(gid, ""), quote=False)
            return f'<g id="{prefix}-{gid}"><title>{text}</title>'

        return _TIP_GROUP.sub(sub, svg)


def _value(col: str, v: Any) -> str:
    x = pd.to_numeric(pd.Series([v]), errors="coerce").iloc[0]
    if not np.isfinite(x):
        return "n/a"
    if col in ("qps", "bytes_per_doc", "code_bytes_per_vector", "batch_qps"):
        return f"{x:,.0f}"
    return f"{x:.4f}" if abs(x) < 10 else f"{x:,.3g}"


UNITS = {"qps": " queries/s", "bytes_per_doc": " bytes/doc",
         "code_bytes_per_vector": " code bytes/vector"}


def row_title(row: pd.Series, columns: list[str]) -> str:
    """'synth | hash:64 | d=16 pca | float32 | cosine | faiss-hnsw(M=16;efSearch=64)' and, on
    a second line, the row's values of `columns` (those it has)."""
    values = [
        f"{_value(c, row.get(c))}{UNITS[c]}" if c in UNITS else f"{c} {_value(c, row.get(c))}"
        for c in dict.fromkeys(columns)
        if c in row
    ]
    return config_label(row, with_dataset=True) + "\n" + " · ".join(values)
