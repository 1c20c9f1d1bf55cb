"""The trade-off views: quality against the code size per vector, and quality against the number of
dimensions kept. Truncation (the first d components, Matryoshka) and PCA (the top d principal
components) are different operations: they are kept apart everywhere, never one best-of."""

from __future__ import annotations

import pandas as pd

from harness.report.data import dim_family
from harness.report.plots import legends as L
from harness.report.plots import style as S
from harness.report.plots.hover import Tips, row_title
from harness.report.plots.style import MAX_PANELS, Plot

# How each way of reaching a dim is drawn: PCA hollow markers on a dotted line.
DIM_LOOK = {
    "truncation": {"linestyle": "-", "fill": True},
    "native": {"linestyle": "-", "fill": True},
    "pca": {"linestyle": ":", "fill": False},
}


def with_family(rows: pd.DataFrame) -> pd.DataFrame:
    """rows with `_dm`: 'truncation', 'pca' or 'native' (see data.dim_family)."""
    dm = rows["dim_method"] if "dim_method" in rows else pd.Series(None, index=rows.index)
    return rows.assign(_dm=dm.map(dim_family))


def _look(family: str, color: str, marker: str) -> dict:
    look = DIM_LOOK.get(family, DIM_LOOK["truncation"])
    face = color if look["fill"] else "white"
    return {"color": color, "marker": marker, "markerfacecolor": face,
            "markeredgecolor": color, "linestyle": look["linestyle"]}


def method_handles(families) -> dict:
    """Legend entries saying how a dim was reached (only for the ways present)."""
    out = {}
    if "truncation" in families:
        out["dim by truncation (first d; filled, solid)"] = L.proxy("0.35", "o", "-")
    if "pca" in families:
        h = L.proxy("0.35", "o", ":")
        h.set(markerfacecolor="white")
        out["dim by PCA (top d components; hollow, dotted)"] = h
    return out


def compression_view(ok: pd.DataFrame, main_metric: dict[str, str], salt: str) -> Plot | None:
    """Task metric vs the precision's code bytes per vector across dims x precisions, one
    panel per dataset (the code size a native index of that precision stores; exact search
    of float16/int8 holds float32, which its bytes_per_doc says)."""
    need = {"code_bytes_per_vector", "dim", "precision", "model"}
    if ok.empty or not need <= set(ok.columns):
        return None
    ok = with_family(ok)
    datasets = list(dict.fromkeys(ok["dataset"]))[:MAX_PANELS]
    fig, axes = S.figure(len(datasets), 1, width=8.5, row_h=3.8)
    look = (S.palette(ok["model"]), S.markers(ok["precision"]))
    tips, legend, drawn = Tips(), {}, False
    for r, dataset in enumerate(datasets):
        ax = axes[r][0]
        sub = ok[ok["dataset"] == dataset]
        handles = _compression_panel(ax, sub, (dataset, main_metric.get(str(dataset))), look, tips)
        if handles is None:
            ax.set_axis_off()
            continue
        legend.update(handles)
        drawn = True
    if not drawn:
        return None
    L.fig_legend(fig, legend)
    caption = (
        "Each point is the best configuration (over distances and indexes) of one model at one "
        "dim, precision and way of reaching the dim (truncation filled, PCA hollow). Up and to "
        "the left is better; the dashed line is the Pareto frontier of quality against the "
        "precision's code bytes per vector (an index storing that precision natively; the "
        "results table's bytes/doc is what each run's index held). Hover a point for its "
        "configuration."
    )
    title = "Compression: task metric vs code bytes per vector"
    return Plot("compression", title, caption, S.to_svg(fig, salt, tips))


def _compression_panel(ax, sub: pd.DataFrame, what: tuple, look: tuple, tips: Tips
                       ) -> dict | None:
    """One dataset's quality-vs-bytes panel; its legend entries, or None when nothing to draw."""
    (dataset, metric), (colors, markers) = what, look
    if metric is None or metric not in sub:
        return None
    best = S.best_per(sub, ["model", "dim", "_dm", "precision"], metric)
    if best.empty:
        return None
    best = best.assign(_b=S.num(best["code_bytes_per_vector"]))
    if best["_b"].nunique() < 2:  # one memory size: nothing to trade off
        return None
    # a label per point only when the dims differ ('d=128' on every point says nothing twice)
    # and the panel is sparse enough to read them (compression suite: 60 points, labels piled)
    one_dim = best[["dim", "_dm"]].astype(str).drop_duplicates().shape[0] == 1
    labelled = not one_dim and len(best) <= 2 * S.ANNOTATE_MAX
    for (model, precision, family), g in best.groupby(["model", "precision", "_dm"], sort=True):
        style = _look(str(family), colors[str(model)], markers[str(precision)])
        g = g.sort_values("_b")
        ax.plot(g["_b"], g["_m"], linewidth=1.2, zorder=3, **{**style, "marker": "none"})
        for _, p in g.iterrows():
            title = row_title(p, [metric, "code_bytes_per_vector", "qps"])
            tips.point(ax, p["_b"], p["_m"], title, markersize=6, zorder=4, **style)
            if labelled:
                ax.annotate(S.dim_text(p["dim"]) + (" pca" if family == "pca" else ""),
                            (p["_b"], p["_m"]), textcoords="offset points", xytext=(4, 4),
                            fontsize=7, color="0.25")
    S.frontier(ax, best["_b"].to_numpy(), best["_m"].to_numpy(), x_max=False, y_max=True,
               label=True, tips=tips)
    log = S.spans_decades(best["_b"].to_numpy(), 2)
    if log:
        S.log2_axis(ax, best["_b"].to_numpy())
    ax.grid(True, alpha=0.3)
    scale = " (log scale" if log else " ("
    ax.set_xlabel("code bytes per vector" + scale + "; smaller is cheaper)")
    ax.set_ylabel(f"{metric} (higher is better)")
    every = f", all at {S.dim_text(best['dim'].iloc[0])}" if one_dim else ""
    ax.set_title(f"{dataset} — compression: quality vs code size per vector{every}", fontsize=10)
    handles = L.key_handles(best, "model", colors, "precision", markers)
    return {**handles, **method_handles(set(best["_dm"]))}


