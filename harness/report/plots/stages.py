"""The views of where cost and quality go: index build time and size, the information-loss
funnel as a waterfall, and a leaderboard's quality against throughput."""

from __future__ import annotations

import numpy as np
import pandas as pd

from harness.analysis.funnel import STAGES
from harness.report.data import params_text
from harness.report.plots import legends as L
from harness.report.plots import style as S
from harness.report.plots.hover import Tips, row_title
from harness.report.plots.style import MAX_PANELS, Plot


def build_view(ok: pd.DataFrame, salt: str) -> Plot | None:
    """Build time and index size per backend (one point per index build, coloured by model)."""
    have = [c for c in ("build_s", "index_bytes") if c in ok]
    if ok.empty or not have or "backend" not in ok:
        return None
    cells = ok.drop_duplicates("cell_id") if "cell_id" in ok else ok
    datasets = list(dict.fromkeys(cells["dataset"]))[:MAX_PANELS]
    fig, axes = S.figure(len(datasets), len(have), row_h=3.2)
    colors = S.palette(cells["model"])
    backends = sorted(set(cells["backend"].astype(str)))
    rng = np.random.default_rng(0)
    legend: dict = {}
    tips = Tips()
    for r, dataset in enumerate(datasets):
        sub = cells[cells["dataset"] == dataset]
        for c, col in enumerate(have):
            _build_panel(axes[r][c], sub, col, (backends, colors, rng), tips)
            ax = axes[r][c]
            if col == "build_s":
                ax.set_title(f"{dataset} — index build time", fontsize=10)
            else:
                ax.set_title(f"{dataset} — serialized index size", fontsize=10)
            handles = {
                f"model: {m}": L.proxy(colors[m], "o")
                for m in colors
                if m in set(sub["model"].astype(str))
            }
            handles["median"] = L.proxy("black", "none", "-")
            legend.update(handles)
    L.fig_legend(fig, legend)
    caption = "One point per index build (cell); the black bar is the median per backend."
    title = "Build time and index size per backend"
    return Plot("build", title, caption, S.to_svg(fig, salt, tips))


def _build_panel(ax, sub: pd.DataFrame, col: str, look: tuple, tips: Tips) -> None:
    """One dataset's build time or index size: jittered points per backend and their median."""
    backends, colors, rng = look
    pos = {b: i for i, b in enumerate(backends)}
    vals = S.num(sub[col])
    if col == "index_bytes":
        unit, scale = ("MiB", 2**20) if np.nanmax(vals) >= 2**20 else ("KiB", 2**10)
    else:
        unit, scale = ("s", 1.0) if np.nanmax(vals) >= 1 else ("ms", 1e-3)
    vals = vals / scale
    x = np.array([pos[str(b)] for b in sub["backend"]], dtype=float)
    x = x + rng.uniform(-0.15, 0.15, size=x.size)
    for xi, v, (_, row) in zip(x, vals, sub.iterrows(), strict=True):
        title = row_title(row, ["build_s", "index_bytes", "bytes_per_doc"])
        tips.point(ax, xi, v, title, color=colors[str(row["model"])], marker="o",
                   markersize=6, alpha=0.85, markeredgecolor="white", markeredgewidth=0.5,
                   zorder=3)
    medians = pd.Series(vals).groupby(sub["backend"].astype(str).to_numpy()).median()
    for b, v in medians.items():
        ax.hlines(v, pos[b] - 0.3, pos[b] + 0.3, color="black", linewidth=1.5, zorder=4)
    ax.set_xticks(range(len(backends)))
    ax.set_xticklabels(backends, rotation=30 if len(backends) > 4 else 0,
                       ha="right" if len(backends) > 4 else "center")
    ax.set_xlim(-0.6, len(backends) - 0.4)
    log = S.spans_decades(vals, 10)
    S.plain_y(ax, log)
    ax.grid(True, axis="y", alpha=0.3)
    ax.set_xlabel("index backend")
    scale_note = ", log scale" if log else ""
    what = "build time" if col == "build_s" else "index size"
    ax.set_ylabel(f"{what} ({unit}{scale_note})")


