"""The speed views, as ann-benchmarks draws them: queries/s (log) against knn_recall@10 on a
scale that spreads 0.9-0.999 (ANN view), and against the task metric (task view).

Up to MANY_BUILDS index builds per dataset x model: one line per build (cell), its search
settings sorted along the x axis; each backend has a hue and its builds distinct shades of
it; the backend's own Pareto frontier is a thick pale line in its hue. More builds of more
than one backend (speed_grid.py): the overview draws only each backend's own frontier, and a
row of small panels, one per backend, keeps each build's line. When the run has more than
one distance, the marker says which.
"""

from __future__ import annotations

import pandas as pd

from harness.report.plots import legends as L
from harness.report.plots import speed_grid
from harness.report.plots import style as S
from harness.report.plots.hover import Tips
from harness.report.plots.speed_parts import (
    RECALL,
    WIDTH,
    build_colors,
    build_labels,
    builds_panel,
    has_values,
    label_axes,
    recall_axis,
    views,
)
from harness.report.plots.style import MAX_PANELS, Plot

__all__ = ["MANY_BUILDS", "build_labels", "recall_axis", "speed_views"]

MANY_BUILDS = 8  # more builds in one dataset x model: frontier overview + small multiples
FRONTIER = "a backend's own Pareto frontier"

FEW_CAPTION = (
    "Each point is one index build at one search setting (hover for its parameters and "
    "values); a thin line joins one build's search settings in order of knn_recall@10. "
    "The thick pale line in a backend's colour is its own Pareto frontier (no other point "
    "of that backend is both faster and better). Up and to the right is better."
)
MANY_CAPTION = (
    "Top: one line per backend, its own Pareto frontier (no other point of that backend is "
    "both faster and better); the backend's other settings are the small faint points. "
    "Below: one small panel per backend on shared axes, each index build a line of its own "
    "(shades of the backend's colour) joining its search settings in order of knn_recall@10, "
    "the frontier a thick pale line. Hover any point for its parameters and values. Up and "
    "to the right is better."
)


def speed_views(ok: pd.DataFrame, main_metric: dict[str, str], salt: str) -> Plot | None:
    """knn_recall@10 vs qps (ANN view) next to the task metric vs qps (task view)."""
    if ok.empty or "qps" not in ok:
        return None
    ok = ok.assign(_build=build_labels(ok))
    if ok.groupby(["dataset", "model"]).size().max() < 2:
        return None  # one point per panel (e.g. exact search only): nothing to trade off
    # exact search everywhere (recall 1) leaves the ANN view nothing to show
    recall = RECALL if RECALL in ok and (S.num(ok[RECALL]) < 1).any() else None
    panels, cut = S.groups(ok, ["dataset", "model"])
    colors, hue = build_colors(ok, ok["_build"])
    distances = sorted(set(ok["metric"].astype(str))) if "metric" in ok else []
    marker = S.markers(distances) if len(distances) > 1 else {}
    many = _crowded(ok)
    draw = speed_grid.many_builds_figure if many else few_builds_figure
    fig, tips = draw(ok, panels, (recall, main_metric), (colors, hue, marker))
    caption = MANY_CAPTION if many else FEW_CAPTION
    if cut:
        caption += f" Only the first {MAX_PANELS} dataset x model pairs are shown."
    title = "Speed vs quality: " + ("ANN view and task view" if recall else "task view")
    return Plot("speed", title, caption, S.to_svg(fig, salt, tips))


def _crowded(ok: pd.DataFrame) -> bool:
    """Some dataset x model has more than MANY_BUILDS builds of more than one backend (one
    backend's builds gain nothing from a panel per backend: its panel would be the overview)."""
    per = ok.groupby(["dataset", "model"]).agg(builds=("_build", "nunique"),
                                               backends=("backend", "nunique"))
    return bool(((per["builds"] > MANY_BUILDS) & (per["backends"] > 1)).any())


def few_builds_figure(ok: pd.DataFrame, panels: list[tuple], metrics: tuple, look: tuple):
    """(figure, tips): per dataset x model the two views, one line per build."""
    recall, main_metric = metrics
    colors, _, marker = look
    labels = [*colors, *marker, FRONTIER]
    legend_rows = -(-len(labels) // L.legend_columns(WIDTH, labels))
    fig, axes = S.figure(len(panels), 2 if recall else 1, width=WIDTH, row_h=4.4,
                         legend=legend_rows)
    tips = Tips()
    for r, (dataset, model) in enumerate(panels):
        sub = ok[(ok["dataset"] == dataset) & (ok["model"] == model)]
        task = main_metric.get(str(dataset))
        for c, (xcol, view) in enumerate(views(recall, task)):
            ax = axes[r][c]
            if not has_values(sub, xcol):
                ax.set_axis_off()
                continue
            builds_panel(ax, sub, (xcol, [RECALL, task]), look, tips)
            label_axes(ax, xcol, f"{dataset} · {model} — {view}")
    legend = {b: L.proxy(c, "o", "-") for b, c in colors.items()}
    legend.update(speed_grid.distance_keys(marker))
    legend[FRONTIER] = L.proxy("0.6", "none", "-")
    legend[FRONTIER].set(linewidth=6, alpha=0.35)
    L.fig_legend(fig, legend)
    return fig, tips