def matryoshka_pairs(ok: pd.DataFrame) -> list[tuple]:
    """(dataset, model) pairs with two or more dims (any way of reaching them)."""
    ok = with_family(ok).assign(_d=S.num(ok["dim"]))
    n = ok.groupby(["dataset", "model"])[["_d", "_dm"]].apply(
        lambda g: len(g.drop_duplicates()))
    return [k for k, v in n.items() if v >= 2][:MAX_PANELS]


def matryoshka_view(ok: pd.DataFrame, main_metric: dict[str, str], salt: str) -> Plot | None:
    """Task metric vs dim per model: a line per precision and way of reaching the dim
    (truncation, PCA), each ending at the native dim."""
    if ok.empty or "dim" not in ok:
        return None
    pairs = matryoshka_pairs(ok)
    if not pairs:
        return None
    ok = with_family(ok)
    ncols = 2 if len(pairs) > 1 else 1
    nrows = (len(pairs) + ncols - 1) // ncols
    fig, axes = S.figure(nrows, ncols, width=11.0 if ncols > 1 else 7.5, row_h=3.6)
    look = (S.palette(ok["precision"]), S.markers(ok["precision"]))
    tips = Tips()
    for i, (dataset, model) in enumerate(pairs):
        ax = axes[i // ncols][i % ncols]
        metric = main_metric.get(str(dataset))
        sub = ok[(ok["dataset"] == dataset) & (ok["model"] == model)]
        if metric is None or metric not in sub:
            ax.set_axis_off()
            continue
        _dims_panel(ax, sub, metric, look, tips)
        ax.set_title(f"{dataset} · {model} — quality vs dims kept", fontsize=10)
    for j in range(len(pairs), nrows * ncols):
        axes[j // ncols][j % ncols].set_axis_off()
    caption = (
        "Task metric when the vectors are reduced to d dimensions: truncation keeps the first "
        "d (Matryoshka; solid, filled), PCA projects on the corpus's top d principal components "
        "(dotted, hollow). One line per precision and method, best over distances and indexes "
        "at each point; every line ends at the model's native dim."
    )
    title = "Dimensions: task metric vs dim (truncation and PCA)"
    return Plot("matryoshka", title, caption, S.to_svg(fig, salt, tips))


def dim_curves(sub: pd.DataFrame, metric: str) -> dict[tuple[str, str], pd.DataFrame]:
    """(precision, 'truncation' | 'pca') -> its best rows per dim, sorted by dim, the native
    row(s) appended to each (where both methods meet)."""
    best = S.best_per(sub, ["dim", "_dm", "precision"], metric).assign(_d=lambda f: S.num(f["dim"]))
    out = {}
    for precision, g in best.groupby("precision", sort=True):
        native = g[g["_dm"] == "native"]
        for family in ("truncation", "pca"):
            mine = g[g["_dm"] == family]
            if not mine.empty:
                out[(str(precision), family)] = pd.concat([mine, native]).sort_values("_d")
        if native.shape[0] and not any(k[0] == str(precision) for k in out):
            out[(str(precision), "native")] = native.sort_values("_d")
    return out


def _dims_panel(ax, sub: pd.DataFrame, metric: str, look: tuple, tips: Tips) -> None:
    colors, markers = look
    handles, dims = {}, []
    for (precision, family), g in dim_curves(sub, metric).items():
        style = _look(family, colors[precision], markers[precision])
        ax.plot(g["_d"], g["_m"], linewidth=1.5, **{**style, "marker": "none"})
        for _, p in g.iterrows():
            own = _look(str(p["_dm"]), colors[precision], markers[precision])
            tips.point(ax, p["_d"], p["_m"], row_title(p, [metric, "bytes_per_doc", "qps"]),
                       markersize=6, **own)
        name = {"pca": "PCA", "truncation": "truncation"}.get(family, family)
        handles[f"{precision} · {name}"] = L.proxy(style["color"], style["marker"],
                                                   style["linestyle"])
        handles[f"{precision} · {name}"].set(markerfacecolor=style["markerfacecolor"])
        dims += list(g["_d"])
    d = pd.Series(dims, dtype=float).dropna().to_numpy()
    if S.spans_decades(d, 2):
        S.log2_axis(ax, d)
    ax.grid(True, alpha=0.3)
    ax.set_xlabel("dimensions kept (d)")
    ax.set_ylabel(f"{metric} (higher is better)")
    L.legend(ax, handles)