def funnel_view(funnel: pd.DataFrame, salt: str) -> Plot | None:
    """Waterfall of the information-loss funnel for the best configuration per dataset x model."""
    need = {"ideal", "observed", *STAGES}
    if funnel is None or funnel.empty or not need <= set(funnel.columns):
        return None
    # Per dataset x model: its best configuration and its worst (the most to learn from).
    best = S.best_per(funnel, ["dataset", "model"], "observed")
    worst = S.best_per(funnel.assign(_neg=-S.num(funnel["observed"])), ["dataset", "model"], "_neg")
    best = pd.concat([best, worst[~worst.index.isin(best.index)]]).sort_values(
        ["dataset", "model", "observed"], ascending=[True, True, False]
    )
    best = best.head(MAX_PANELS)
    if best.empty:
        return None
    ncols = 2 if len(best) > 1 else 1
    nrows = (len(best) + ncols - 1) // ncols
    fig, axes = S.figure(nrows, ncols, row_h=3.4, legend=1)
    for i, (_, row) in enumerate(best.iterrows()):
        _waterfall(axes[i // ncols][i % ncols], row)
    for j in range(len(best), nrows * ncols):
        axes[j // ncols][j % ncols].set_axis_off()
    # one key above the panels: inside a panel it covered the observed bar when that is high
    L.fig_legend(fig, {"loss": L.proxy("#d62728", "s"), "gain": L.proxy("#2ca02c", "s"),
                       "level (ideal, observed)": L.proxy("#4c72b0", "s")})
    caption = (
        "Where task quality is lost along the pipeline (the analysis funnel), for the best and "
        "the worst configuration of each dataset x model: red bars are losses, green bars gains."
    )
    return Plot("funnel", "Information-loss funnel (waterfall)", caption, S.to_svg(fig, salt))


def _waterfall(ax, row: pd.Series) -> None:
    """One configuration's funnel: ideal, a bar per stage (red loss, green gain), observed."""
    names = ["ideal", *[s.replace("_loss", "") for s in STAGES], "observed"]
    level = float(row["ideal"])
    ax.bar(0, level, color="#4c72b0", width=0.6)
    for j, stage in enumerate(STAGES, start=1):
        loss = float(row[stage]) if np.isfinite(row[stage]) else 0.0
        new = level - loss
        ax.bar(j, new - level, bottom=level, width=0.6, color="#d62728" if loss > 0 else "#2ca02c")
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
        f"{row['dataset']} · {row['model']} {S.dim_text(row.get('dim'))} "
        f"{row.get('precision', '')} {row.get('metric', '')} {row.get('backend', '')}"
    )
    params = params_text(row.get("search_params"))
    ax.set_title(label + (f" ({params})" if params else ""), fontsize=9)
    ax.grid(True, axis="y", alpha=0.3)


def leaderboard_view(board: pd.DataFrame, metric: str, salt: str, title: str) -> Plot | None:
    """One dataset's leaderboard: task metric vs qps, colour = model, marker = backend."""
    if board.empty or "qps" not in board or metric not in board:
        return None
    fig, axes = S.figure(1, 1, width=8.5, row_h=4.2)
    ax = axes[0][0]
    colors = S.palette(board["model"])
    markers = S.markers(board["backend"])
    x, y = S.num(board[metric]), S.num(board["qps"])
    tips = Tips()
    for pos, (_, r) in enumerate(board.iterrows()):
        title = f"rank {r.get('rank', '')}: " + row_title(r, [metric, "qps", "bytes_per_doc"])
        tips.point(ax, x[pos], y[pos], title, color=colors[str(r["model"])],
                   marker=markers[str(r["backend"])], markersize=7, zorder=3)
        if len(board) <= 25:
            ax.annotate(
                str(r.get("rank", "")),
                (x[pos], y[pos]),
                textcoords="offset points",
                xytext=(5, 4),
                fontsize=7,
                color="0.25",
            )
    S.frontier(ax, x, y, x_max=True, y_max=True, label=True, tips=tips)
    S.plain_y(ax, S.spans_decades(y, 3))
    ax.grid(True, alpha=0.3)
    ax.set_xlabel(f"{metric} (higher is better)")
    ax.set_ylabel("throughput (queries/s)")
    ax.set_title(title, fontsize=10)
    handles = {f"model: {m}": L.proxy(c, "o") for m, c in colors.items()}
    handles.update({f"backend: {b}": L.proxy("0.35", mk) for b, mk in markers.items()})
    handles["Pareto frontier"] = L.proxy("black", "none", "--")
    L.legend(ax, handles)
    caption = (
        "Each point is one leaderboard entry (numbers are ranks); up and to the right is "
        "better. Throughput from different machines is not comparable (see flags)."
    )
    return Plot("leaderboard", "Quality vs throughput", caption, S.to_svg(fig, salt, tips))
