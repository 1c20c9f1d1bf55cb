"""The pieces both speed figures share: the spread recall axis, build labels and colours
(a hue per backend, a shade per build), a backend's own Pareto frontier, and the panel that
draws one line per index build (speed.py: few builds; speed_grid.py: many builds)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from harness.analysis.frontier import pareto_mask
from harness.report.data import dim_label, params_text
from harness.report.plots import style as S
from harness.report.plots.hover import Tips, row_title

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


def recall_axis(ax, values: np.ndarray, ticks: tuple = RECALL_TICKS) -> None:
    """The x axis of a recall (knn_recall@k) in the spread-near-1 scale above (`ticks`: a
    sparser set for small panels)."""
    from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

    ax.set_xscale("function", functions=(_recall_fwd, _recall_inv))
    v = values[np.isfinite(values)]
    low = float(v.min()) if v.size else 0.0
    shown = [t for t in ticks if t >= low - 0.1] or list(ticks)
    ax.xaxis.set_major_locator(FixedLocator(shown))
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


def xy(sub: pd.DataFrame, xcol: str) -> pd.DataFrame:
    """The rows with a number on both axes: _x (xcol), _y (qps)."""
    return sub.assign(_x=S.num(sub[xcol]), _y=S.num(sub["qps"])).dropna(subset=["_x", "_y"])


def own_front(g: pd.DataFrame) -> pd.DataFrame:
    """One backend's Pareto points (higher _x and _y), sorted along x: its own frontier."""
    front = g[pareto_mask(g.rename(columns={"_x": "x", "_y": "y"}), ["x", "y"], [])]
    return front.sort_values("_x")


def finish_axes(ax, sub: pd.DataFrame, xcol: str, ticks: tuple = RECALL_TICKS) -> None:
    """The recall scale on a recall axis, qps plain or log, a light grid."""
    if xcol == RECALL:
        recall_axis(ax, sub["_x"].to_numpy(), ticks)
    S.plain_y(ax, S.spans_decades(sub["_y"].to_numpy(), 3))
    ax.grid(True, which="major", alpha=0.3)


def builds_panel(ax, sub: pd.DataFrame, cols: tuple[str, list], look: tuple, tips: Tips) -> None:
    """One panel: per build a line sorted by x with titled points; per backend its frontier."""
    xcol, shown = cols
    colors, hue, marker = look
    sub = xy(sub, xcol)
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
        front = own_front(g)
        ax.plot(front["_x"], front["_y"], color=hue[str(backend)], linewidth=6, alpha=0.25,
                solid_capstyle="round", zorder=2)
    finish_axes(ax, sub, xcol)


def views(recall: str | None, task: str | None) -> list[tuple[str | None, str]]:
    """The x columns of the panels of one dataset x model: ANN view (when any recall < 1),
    task view."""
    return ([(recall, "ANN view")] if recall else []) + [(task, "task view")]


def label_axes(ax, xcol: str, title: str) -> None:
    """Panel title, the x axis in words (the recall scale named), queries/s (log or not)."""
    ax.set_title(title, fontsize=10)
    if xcol == RECALL:
        ax.set_xlabel(f"{xcol} (exact top-10 found)\n{RECALL_SCALE_NOTE}")
    else:
        ax.set_xlabel(f"{xcol} (task metric, higher is better)")
    log = ax.get_yscale() == "log"
    ax.set_ylabel("queries/s" + (" (log scale)" if log else ""))


def has_values(sub: pd.DataFrame, xcol: str | None) -> bool:
    return xcol is not None and xcol in sub and not sub[xcol].isna().all()
