"""What every report figure shares: the figure itself, inline SVG, palette and markers, axes
with plain tick labels and the Pareto frontier (legends are in legends.py).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import pandas as pd

from harness.analysis.frontier import pareto_mask
from harness.report.plots.hover import Tips

MAX_PANELS = 12  # subplot rows per figure; more groups are cut (and the caption says so)
ANNOTATE_MAX = 10  # label points with their dim/distance when a panel has at most this many
MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*", "<", ">"]
PALETTE = [
    "#1f77b4",
    "#d62728",
    "#2ca02c",
    "#ff7f0e",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#17becf",
    "#7f7f7f",
    "#bcbd22",
    # beyond ten (e.g. 14 backends in the ann-sweep suite) hues unlike the ten above
    "#393b79",
    "#637939",
    "#222222",
    "#e6ab02",
    "#7b4173",
    "#843c39",
]


@dataclass(frozen=True)
class Plot:
    key: str
    title: str
    caption: str
    svg: str


def available() -> bool:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


@contextmanager
def literal_text() -> Iterator[None]:
    """Text in figures drawn as written: a '$' in a dataset or model name is not mathtext
    (an unbalanced one would otherwise fail the plot)."""
    import matplotlib

    with matplotlib.rc_context({"text.parse_math": False}):
        yield


def figure(rows: int, cols: int, *, width: float = 11.0, row_h: float = 3.4, legend: int = 0):
    """A figure of rows x cols panels; `legend` rows of a figure legend get their own height
    (a long legend must not squash the panels)."""
    from matplotlib.figure import Figure

    height = max(2.6, row_h * rows) + 0.24 * legend
    fig = Figure(figsize=(width, height), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False)
    return fig, axes


_SVG_OPEN = re.compile(r"<svg\b[^>]*>", re.S)
_GROUP_ID = re.compile(r'id="([A-Za-z][A-Za-z0-9.]*_\d+)"')


def to_svg(fig, salt: str, tips: Tips | None = None) -> str:
    """The figure as an inline <svg> element (text kept as text, ids unique per figure, the
    hover titles of `tips` in place)."""
    import matplotlib

    buf = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": salt}):
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    text = buf.getvalue()
    start = text.find("<svg")
    text = text[start:] if start >= 0 else text

    def _open(m: re.Match) -> str:
        tag = m.group(0)
        width = re.search(r'\swidth="([\d.]+)pt"', tag)
        tag = re.sub(r'\s(width|height)="[^"]*"', "", tag)
        # Natural size (pt -> CSS px) as the maximum; narrower windows scale it down.
        style = f' style="max-width: {float(width.group(1)) * 4 / 3:.0f}px"' if width else ""
        return tag.replace(
            "<svg", f'<svg class="plot" role="img" preserveAspectRatio="xMinYMin"{style}', 1
        )

    text = _SVG_OPEN.sub(_open, text, count=1)
    text = re.sub(r"<metadata>.*?</metadata>\s*", "", text, count=1, flags=re.S)
    # matplotlib numbers its element ids per figure (figure_1, axes_1, ...): make them unique
    # in a page holding several figures. Referenced ids (markers, clips) are hashed with salt.
    prefix = re.sub(r"[^A-Za-z0-9]+", "-", salt)
    text = _GROUP_ID.sub(lambda m: f'id="{prefix}-{m.group(1)}"', text)
    return tips.apply(text, prefix) if tips else text


def palette(values: Iterable) -> dict:
    uniq = list(dict.fromkeys(str(v) for v in values))
    return {v: PALETTE[i % len(PALETTE)] for i, v in enumerate(uniq)}


def markers(values: Iterable) -> dict:
    uniq = list(dict.fromkeys(str(v) for v in values))
    return {v: MARKERS[i % len(MARKERS)] for i, v in enumerate(uniq)}


def num(s: pd.Series) -> np.ndarray:
    return pd.to_numeric(s, errors="coerce").to_numpy(float)


def spans_decades(values: np.ndarray, factor: float = 8.0) -> bool:
    v = values[np.isfinite(values) & (values > 0)]
    return v.size > 1 and v.max() / v.min() >= factor


def frontier(ax, x: np.ndarray, y: np.ndarray, *, x_max: bool, y_max: bool, label: bool,
             tips: Tips | None = None):
    """Draw the Pareto frontier of the points (maximise or minimise each axis)."""
    df = pd.DataFrame({"x": x, "y": y})
    goals = (("x", x_max), ("y", y_max))
    mask = pareto_mask(df, [c for c, m in goals if m], [c for c, m in goals if not m])
    if not mask.any():
        return
    pts = df[mask].sort_values("x")
    ax.plot(
        pts["x"],
        pts["y"],
        linestyle="--",
        color="black",
        linewidth=1.3,
        zorder=1,
        label="Pareto frontier" if label else None,
    )
    rings = ax.scatter(
        pts["x"],
        pts["y"],
        s=150,
        facecolors="none",
        edgecolors="black",
        linewidths=1.1,
        zorder=4,
    )
    if tips is not None:
        tips.mark(rings, "Pareto frontier: no other point is better on both axes")


def _plain(x: float, _pos=None) -> str:
    """Tick text without scientific notation: 400,000  1.5  0.002."""
    if x == 0 or not np.isfinite(x):
        return "0"
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    return f"{x:.3g}"


def plain_y(ax, log: bool) -> None:
    """A y axis with plain tick labels (log scale when asked)."""
    from matplotlib.ticker import FuncFormatter

    if log:
        ax.set_yscale("log")
        plain_log(ax.yaxis)
    ax.yaxis.set_major_formatter(FuncFormatter(_plain))


def plain_log(axis) -> None:
    """A log axis (ax.xaxis, ax.yaxis) ticked 1-2-5 a decade with plain labels ('20,000'): the
    default '$\\mathdefault{10^{4}}$' is printed as written under literal_text()."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    lo, hi = sorted(axis.get_view_interval())
    wide = hi / max(lo, 1e-300) > 2000  # 1-2-5 ticks over many decades would collide
    axis.set_major_locator(LogLocator(base=10, subs=(1.0,) if wide else (1.0, 2.0, 5.0)))
    axis.set_minor_formatter(NullFormatter())
    axis.set_major_formatter(FuncFormatter(_plain))


def log2_axis(ax, values: np.ndarray) -> None:
    """Log-2 x axis labelled with the plain values (e.g. 32 64 128), not powers of two."""
    from matplotlib.ticker import FuncFormatter, NullFormatter

    ax.set_xscale("log", base=2)
    v = sorted({float(x) for x in values if np.isfinite(x) and x > 0})
    if len(v) <= 10:
        ax.set_xticks(v)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x:,.0f}" if x >= 1 else f"{x:g}"))
    ax.xaxis.set_minor_formatter(NullFormatter())


def dim_text(v) -> str:
    try:
        return f"d={int(v)}"
    except (TypeError, ValueError):
        return "d=?"












def groups(df: pd.DataFrame, keys: list[str]) -> tuple[list[tuple], bool]:
    groups = [k for k, _ in df.groupby(keys, sort=True, dropna=False)]
    return groups[:MAX_PANELS], len(groups) > MAX_PANELS


def best_per(sub: pd.DataFrame, keys: list[str], metric: str) -> pd.DataFrame:
    """The row with the highest metric per group of keys."""
    s = sub.assign(_m=num(sub[metric])).dropna(subset=["_m"])
    if s.empty:
        return s
    idx = s.groupby(keys, sort=True, dropna=False)["_m"].idxmax()
    return s.loc[idx.to_numpy()]
