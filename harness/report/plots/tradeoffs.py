"""The trade-off views: speed against quality, quality against memory per vector, and quality
against the number of dimensions kept (Matryoshka truncation)."""

from __future__ import annotations

import pandas as pd

from harness.report.plots import style as S
from harness.report.plots.style import MAX_PANELS, Plot


def speed_views(ok: pd.DataFrame, main_metric: dict[str, str], salt: str) -> Plot | None:
    """knn_recall@10 vs qps (ANN view) next to the task metric vs qps (task view)."""
    if ok.empty or "qps" not in ok:
        return None
    recall = "knn_recall@10" if "knn_recall@10" in ok else None
    panels, cut = S.groups(ok, ["dataset", "model"])
    ncols = 2 if recall else 1
    fig, axes = S.figure(len(panels), ncols)
    colors = S.palette(ok["backend"])
    markers = S.markers(ok["precision"])
    legend: dict = {}
    for r, (dataset, model) in enumerate(panels):
        sub = ok[(ok["dataset"] == dataset) & (ok["model"] == model)]
        task = main_metric.get(str(dataset))
        views = ([(recall, "ANN view")] if recall else []) + [(task, "task view")]
        for c, (xcol, view) in enumerate(views):
            ax = axes[r][c]
            if xcol is None or xcol not in sub:
                ax.set_axis_off()
                continue
            legend.update(_speed_panel(ax, sub, xcol, colors, markers))
            ax.set_title(f"{dataset} · {model} — {view}", fontsize=10)
            unit = "fraction of exact top-10 found" if xcol == recall else "higher is better"
            ax.set_xlabel(f"{xcol} ({unit})")
            ax.set_ylabel(
                "throughput (queries/s, log scale)"
                if ax.get_yscale() == "log"
                else "throughput (queries/s)"
            )
    caption = (
        "Each point is one configuration at one search setting; lines join the search grid of "
        "one index build. Up and to the right is better; the dashed line is the Pareto "
        "frontier (no other point is both faster and better)."
    )
    if cut:
        caption += f" Only the first {MAX_PANELS} dataset x model pairs are shown."
    S.fig_legend(fig, legend)
    title = "Speed vs quality: " + ("ANN view and task view" if recall else "task view")
    return Plot("speed", title, caption, S.to_svg(fig, salt))


def _speed_panel(ax, sub: pd.DataFrame, xcol: str, colors: dict, markers: dict) -> dict:
    keys = ["backend", "build_params", "dim", "precision", "metric"]
    keys = [k for k in keys if k in sub]
    x_all, y_all = S.num(sub[xcol]), S.num(sub["qps"])
    for key, g in sub.groupby(keys, sort=True, dropna=False):
        kd = dict(zip(keys, key, strict=True))
        # Along the speed/quality trade-off of the search grid: fastest setting first.
        g = g.assign(_x=S.num(g[xcol]), _y=S.num(g["qps"])).sort_values("_y", ascending=False)
        color = colors[str(kd["backend"])]
        ax.plot(
            g["_x"],
            g["_y"],
            color=color,
            marker=markers[str(kd.get("precision"))],
            markersize=6,
            linewidth=1.2,
            alpha=0.9,
            zorder=3,
        )
        if len(sub) <= S.ANNOTATE_MAX:
            for _, p in g.iterrows():
                ax.annotate(
                    f"{S.dim_text(p.get('dim'))} {p.get('metric', '')}",
                    (p["_x"], p["_y"]),
                    textcoords="offset points",
                    xytext=(5, 4),
                    fontsize=7,
                    color="0.25",
                )
    S.frontier(ax, x_all, y_all, x_max=True, y_max=True, label=True)
    S.plain_y(ax, S.spans_decades(y_all, 3))
    ax.grid(True, which="major", alpha=0.3)
    return S.key_handles(sub, "backend", colors, "precision", markers)


def compression_view(ok: pd.DataFrame, main_metric: dict[str, str], salt: str) -> Plot | None:
    """Task metric vs bytes per vector across dims x precisions, one panel per dataset."""
    need = {"bytes_per_vector", "dim", "precision", "model"}
    if ok.empty or not need <= set(ok.columns):
        return None
    datasets = list(dict.fromkeys(ok["dataset"]))[:MAX_PANELS]
    fig, axes = S.figure(len(datasets), 1, width=8.5, row_h=3.8)
    colors = S.palette(ok["model"])
    markers = S.markers(ok["precision"])
    legend: dict = {}
    drawn = False
    for r, dataset in enumerate(datasets):
        ax = axes[r][0]
        handles = _compression_panel(
            ax,
            ok[ok["dataset"] == dataset],
            dataset,
            main_metric.get(str(dataset)),
            colors,
            markers,
        )
        if handles is None:
            ax.set_axis_off()
            continue
        legend.update(handles)
        drawn = True
    if not drawn:
        return None
    S.fig_legend(fig, legend)
    caption = (
        "Each point is the best configuration (over distances and indexes) of one model at one "
        "dim and precision. Up and to the left is better; the dashed line is the Pareto "
        "frontier of quality against bytes per vector."
    )
    return Plot(
        "compression", "Compression: task metric vs bytes per vector", caption, S.to_svg(fig, salt)
    )


