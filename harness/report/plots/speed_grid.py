"""The speed views when a figure has many index builds (ann-benchmarks' answer to 37 lines
in one panel): an overview with one line per backend, its own Pareto frontier, the other
settings as small faint points; below it a row of small panels, one per backend, each build
a line of its own. Every point keeps its hover title."""

from __future__ import annotations

import pandas as pd

from harness.report.plots import legends as L
from harness.report.plots.hover import Tips, row_title
from harness.report.plots.speed_parts import (
    RECALL,
    WIDTH,
    builds_panel,
    finish_axes,
    has_values,
    label_axes,
    own_front,
    views,
    xy,
)

SMALL_COLS = 4  # small multiples per row
OVERVIEW_H = 4.4  # inches
SMALL_H = 2.3  # inches: one row of small multiples, before its build keys
SMALL_TICKS = (0.0, 0.5, 0.9, 0.99, 0.999, 1.0)  # recall ticks that fit a small panel
KEY_LINE_H = 0.15  # inches: one line of a small panel's key of builds
OTHER = "other settings of the backend (faint)"
ON_FRONT = {"markersize": 5, "markeredgecolor": "white", "markeredgewidth": 0.5, "zorder": 5}
OFF_FRONT = {"markersize": 3, "alpha": 0.35, "markeredgewidth": 0, "zorder": 4}


def distance_keys(marker: dict) -> dict:
    return {f"distance: {d}": L.proxy("0.35", m) for d, m in marker.items()}


def frontier_panel(ax, sub: pd.DataFrame, cols: tuple[str, list], look: tuple,
                   tips: Tips) -> None:
    """Per backend its own frontier as one line (label 'frontier: NAME') through its Pareto
    points; its other points small and faint in the same colour; every point titled."""
    xcol, shown = cols
    _, hue, marker = look
    sub = xy(sub, xcol)
    values = [xcol, *[c for c in shown if c], "qps", "bytes_per_doc"]
    for backend, g in sub.groupby("backend", sort=True):
        color = hue[str(backend)]
        front = own_front(g)
        ax.plot(front["_x"], front["_y"], color=color, linewidth=1.8, zorder=3,
                label=f"frontier: {backend}")
        for i, p in g.iterrows():
            style = ON_FRONT if i in front.index else OFF_FRONT
            tips.point(ax, p["_x"], p["_y"], row_title(p, values), color=color,
                       marker=marker.get(str(p.get("metric")), "o"), **style)
    finish_axes(ax, sub, xcol)


def _small_rows(sub: pd.DataFrame) -> list[list[str]]:
    """The backends of one dataset x model, SMALL_COLS to a row."""
    names = sorted(set(sub["backend"].astype(str)))
    return [names[i:i + SMALL_COLS] for i in range(0, len(names), SMALL_COLS)]


def _row_height(sub: pd.DataFrame, row: list[str]) -> float:
    builds = max(sub.loc[sub["backend"].astype(str) == b, "_build"].nunique() for b in row)
    return SMALL_H + KEY_LINE_H * builds


def _build_key(ax, mine: pd.DataFrame, colors: dict, backend: str) -> None:
    """Below a small panel: its builds, named without the backend (the panel's title)."""
    builds = sorted(set(mine["_build"]))
    names = [b[len(backend):].strip(" ·") or backend for b in builds]
    ax.legend([L.proxy(colors[b], "o", "-") for b in builds], L.legend_labels(names, 44),
              loc="upper center", bbox_to_anchor=(0.5, -0.16), fontsize=7, frameon=False,
              handlelength=1.5, borderaxespad=0)


def small_multiples(sf, sub: pd.DataFrame, cols: tuple[str, list], look: tuple,
                    tips: Tips) -> None:
    """One small panel per backend on shared axes, each build its own line."""
    xcol, _ = cols
    colors, hue, _ = look
    if not has_values(sub, xcol):
        return
    rows = _small_rows(sub)
    axes = sf.subplots(len(rows), SMALL_COLS, squeeze=False, sharex=True, sharey=True,
                       height_ratios=[_row_height(sub, r) for r in rows])
    every = xy(sub, xcol)
    for r, row in enumerate(rows):
        for c in range(SMALL_COLS):
            ax = axes[r][c]
            if c >= len(row):
                ax.set_axis_off()
                continue
            mine = sub[sub["backend"].astype(str) == row[c]]
            builds_panel(ax, mine, cols, look, tips)
            ax.set_title(row[c], color=hue[row[c]], fontsize=9, fontweight="bold")
            ax.tick_params(labelsize=7.5, labelbottom=True)
            _build_key(ax, mine, colors, row[c])
    for ax in axes.flat:
        if ax.axison:
            finish_axes(ax, every, xcol, SMALL_TICKS)  # one scale for all the panels
    sf.supxlabel(f"{xcol} per build" + (" (same scale as above)" if xcol == RECALL else ""),
                 fontsize=9)
    sf.supylabel("queries/s", fontsize=9)


def _heights(ok: pd.DataFrame, panels: list[tuple]) -> list[float]:
    out = []
    for dataset, model in panels:
        sub = ok[(ok["dataset"] == dataset) & (ok["model"] == model)]
        out += [OVERVIEW_H, sum(_row_height(sub, r) for r in _small_rows(sub))]
    return out


def many_builds_figure(ok: pd.DataFrame, panels: list[tuple], metrics: tuple, look: tuple):
    """(figure, tips): per dataset x model the frontier overview, then the small multiples."""
    from matplotlib.figure import Figure

    recall, main_metric = metrics
    _, hue, marker = look
    legend = {b: L.proxy(c, "o", "-") for b, c in hue.items()}
    legend[OTHER] = L.proxy("0.6", "o")
    legend[OTHER].set(markersize=3, alpha=0.5)
    legend.update(distance_keys(marker))
    legend_rows = -(-len(legend) // L.legend_columns(WIDTH, list(legend)))
    heights = _heights(ok, panels)
    fig = Figure(figsize=(WIDTH, sum(heights) + 0.24 * legend_rows), layout="constrained")
    subfigs = fig.subfigures(len(heights), 1, height_ratios=heights, squeeze=False)[:, 0]
    tips = Tips()
    for r, (dataset, model) in enumerate(panels):
        sub = ok[(ok["dataset"] == dataset) & (ok["model"] == model)]
        task = main_metric.get(str(dataset))
        shown = views(recall, task)
        axes = subfigs[2 * r].subplots(1, len(shown), squeeze=False)[0]
        for ax, (xcol, view) in zip(axes, shown, strict=True):
            if not has_values(sub, xcol):
                ax.set_axis_off()
                continue
            frontier_panel(ax, sub, (xcol, [RECALL, task]), look, tips)
            label_axes(ax, xcol, f"{dataset} · {model} — {view}: each backend's frontier")
        small_multiples(subfigs[2 * r + 1], sub, (recall or task, [RECALL, task]), look, tips)
    L.fig_legend(fig, legend)
    return fig, tips
