"""Figures for reports, rendered by matplotlib (no pyplot, no global state) to inline SVG.

One function per view; each takes the ok rows of a run (or of several runs) and returns a
Plot (title, caption, svg) or None when the data cannot make that view (for example the
Matryoshka curves need at least two dims of one model). Every plot has labelled axes with
units, a legend, log scales where the values span decades, and the Pareto frontier drawn as a
dashed black step line with its points ringed.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from harness.analysis.frontier import pareto_mask
from harness.report.data import params_text

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
]
STAGES = ("embedding_loss", "dimension_loss", "precision_loss", "metric_loss", "index_loss")


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


def _figure(rows: int, cols: int, *, width: float = 11.0, row_h: float = 3.4):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, max(2.6, row_h * rows)), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False)
    return fig, axes


_SVG_OPEN = re.compile(r"<svg\b[^>]*>", re.S)
_GROUP_ID = re.compile(r'id="([A-Za-z][A-Za-z0-9.]*_\d+)"')


def to_svg(fig, salt: str) -> str:
    """The figure as an inline <svg> element (text kept as text, ids unique per figure)."""
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
    return _GROUP_ID.sub(lambda m: f'id="{prefix}-{m.group(1)}"', text)


def _palette(values: Iterable) -> dict:
    uniq = list(dict.fromkeys(str(v) for v in values))
    return {v: PALETTE[i % len(PALETTE)] for i, v in enumerate(uniq)}


def _markers(values: Iterable) -> dict:
    uniq = list(dict.fromkeys(str(v) for v in values))
    return {v: MARKERS[i % len(MARKERS)] for i, v in enumerate(uniq)}


def _num(s: pd.Series) -> np.ndarray:
    return pd.to_numeric(s, errors="coerce").to_numpy(float)


def _spans_decades(values: np.ndarray, factor: float = 8.0) -> bool:
    v = values[np.isfinite(values) & (values > 0)]
    return v.size > 1 and v.max() / v.min() >= factor


def _frontier(ax, x: np.ndarray, y: np.ndarray, *, x_max: bool, y_max: bool, label: bool):
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
    ax.scatter(
        pts["x"],
        pts["y"],
        s=150,
        facecolors="none",
        edgecolors="black",
        linewidths=1.1,
        zorder=4,
    )


def _plain(x: float, _pos=None) -> str:
    """Tick text without scientific notation: 400,000  1.5  0.002."""
    if x == 0 or not np.isfinite(x):
        return "0"
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    return f"{x:.3g}"


def _plain_y(ax, log: bool) -> None:
    """A y axis with plain tick labels (log scale when asked)."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    if log:
        ax.set_yscale("log")
        ax.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
        ax.yaxis.set_minor_formatter(NullFormatter())
    ax.yaxis.set_major_formatter(FuncFormatter(_plain))


def _log2_axis(ax, values: np.ndarray) -> None:
    """Log-2 x axis labelled with the plain values (e.g. 32 64 128), not powers of two."""
    from matplotlib.ticker import FuncFormatter, NullFormatter

    ax.set_xscale("log", base=2)
    v = sorted({float(x) for x in values if np.isfinite(x) and x > 0})
    if len(v) <= 10:
        ax.set_xticks(v)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x:,.0f}" if x >= 1 else f"{x:g}"))
    ax.xaxis.set_minor_formatter(NullFormatter())


def _dim_text(v) -> str:
    try:
        return f"d={int(v)}"
    except (TypeError, ValueError):
        return "d=?"


def _legend(ax, handles_labels: dict, title: str | None = None):
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


