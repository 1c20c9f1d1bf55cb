"""Self-contained HTML pieces: the page shell (inline CSS and JS), tables, number formats.

Every piece of text that comes from data (dataset texts, ids, names, parameters, errors) goes
through `esc`, so markup in a dataset is shown as text. Pages carry a Content-Security-Policy
that forbids any network access: the file works offline from the file system.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd

from harness.metrics.columns import is_task_metric
from harness.store.row import better

CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
    "img-src data:; font-src data:"
)


def esc(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _template(name: str) -> str:
    return resources.files("harness.report").joinpath("templates", name).read_text("utf-8")


def page(title: str, body: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(title)}</title>\n<style>\n{_template('report.css')}</style>\n</head>\n"
        f"<body>\n<main>\n{body}\n</main>\n<script>\n{_template('report.js')}</script>\n"
        "</body>\n</html>\n"
    )


def is_missing(v: Any) -> bool:
    if v is None:
        return True
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def when(iso: Any) -> str | None:
    """'2024-05-01T12:34:56.789+00:00' -> '2024-05-01 12:34:56 UTC'."""
    if not iso:
        return None
    try:
        t = pd.Timestamp(str(iso))
    except (ValueError, TypeError):
        return str(iso)
    if t.tzinfo is not None:
        return t.tz_convert("UTC").strftime("%Y-%m-%d %H:%M:%S UTC")
    return t.strftime("%Y-%m-%d %H:%M:%S")


def fmt(col: str, v: Any) -> str:
    """Display text of one value, by column."""
    if is_missing(v):
        return ""
    if isinstance(v, bool | np.bool_):
        return "yes" if v else ""
    if not isinstance(v, int | float | np.integer | np.floating):
        return str(v)
    return _number(col, float(v))


def _number(col: str, x: float) -> str:
    """Display text of one number, by column."""
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    if col.endswith("_ratio"):
        return f"{x:.3f}"
    if col == "diff":
        return f"{x:+.4f}"
    if col in ("a", "b", "value", "ci_low", "ci_high"):
        return f"{x:.4f}"
    if col.startswith("usd_"):
        return usd(x)
    if col in ("qps", "qps_normalised", "batch_qps", "qps_min", "qps_max", "encode_docs_per_s"):
        return f"{x:,.0f}"
    if col in ("bytes_per_doc", "rescore_bytes_per_doc") and x >= 100:
        return f"{x:,.0f}"  # a tenth of a byte beside hundreds is noise (272.2 vs 128)
    if col in ("dim", "n_docs", "n_queries", "k", "bytes_per_doc", "code_bytes_per_vector",
               "rescore_bytes_per_doc", "index_bytes", "index_fixed_bytes", "rank"):
        return f"{x:,.0f}" if x == int(x) else f"{x:,.1f}"
    if is_task_metric(col) or col.startswith("knn_recall@") or col.endswith("_loss"):
        return f"{x:.4f}"
    if col in ("p_value", "p_holm") or col.startswith("p_"):
        return f"{x:.2g}" if x < 0.001 else f"{x:.3f}"
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    return f"{x:.3g}"


def usd(x: float) -> str:
    """Dollars as a reader quotes them: '$1,234', '$12.35', '$0.69', two significant digits
    below a cent ('$0.0010') and '<$0.0001' below that, never '$1.48e-06'. The CSV tables keep
    the exact figure, and sorting uses it."""
    if x == 0:
        return "$0"
    sign, x = ("-" if x < 0 else ""), abs(x)
    if x < 0.0001:
        return f"{sign}<$0.0001"
    if x < 0.01:
        return f"{sign}${x:#.2g}"
    return f"{sign}${x:,.0f}" if x >= 1000 else f"{sign}${x:,.2f}"


@dataclass(frozen=True)
class Col:
    """One table column: the frame column, its header, and optional CI lookup."""

    key: str
    header: str | None = None
    ci: Callable[[int], tuple[float, float] | None] | None = None  # row position -> (lo, hi)
    wrap: bool = False
    highlight: bool = True


def table(
    frame: pd.DataFrame,
    cols: Sequence[Col],
    *,
    table_id: str,
    filter_box: bool = True,
    row_class: Callable[[pd.Series], str] | None = None,
    caption: str | None = None,
) -> str:
    """A sortable, filterable table; the best value of each numeric column is highlighted."""
    cols = [c for c in cols if c.key in frame.columns]
    best = _best_rows(frame, cols)
    out = []
    if caption:
        out.append(f'<p class="small">{caption}</p>')
    if filter_box:
        out.append(
            f'<div class="tablebar"><input class="filter" type="search" data-table="{table_id}" '
            f'placeholder="filter rows (space-separated words)" aria-label="filter rows">'
            f'<span class="count" id="{table_id}-count">{len(frame)} rows</span></div>'
        )
    out.append(f'<div class="scroll"><table class="sortable" id="{table_id}"><thead><tr>')
    for c in cols:
        numeric = pd.api.types.is_numeric_dtype(frame[c.key])
        out.append(f'<th class="{"num" if numeric else ""}">{esc(c.header or c.key)}</th>')
    out.append("</tr></thead><tbody>")
    for pos, (_, row) in enumerate(frame.iterrows()):
        cls = row_class(row) if row_class else ""
        out.append(f'<tr class="{esc(cls)}">' if cls else "<tr>")
        out.extend(_cell(c, row[c.key], pos, pos in best.get(c.key, ())) for c in cols)
        out.append("</tr>")
    out.append("</tbody></table></div>")
    return "".join(out)


def _best_rows(frame: pd.DataFrame, cols: Sequence[Col]) -> dict[str, set[int]]:
    """Per column to highlight: the row positions holding its best value (none when every
    value is the same, or fewer than two are numbers)."""
    best: dict[str, set[int]] = {}
    for c in cols:
        sign = better(c.key)
        if not sign or not c.highlight:
            continue
        vals = pd.to_numeric(frame[c.key], errors="coerce").to_numpy(float)
        finite = np.isfinite(vals)
        if finite.sum() < 2:
            continue
        target = np.nanmax(vals) if sign > 0 else np.nanmin(vals)
        if np.all(vals[finite] == target):
            continue
        best[c.key] = set(np.flatnonzero(finite & (vals == target)).tolist())
    return best


def _cell(c: Col, v: Any, pos: int, is_best: bool) -> str:
    """One <td>: the formatted value, its sort key, and the CI half-width when known."""
    numeric = isinstance(v, int | float | np.integer | np.floating) and not isinstance(
        v, bool | np.bool_
    )
    classes = []
    if numeric:
        classes.append("num")
    if is_best:
        classes.append("best")
    if c.wrap:
        classes.append("wrap")
    attrs = f' class="{" ".join(classes)}"' if classes else ""
    if numeric and not is_missing(v):
        attrs += f' data-v="{float(v)!r}"'
    text = esc(fmt(c.key, v))
    ci = c.ci(pos) if c.ci else None
    if ci is not None and not is_missing(v) and all(map(math.isfinite, ci)):
        lo, hi = ci
        text += (
            f'<span class="ci" title="95% bootstrap CI [{lo:.4f}, {hi:.4f}]">'
            f"±{(hi - lo) / 2:.3f}</span>"
        )
    return f"<td{attrs}>{text}</td>"


def notice(kind: str, text_html: str) -> str:
    return f'<div class="notice {kind}">{text_html}</div>'


def meta_block(items: Sequence[tuple[str, Sequence[tuple[str, Any]]]]) -> str:
    """Boxes of definition lists: [(box title, [(term, value), ...]), ...]."""
    out = ['<div class="meta">']
    for title, pairs in items:
        out.append(f"<dl><dt><b>{esc(title)}</b></dt><dd></dd>")
        for term, value in pairs:
            if is_missing(value) or value == "":
                continue
            out.append(f"<dt>{esc(term)}</dt><dd>{esc(value)}</dd>")
        out.append("</dl>")
    out.append("</div>")
    return "".join(out)


def figure(svg: str, title: str, caption: str, anchor: str) -> str:
    return (
        f'<figure id="{esc(anchor)}"><h3>{esc(title)}</h3>{svg}'
        f"<figcaption>{esc(caption)}</figcaption></figure>"
    )
