"""The speed views, as ann-benchmarks draws them: queries/s (log) against knn_recall@10 on a
scale that spreads 0.9-0.999 (ANN view), and against the task metric (task view).

One line per index build (cell), its search settings sorted along the x axis; each backend
has a hue and its builds distinct shades of it; the backend's own Pareto frontier is a thick
pale line in its hue. When the run has more than one distance, the marker says which.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from harness.analysis.frontier import pareto_mask
from harness.report.data import dim_label, params_text
from harness.report.plots import style as S
from harness.report.plots.hover import Tips, row_title
from harness.report.plots.style import MAX_PANELS, Plot

RECALL = "knn_recall@10"
WIDTH = 12.0  # inches: two panels wide enough for the recall ticks near 1


# The recall axis spreads the range that matters (0.9-0.999) like ann-benchmarks' logit-like
# scale: x = -log10(1 + EPS - recall), so 0.9, 0.99 and 0.999 are one decade apart and recall
# 1.0 (which a logit scale cannot draw) sits half a decade beyond 0.999.
RECALL_EPS = 10**-3.5
RECALL_TICKS = (0.0, 0.5, 0.8, 0.9, 0.95, 0.99, 0.999, 1.0)
RECALL_SCALE_NOTE = "scale -log10(1.0003 - recall): 0.9, 0.99, 0.999 equally spaced"


def _recall_fwd(r):
    r = np.clip(np.asarray(r, dtype=float), -1.0, 1 + RECALL_EPS * 0.999)
    return -np.log10(1 + RECALL_EPS - r)


def _recall_inv(t):
    return 1 + RECALL_EPS - 10 ** (-np.asarray(t, dtype=float))


def recall_axis(ax, values: np.ndarray) -> None:
    """The x axis of a recall (knn_recall@k) in the spread-near-1 scale above."""
    from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

    ax.set_xscale("function", functions=(_recall_fwd, _recall_inv))
    v = values[np.isfinite(values)]
    low = float(v.min()) if v.size else 0.0
    ticks = [t for t in RECALL_TICKS if t >= low - 0.1] or list(RECALL_TICKS)
    ax.xaxis.set_major_locator(FixedLocator(ticks))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x:g}"))


def shades(base: str, n: int) -> list[str]:
    """n distinguishable shades of one hue (darker to lighter): the builds of one backend."""
    from matplotlib.colors import to_hex, to_rgb

    rgb = np.array(to_rgb(base))
    if n == 1:
        return [base]
    out = []
    for t in np.linspace(-0.45, 0.5, n):  # < 0: towards black, > 0: towards white
        mix = rgb * (1 + t) if t < 0 else rgb + (1 - rgb) * t
        out.append(to_hex(np.clip(mix, 0, 1)))
    return out


def build_labels(ok: pd.DataFrame) -> pd.Series:
    """Per row, its index build in words, with the precision, dim and corpus size only when
    they vary within a dataset x model: 'faiss-hnsw M=8,efConstruction=40 · int8 · d=64 pca'."""
    params = ok.get("build_params", pd.Series("", ok.index)).map(params_text)
    out = ok["backend"].astype(str) + np.where(params != "", " " + params, "")
    extras = [ok["precision"].astype(str)] if "precision" in ok else []
    if "dim" in ok:
        extras.append(ok.apply(dim_label, axis=1))
    if "n_docs" in ok:  # a corpus-size axis: one line per build and N
        extras.append("N=" + pd.to_numeric(ok["n_docs"], errors="coerce").map(
            lambda n: f"{n:,.0f}" if pd.notna(n) else "?"))
    panel = [ok[c].astype(str) for c in ("dataset", "model") if c in ok]
    for values in extras:
        if values.groupby(panel).nunique().max() > 1 if panel else values.nunique() > 1:
            out = out + " · " + values
    return out


def build_colors(ok: pd.DataFrame, labels: pd.Series) -> tuple[dict[str, str], dict[str, str]]:
    """(build label -> colour, backend -> hue): a hue per backend, a shade per build."""
    hue = S.palette(sorted(set(ok["backend"].astype(str))))
    colors: dict[str, str] = {}
    for backend, base in hue.items():
        mine = sorted(set(labels[ok["backend"].astype(str) == backend]))
        colors.update(zip(mine, shades(base, len(mine)), strict=True))
    return colors, hue


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
    labels = [*colors, *marker, "a backend's own Pareto frontier"]
    legend_rows = -(-len(labels) // S.legend_columns(WIDTH, labels))
    fig, axes = S.figure(len(panels), 2 if recall else 1, width=WIDTH, row_h=4.4,
                         legend=legend_rows)
    tips, legend = Tips(), {}
    for r, (dataset, model) in enumerate(panels):
        sub = ok[(ok["dataset"] == dataset) & (ok["model"] == model)]
        task = main_metric.get(str(dataset))
        views = ([(recall, "ANN view")] if recall else []) + [(task, "task view")]
        for c, (xcol, view) in enumerate(views):
            ax = axes[r][c]
            if xcol is None or xcol not in sub or sub[xcol].isna().all():
                ax.set_axis_off()
                continue
            _panel(ax, sub, (xcol, [RECALL, task]), (colors, hue, marker), tips)
            ax.set_title(f"{dataset} · {model} — {view}", fontsize=10)
            if xcol == recall:
                ax.set_xlabel(f"{xcol} (exact top-10 found)\n{RECALL_SCALE_NOTE}")
            else:
                ax.set_xlabel(f"{xcol} (task metric, higher is better)")
            log = ax.get_yscale() == "log"
            ax.set_ylabel("queries/s" + (" (log scale)" if log else ""))
    legend.update({b: S.proxy(c, "o", "-") for b, c in colors.items()})
    legend.update({f"distance: {d}": S.proxy("0.35", m) for d, m in marker.items()})
    legend["a backend's own Pareto frontier"] = S.proxy("0.6", "none", "-")
    legend["a backend's own Pareto frontier"].set(linewidth=6, alpha=0.35)
    S.fig_legend(fig, legend)
    caption = (
        "Each point is one index build at one search setting (hover for its parameters and "
        "values); a thin line joins one build's search settings in order of knn_recall@10. "
        "The thick pale line in a backend's colour is its own Pareto frontier (no other point "
        "of that backend is both faster and better). Up and to the right is better."
    )
    if cut:
        caption += f" Only the first {MAX_PANELS} dataset x model pairs are shown."
    title = "Speed vs quality: " + ("ANN view and task view" if recall else "task view")
    return Plot("speed", title, caption, S.to_svg(fig, salt, tips))


def _panel(ax, sub: pd.DataFrame, cols: tuple[str, list], look: tuple, tips: Tips) -> None:
    """One panel: per build a line sorted by x with titled points; per backend its frontier."""
    xcol, shown = cols
    colors, hue, marker = look
    sub = sub.assign(_x=S.num(sub[xcol]), _y=S.num(sub["qps"])).dropna(subset=["_x", "_y"])
    # A build's line follows its search grid from fast to thorough: by recall where measured
    # (also in the task view, whose x need not rise with it), then by falling qps.
    sub = sub.assign(_r=S.num(sub[RECALL]) if RECALL in sub else sub["_x"], _q=-sub["_y"])
    order = ["_r", "_q"]
    for build, g in sub.groupby("_build", sort=True):
        for _, line in g.groupby("metric" if "metric" in g else "_build", sort=True):
            line = line.sort_values(order)
            ax.plot(line["_x"], line["_y"], color=colors[build], linewidth=1.1, zorder=3)
    values = [xcol, *[c for c in shown if c], "qps", "bytes_per_doc"]
    for _, p in sub.iterrows():
        m = marker.get(str(p.get("metric")), "o")
        tips.point(ax, p["_x"], p["_y"], row_title(p, values), color=colors[p["_build"]],
                   marker=m, markersize=5.5, markeredgecolor="white", markeredgewidth=0.5,
                   zorder=5)
    for backend, g in sub.groupby("backend", sort=True):
        front = g[pareto_mask(g.rename(columns={"_x": "x", "_y": "y"}), ["x", "y"], [])]
        front = front.sort_values("_x")
        ax.plot(front["_x"], front["_y"], color=hue[str(backend)], linewidth=6, alpha=0.25,
                solid_capstyle="round", zorder=2)
    if xcol == RECALL:
        recall_axis(ax, sub["_x"].to_numpy())
    S.plain_y(ax, S.spans_decades(sub["_y"].to_numpy(), 3))
    ax.grid(True, which="major", alpha=0.3)