def _legend_columns(fig, labels: list[str], max_cols: int = 6) -> int:
    """As many columns as fit the figure's width (9-pt labels, ~0.075 in a character), so a
    narrow one-panel figure wraps its legend onto more rows instead of cutting it off."""
    width = fig.get_figwidth()
    entry = 0.6 + 0.075 * max((len(x) for x in labels), default=1)
    return max(1, min(len(labels), max_cols, int(width // entry)))


def _fig_legend(fig, handles_labels: dict) -> None:
    """One legend for the whole figure, above the panels (colours are shared by all panels)."""
    if not handles_labels:
        return
    fig.legend(
        list(handles_labels.values()),
        list(handles_labels.keys()),
        loc="outside upper center",
        ncols=_legend_columns(fig, list(handles_labels)),
        fontsize=9,
        frameon=False,
    )


def _proxy(color="0.3", marker="o", linestyle="none", label=""):
    from matplotlib.lines import Line2D

    return Line2D([], [], color=color, marker=marker, linestyle=linestyle, label=label)


def _groups(df: pd.DataFrame, keys: list[str]) -> tuple[list[tuple], bool]:
    groups = [k for k, _ in df.groupby(keys, sort=True, dropna=False)]
    return groups[:MAX_PANELS], len(groups) > MAX_PANELS


def speed_views(ok: pd.DataFrame, main_metric: dict[str, str], salt: str) -> Plot | None:
    """knn_recall@10 vs qps (ANN view) next to the task metric vs qps (task view)."""
    if ok.empty or "qps" not in ok:
        return None
    recall = "knn_recall@10" if "knn_recall@10" in ok else None
    panels, cut = _groups(ok, ["dataset", "model"])
    ncols = 2 if recall else 1
    fig, axes = _figure(len(panels), ncols)
    colors = _palette(ok["backend"])
    markers = _markers(ok["precision"])
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
    _fig_legend(fig, legend)
    title = "Speed vs quality: " + ("ANN view and task view" if recall else "task view")
    return Plot("speed", title, caption, to_svg(fig, salt))


def _speed_panel(ax, sub: pd.DataFrame, xcol: str, colors: dict, markers: dict) -> dict:
    keys = ["backend", "build_params", "dim", "precision", "metric"]
    keys = [k for k in keys if k in sub]
    x_all, y_all = _num(sub[xcol]), _num(sub["qps"])
    for key, g in sub.groupby(keys, sort=True, dropna=False):
        kd = dict(zip(keys, key, strict=True))
        # Along the speed/quality trade-off of the search grid: fastest setting first.
        g = g.assign(_x=_num(g[xcol]), _y=_num(g["qps"])).sort_values("_y", ascending=False)
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
        if len(sub) <= ANNOTATE_MAX:
            for _, p in g.iterrows():
                ax.annotate(
                    f"{_dim_text(p.get('dim'))} {p.get('metric', '')}",
                    (p["_x"], p["_y"]),
                    textcoords="offset points",
                    xytext=(5, 4),
                    fontsize=7,
                    color="0.25",
                )
    _frontier(ax, x_all, y_all, x_max=True, y_max=True, label=True)
    _plain_y(ax, _spans_decades(y_all, 3))
    ax.grid(True, which="major", alpha=0.3)
    handles = {
        f"backend: {b}": _proxy(c, "o", "-")
        for b, c in colors.items()
        if b in set(sub["backend"].astype(str))
    }
    handles.update(
        {
            f"precision: {p}": _proxy("0.35", m)
            for p, m in markers.items()
            if p in set(sub["precision"].astype(str))
        }
    )
    handles["Pareto frontier"] = _proxy("black", "none", "--")
    return handles


def _best_per(sub: pd.DataFrame, keys: list[str], metric: str) -> pd.DataFrame:
    """The row with the highest metric per group of keys."""
    s = sub.assign(_m=_num(sub[metric])).dropna(subset=["_m"])
    if s.empty:
        return s
    idx = s.groupby(keys, sort=True, dropna=False)["_m"].idxmax()
    return s.loc[idx.to_numpy()]


def compression_view(ok: pd.DataFrame, main_metric: dict[str, str], salt: str) -> Plot | None:
    """Task metric vs bytes per vector across dims x precisions, one panel per dataset."""
    need = {"bytes_per_vector", "dim", "precision", "model"}
    if ok.empty or not need <= set(ok.columns):
        return None
    datasets = list(dict.fromkeys(ok["dataset"]))[:MAX_PANELS]
    fig, axes = _figure(len(datasets), 1, width=8.5, row_h=3.8)
    colors = _palette(ok["model"])
    markers = _markers(ok["precision"])
    legend: dict = {}
    drawn = False
    for r, dataset in enumerate(datasets):
        ax = axes[r][0]
        metric = main_metric.get(str(dataset))
        sub = ok[ok["dataset"] == dataset]
        if metric is None or metric not in sub:
            ax.set_axis_off()
            continue
        best = _best_per(sub, ["model", "dim", "precision"], metric)
        if best.empty:
            ax.set_axis_off()
            continue
        best = best.assign(_b=_num(best["bytes_per_vector"]))
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
                    _dim_text(p["dim"]),
                    (p["_b"], p["_m"]),
                    textcoords="offset points",
                    xytext=(4, 4),
                    fontsize=7,
                    color="0.25",
                )
        _frontier(
            ax, best["_b"].to_numpy(), best["_m"].to_numpy(), x_max=False, y_max=True, label=True
        )
        if _spans_decades(best["_b"].to_numpy(), 2):
            _log2_axis(ax, best["_b"].to_numpy())
        ax.grid(True, alpha=0.3)
        ax.set_xlabel("bytes per vector (log scale; smaller is cheaper)")
        ax.set_ylabel(f"{metric} (higher is better)")
        ax.set_title(f"{dataset} — compression: quality vs memory per vector", fontsize=10)
        handles = {
            f"model: {m}": _proxy(c, "o", "-")
            for m, c in colors.items()
            if m in set(best["model"].astype(str))
        }
        handles.update(
            {
                f"precision: {p}": _proxy("0.35", mk)
                for p, mk in markers.items()
                if p in set(best["precision"].astype(str))
            }
        )
        handles["Pareto frontier"] = _proxy("black", "none", "--")
        legend.update(handles)
        drawn = True
    if not drawn:
        return None
    _fig_legend(fig, legend)
    caption = (
        "Each point is the best configuration (over distances and indexes) of one model at one "
        "dim and precision. Up and to the left is better; the dashed line is the Pareto "
        "frontier of quality against bytes per vector."
    )
    return Plot(
        "compression", "Compression: task metric vs bytes per vector", caption, to_svg(fig, salt)
    )


def matryoshka_view(ok: pd.DataFrame, main_metric: dict[str, str], salt: str) -> Plot | None:
    """Task metric vs dim per model (one line per precision): truncation curves."""
    if ok.empty or "dim" not in ok:
        return None
    dims = ok.assign(_d=_num(ok["dim"])).groupby(["dataset", "model"])["_d"].nunique()
    pairs = [k for k, n in dims.items() if n >= 2][:MAX_PANELS]
    if not pairs:
        return None
    ncols = 2 if len(pairs) > 1 else 1
    nrows = (len(pairs) + ncols - 1) // ncols
    fig, axes = _figure(nrows, ncols, width=11.0 if ncols > 1 else 7.0, row_h=3.4)
    markers = _markers(ok["precision"])
    colors = _palette(ok["precision"])
    for i, (dataset, model) in enumerate(pairs):
        ax = axes[i // ncols][i % ncols]
        metric = main_metric.get(str(dataset))
        sub = ok[(ok["dataset"] == dataset) & (ok["model"] == model)]
        if metric is None or metric not in sub:
            ax.set_axis_off()
            continue
        best = _best_per(sub, ["dim", "precision"], metric).assign(_d=lambda f: _num(f["dim"]))
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
            handles[f"precision: {precision}"] = _proxy(
                colors[str(precision)], markers[str(precision)], "-"
            )
        d = best["_d"].dropna()
        if _spans_decades(d.to_numpy(), 2):
            _log2_axis(ax, d.to_numpy())
        ax.grid(True, alpha=0.3)
        ax.set_xlabel("dimensions kept (first d of the vector)")
        ax.set_ylabel(f"{metric} (higher is better)")
        ax.set_title(f"{dataset} · {model} — Matryoshka curve", fontsize=10)
        _legend(ax, handles)
    for j in range(len(pairs), nrows * ncols):
        axes[j // ncols][j % ncols].set_axis_off()
    caption = (
        "Task metric when the vectors are truncated to their first d dimensions, one line per "
        "precision (best over distances and indexes at each point)."
    )
    return Plot("matryoshka", "Matryoshka curves: task metric vs dim", caption, to_svg(fig, salt))


def build_view(ok: pd.DataFrame, salt: str) -> Plot | None:
    """Build time and index size per backend (one point per index build, coloured by model)."""
    have = [c for c in ("build_s", "index_bytes") if c in ok]
    if ok.empty or not have or "backend" not in ok:
        return None
    cells = ok.drop_duplicates("cell_id") if "cell_id" in ok else ok
    datasets = list(dict.fromkeys(cells["dataset"]))[:MAX_PANELS]
    fig, axes = _figure(len(datasets), len(have), row_h=3.2)
    colors = _palette(cells["model"])
    backends = sorted(set(cells["backend"].astype(str)))
    pos = {b: i for i, b in enumerate(backends)}
    rng = np.random.default_rng(0)
    legend: dict = {}
    for r, dataset in enumerate(datasets):
        sub = cells[cells["dataset"] == dataset]
        for c, col in enumerate(have):
            ax = axes[r][c]
            vals = _num(sub[col])
            if col == "index_bytes":
                unit, scale = ("MiB", 2**20) if np.nanmax(vals) >= 2**20 else ("KiB", 2**10)
            else:
                unit, scale = ("s", 1.0) if np.nanmax(vals) >= 1 else ("ms", 1e-3)
            vals = vals / scale
            x = np.array([pos[str(b)] for b in sub["backend"]], dtype=float)
            x = x + rng.uniform(-0.15, 0.15, size=x.size)
            ax.scatter(
                x,
                vals,
                c=[colors[str(m)] for m in sub["model"]],
                s=36,
                alpha=0.85,
                edgecolors="white",
                linewidths=0.5,
                zorder=3,
            )
            medians = pd.Series(vals).groupby(sub["backend"].astype(str).to_numpy()).median()
            for b, v in medians.items():
                ax.hlines(v, pos[b] - 0.3, pos[b] + 0.3, color="black", linewidth=1.5, zorder=4)
            ax.set_xticks(range(len(backends)))
            ax.set_xticklabels(backends)
            ax.set_xlim(-0.6, len(backends) - 0.4)
            log = _spans_decades(vals, 10)
            _plain_y(ax, log)
            ax.grid(True, axis="y", alpha=0.3)
            ax.set_xlabel("index backend")
            scale_note = ", log scale" if log else ""
            if col == "build_s":
                ax.set_ylabel(f"build time ({unit}{scale_note})")
                ax.set_title(f"{dataset} — index build time", fontsize=10)
            else:
                ax.set_ylabel(f"index size ({unit}{scale_note})")
                ax.set_title(f"{dataset} — serialized index size", fontsize=10)
            handles = {
                f"model: {m}": _proxy(colors[m], "o")
                for m in colors
                if m in set(sub["model"].astype(str))
            }
            handles["median"] = _proxy("black", "none", "-")
            legend.update(handles)
    _fig_legend(fig, legend)
    caption = "One point per index build (cell); the black bar is the median per backend."
    return Plot("build", "Build time and index size per backend", caption, to_svg(fig, salt))


def funnel_view(funnel: pd.DataFrame, salt: str) -> Plot | None:
    """Waterfall of the information-loss funnel for the best configuration per dataset x model."""
    need = {"ideal", "observed", *STAGES}
    if funnel is None or funnel.empty or not need <= set(funnel.columns):
        return None
    # Per dataset x model: its best configuration and its worst (the most to learn from).
    best = _best_per(funnel, ["dataset", "model"], "observed")
    worst = _best_per(funnel.assign(_neg=-_num(funnel["observed"])), ["dataset", "model"], "_neg")
    best = pd.concat([best, worst[~worst.index.isin(best.index)]]).sort_values(
        ["dataset", "model", "observed"], ascending=[True, True, False]
    )
    best = best.head(MAX_PANELS)
    if best.empty:
        return None
    ncols = 2 if len(best) > 1 else 1
    nrows = (len(best) + ncols - 1) // ncols
    fig, axes = _figure(nrows, ncols, row_h=3.4)
    names = ["ideal", *[s.replace("_loss", "") for s in STAGES], "observed"]
    for i, (_, row) in enumerate(best.iterrows()):
        ax = axes[i // ncols][i % ncols]
        level = float(row["ideal"])
        ax.bar(0, level, color="#4c72b0", width=0.6)
        for j, stage in enumerate(STAGES, start=1):
            loss = float(row[stage]) if np.isfinite(row[stage]) else 0.0
            new = level - loss
            ax.bar(
                j, new - level, bottom=level, width=0.6, color="#d62728" if loss > 0 else "#2ca02c"
            )
            ax.annotate(
                f"{-loss:+.3f}" if abs(loss) >= 5e-4 else "0",
                (j, max(level, new)),
                textcoords="offset points",
                xytext=(0, 3),
                ha="center",
                fontsize=7,
            )
            level = new
        ax.bar(len(STAGES) + 1, float(row["observed"]), color="#4c72b0", width=0.6)
        losses = [float(row[st]) if np.isfinite(row[st]) else 0.0 for st in STAGES]
        top = max(float(row["ideal"]), *(float(row["ideal"]) - np.cumsum(losses)), 1e-9)
        ax.set_ylim(0, top * 1.15)
        ax.set_xticks(range(len(names)))
        ax.set_xticklabels(names, rotation=30, ha="right", fontsize=8)
        metric = row.get("main_metric", "task metric")
        ax.set_ylabel(f"{metric} (higher is better)")
        label = (
            f"{row['dataset']} · {row['model']} {_dim_text(row.get('dim'))} "
            f"{row.get('precision', '')} {row.get('metric', '')} {row.get('backend', '')}"
        )
        params = params_text(row.get("search_params"))
        ax.set_title(label + (f" ({params})" if params else ""), fontsize=9)
        ax.grid(True, axis="y", alpha=0.3)
        ax.legend(
            [_proxy("#d62728", "s"), _proxy("#2ca02c", "s"), _proxy("#4c72b0", "s")],
            ["loss", "gain", "level"],
            fontsize=7,
            loc="upper right",
        )
    for j in range(len(best), nrows * ncols):
        axes[j // ncols][j % ncols].set_axis_off()
    caption = (
        "Where task quality is lost along the pipeline (the analysis funnel), for the best and "
        "the worst configuration of each dataset x model: red bars are losses, green bars gains."
    )
    return Plot("funnel", "Information-loss funnel (waterfall)", caption, to_svg(fig, salt))


def leaderboard_view(board: pd.DataFrame, metric: str, salt: str, title: str) -> Plot | None:
    """One dataset's leaderboard: task metric vs qps, colour = model, marker = backend."""
    if board.empty or "qps" not in board or metric not in board:
        return None
    fig, axes = _figure(1, 1, width=8.5, row_h=4.2)
    ax = axes[0][0]
    colors = _palette(board["model"])
    markers = _markers(board["backend"])
    x, y = _num(board[metric]), _num(board["qps"])
    for pos, (_, r) in enumerate(board.iterrows()):
        ax.scatter(
            x[pos],
            y[pos],
            color=colors[str(r["model"])],
            marker=markers[str(r["backend"])],
            s=50,
            zorder=3,
        )
        if len(board) <= 25:
            ax.annotate(
                str(r.get("rank", "")),
                (x[pos], y[pos]),
                textcoords="offset points",
                xytext=(5, 4),
                fontsize=7,
                color="0.25",
            )
    _frontier(ax, x, y, x_max=True, y_max=True, label=True)
    _plain_y(ax, _spans_decades(y, 3))
    ax.grid(True, alpha=0.3)
    ax.set_xlabel(f"{metric} (higher is better)")
    ax.set_ylabel("throughput (queries/s)")
    ax.set_title(title, fontsize=10)
    handles = {f"model: {m}": _proxy(c, "o") for m, c in colors.items()}
    handles.update({f"backend: {b}": _proxy("0.35", mk) for b, mk in markers.items()})
    handles["Pareto frontier"] = _proxy("black", "none", "--")
    _legend(ax, handles)
    caption = (
        "Each point is one leaderboard entry (numbers are ranks); up and to the right is "
        "better. Throughput from different machines is not comparable (see flags)."
    )
    return Plot("leaderboard", "Quality vs throughput", caption, to_svg(fig, salt))