def _compression_panel(
    ax, sub: pd.DataFrame, dataset, metric: str | None, colors: dict, markers: dict
) -> dict | None:
    """One dataset's quality-vs-bytes panel; its legend entries, or None when nothing to draw."""
    if metric is None or metric not in sub:
        return None
    best = S.best_per(sub, ["model", "dim", "precision"], metric)
    if best.empty:
        return None
    best = best.assign(_b=S.num(best["bytes_per_vector"]))
    for (model, precision), g in best.groupby(["model", "precision"], sort=True):
        g = g.sort_values("_b")
        ax.plot(
            g["_b"],
            g["_m"],
            color=colors[str(model)],
            marker=markers[str(precision)],
            linewidth=1.2,
            markersize=6,
            zorder=3,
        )
        for _, p in g.iterrows():
            ax.annotate(
                S.dim_text(p["dim"]),
                (p["_b"], p["_m"]),
                textcoords="offset points",
                xytext=(4, 4),
                fontsize=7,
                color="0.25",
            )
    S.frontier(
        ax, best["_b"].to_numpy(), best["_m"].to_numpy(), x_max=False, y_max=True, label=True
    )
    if S.spans_decades(best["_b"].to_numpy(), 2):
        S.log2_axis(ax, best["_b"].to_numpy())
    ax.grid(True, alpha=0.3)
    ax.set_xlabel("bytes per vector (log scale; smaller is cheaper)")
    ax.set_ylabel(f"{metric} (higher is better)")
    ax.set_title(f"{dataset} — compression: quality vs memory per vector", fontsize=10)
    return S.key_handles(best, "model", colors, "precision", markers)


def matryoshka_view(ok: pd.DataFrame, main_metric: dict[str, str], salt: str) -> Plot | None:
    """Task metric vs dim per model (one line per precision): truncation curves."""
    if ok.empty or "dim" not in ok:
        return None
    dims = ok.assign(_d=S.num(ok["dim"])).groupby(["dataset", "model"])["_d"].nunique()
    pairs = [k for k, n in dims.items() if n >= 2][:MAX_PANELS]
    if not pairs:
        return None
    ncols = 2 if len(pairs) > 1 else 1
    nrows = (len(pairs) + ncols - 1) // ncols
    fig, axes = S.figure(nrows, ncols, width=11.0 if ncols > 1 else 7.0, row_h=3.4)
    markers = S.markers(ok["precision"])
    colors = S.palette(ok["precision"])
    for i, (dataset, model) in enumerate(pairs):
        ax = axes[i // ncols][i % ncols]
        metric = main_metric.get(str(dataset))
        sub = ok[(ok["dataset"] == dataset) & (ok["model"] == model)]
        if metric is None or metric not in sub:
            ax.set_axis_off()
            continue
        best = S.best_per(sub, ["dim", "precision"], metric).assign(_d=lambda f: S.num(f["dim"]))
        handles = {}
        for precision, g in best.groupby("precision", sort=True):
            g = g.sort_values("_d")
            ax.plot(
                g["_d"],
                g["_m"],
                marker=markers[str(precision)],
                color=colors[str(precision)],
                linewidth=1.5,
                markersize=6,
            )
            handles[f"precision: {precision}"] = S.proxy(
                colors[str(precision)], markers[str(precision)], "-"
            )
        d = best["_d"].dropna()
        if S.spans_decades(d.to_numpy(), 2):
            S.log2_axis(ax, d.to_numpy())
        ax.grid(True, alpha=0.3)
        ax.set_xlabel("dimensions kept (first d of the vector)")
        ax.set_ylabel(f"{metric} (higher is better)")
        ax.set_title(f"{dataset} · {model} — Matryoshka curve", fontsize=10)
        S.legend(ax, handles)
    for j in range(len(pairs), nrows * ncols):
        axes[j // ncols][j % ncols].set_axis_off()
    caption = (
        "Task metric when the vectors are truncated to their first d dimensions, one line per "
        "precision (best over distances and indexes at each point)."
    )
    return Plot("matryoshka", "Matryoshka curves: task metric vs dim", caption, S.to_svg(fig, salt))
