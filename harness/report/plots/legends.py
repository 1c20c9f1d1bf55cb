"""Legends of the report's figures: proxy handles, a figure-wide legend above the panels whose
columns fit the figure's width, and labels cut in the middle when they are too long."""

from __future__ import annotations

import pandas as pd


def legend(ax, handles_labels: dict, title: str | None = None):
    if not handles_labels:
        return
    ax.legend(
        list(handles_labels.values()),
        list(handles_labels.keys()),
        fontsize=8,
        title=title,
        title_fontsize=8,
        loc="best",
        framealpha=0.85,
    )


def legend_columns(width: float, labels: list[str], max_cols: int = 6) -> int:
    """As many columns as fit the figure's width in inches (9-pt labels, ~0.075 in a
    character), so a narrow figure wraps its legend onto more rows instead of cutting it off.
    Each column is as wide as its own longest label (matplotlib fills column by column), so
    one long label does not force every other entry into a single column."""

    labels = legend_labels(labels)

    def fits(ncols: int) -> bool:
        rows = -(-len(labels) // ncols)
        cols = [labels[i:i + rows] for i in range(0, len(labels), rows)]
        return sum(0.6 + 0.075 * max(len(x) for x in col) for col in cols) <= width

    for ncols in range(min(len(labels), max_cols), 1, -1):
        if fits(ncols):
            return ncols
    return 1


def legend_labels(labels: list[str], limit: int = 61) -> list[str]:
    """Labels as the legend shows them: one longer than `limit` characters keeps its head and
    its tail (where the precision and the last parameters are) around a '…', unless that makes
    two labels alike; the full text is on each point's hover."""
    half = (limit - 1) // 2
    short = [x if len(x) <= limit else f"{x[:half]}…{x[-half:]}" for x in labels]
    return [s if short.count(s) == 1 else x for s, x in zip(short, labels, strict=True)]


def fig_legend(fig, handles_labels: dict) -> None:
    """One legend for the whole figure, above the panels (colours are shared by all panels)."""
    if not handles_labels:
        return
    fig.legend(
        list(handles_labels.values()),
        legend_labels(list(handles_labels.keys())),
        loc="outside upper center",
        ncols=legend_columns(fig.get_figwidth(), list(handles_labels)),
        fontsize=9,
        frameon=False,
    )


def proxy(color="0.3", marker="o", linestyle="none", label=""):
    from matplotlib.lines import Line2D

    return Line2D([], [], color=color, marker=marker, linestyle=linestyle, label=label)


def key_handles(
    rows: pd.DataFrame, color_by: str, colors: dict, marker_by: str, marker_of: dict
) -> dict:
    """Legend entries for the values present in rows: a coloured line per `color_by` value, a
    grey marker per `marker_by` value, then the Pareto frontier's dashed line."""
    shown_colors = set(rows[color_by].astype(str))
    shown_markers = set(rows[marker_by].astype(str))
    handles = {
        f"{color_by}: {v}": proxy(c, "o", "-") for v, c in colors.items() if v in shown_colors
    }
    handles.update(
        {f"{marker_by}: {v}": proxy("0.35", m) for v, m in marker_of.items() if v in shown_markers}
    )
    handles["Pareto frontier"] = proxy("black", "none", "--")
    return handles
