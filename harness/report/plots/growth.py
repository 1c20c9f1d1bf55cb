"""Growth with the corpus: each fitted quantity against the corpus size N, on log axes.

One figure per dataset, one panel per quantity of analysis.scaling's table (build time,
index bytes, queries/s, the main task metric, knn_recall@10). A solid line with titled points
joins one configuration's measurements; a dashed line continues its fitted law to the
suite's `extrapolate_to`, where a hollow marker (its title names the model, the exponent's
interval and the prediction interval) stands for the extrapolation. Costs use log-log axes;
qualities a log N axis and a linear one for the metric, which stays within [0, 1].
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from harness.report.data import params_text
from harness.report.plots import legends as L
from harness.report.plots import style as S
from harness.report.plots.hover import Tips, row_title
from harness.report.plots.speed_parts import shades
from harness.report.plots.style import Plot

COLS = 3
LABELS = {"build_s": "build time (s)", "index_bytes": "index size (bytes)",
          "qps": "queries/s, single thread"}
COSTS = tuple(LABELS)


def config_of(row: pd.Series, per_build: bool) -> str:
    """'faiss-hnsw M=16 · efSearch=64': the configuration a growth line follows."""
    text = " ".join(x for x in (str(row["backend"]), params_text(row.get("build_params")))
                    if x)
    search = "" if per_build else params_text(row.get("search_params"))
    return text + (f" · {search}" if search else "")


def _colors(table: pd.DataFrame) -> dict[str, str]:
    """A hue per backend, a shade per configuration of it."""
    hue = S.palette(sorted(set(table["backend"].astype(str))))
    out: dict[str, str] = {}
    for backend, base in hue.items():
        sub = table[table["backend"].astype(str) == backend]
        names = sorted(set(sub["_config"]))
        out.update(zip(names, shades(base, len(names)), strict=True))
    return out


def _fit_title(fit: pd.Series) -> str:
    lo, hi = fit.get("exponent_low"), fit.get("exponent_high")
    interval = f" [{lo:.3f}, {hi:.3f}]" if np.isfinite(lo) and np.isfinite(hi) else ""
    head = (f"EXTRAPOLATION to N = {int(fit['target_n']):,} from the model {fit['law']}, "
            f"fitted on N = {int(fit['n_min']):,} to {int(fit['n_max']):,} ({int(fit['sizes'])} "
            f"sizes)\nexponent b = {fit['exponent']:.3f}{interval} (95%)")
    low, high = fit.get("at_target_low"), fit.get("at_target_high")
    band = f" [{low:.4g}, {high:.4g}] (95% prediction)" if np.isfinite(low) else ""
    at = f"{fit['quantity']} at N = {int(fit['target_n']):,}: {fit['at_target']:.4g}"
    return f"{head}\n{at}{band}"


def _panel(ax, rows: pd.DataFrame, fits: pd.DataFrame, colors: dict, tips: Tips) -> None:
    quantity = str(fits["quantity"].iloc[0])
    for _, fit in fits.iterrows():
        per_build = pd.isna(fit.get("search_params"))
        mine = rows[(rows["_build"] == fit["_build"])]
        if not per_build:
            mine = mine[mine["search_params"] == fit["search_params"]]
        mine = mine.drop_duplicates("n_docs").sort_values("n_docs")
        color = colors[fit["_config"]]
        ax.plot(mine["n_docs"], S.num(mine[quantity]), color=color, linewidth=1.2, zorder=3)
        for _, p in mine.iterrows():
            tips.point(ax, p["n_docs"], float(p[quantity]),
                       row_title(p, [quantity]) + f" · N {int(p['n_docs']):,}",
                       color=color, marker="o", markersize=5, markeredgecolor="white",
                       markeredgewidth=0.5, zorder=5)
        if "target_n" in fit and np.isfinite(fit.get("target_n", np.nan)):
            _law(ax, fit, color, tips)
    _axes(ax, rows["n_docs"], fits, log_y=quantity in COSTS)
    ax.set_title(LABELS.get(quantity, f"{quantity} (its loss 1 - {quantity} fitted)"),
                 fontsize=10)
    ax.set_xlabel("documents in the corpus, N (log)")
    ax.grid(True, which="major", alpha=0.3)


def compact(x: float, _pos=None) -> str:
    """Tick text for values over decades: 10k, 1.5M, 2G, 33,500T, 0.003."""
    if x == 0 or not np.isfinite(x):
        return "0"
    for unit, scale in (("T", 1e12), ("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if abs(x) >= scale * 0.9995:  # 999.6 rounds to 1k, not 1e+03
            return f"{x / scale:,.0f}{unit}" if abs(x) >= 1000 * scale else f"{x / scale:.3g}{unit}"
    return f"{x:.3g}"


def _axes(ax, n_docs: pd.Series, fits: pd.DataFrame, *, log_y: bool) -> None:
    """Log N axis ticked at the measured sizes and the target; log y for costs."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter, NullLocator

    ax.set_xscale("log")
    ticks = sorted({*S.num(n_docs), *S.num(fits.get("target_n", pd.Series(dtype=float)))})
    ax.set_xticks([t for t in ticks if np.isfinite(t)])
    ax.xaxis.set_major_formatter(FuncFormatter(compact))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.tick_params(axis="x", labelsize=8)
    if log_y:
        ax.set_yscale("log")
        ax.yaxis.set_major_locator(LogLocator(base=10))
        ax.yaxis.set_minor_formatter(NullFormatter())
        ax.yaxis.set_major_formatter(FuncFormatter(compact))


def _law(ax, fit: pd.Series, color: str, tips: Tips) -> None:
    """The fitted law from the smallest measured N to the target, and the extrapolated point."""
    n = np.geomspace(float(fit["n_min"]), float(fit["target_n"]), 40)
    y = fit["a"] * n ** fit["exponent"]
    if str(fit["law"]).startswith("1 - "):
        y = np.maximum(0.0, 1 - y)
    ax.plot(n, y, color=color, linewidth=1.0, linestyle="--", alpha=0.7, zorder=2)
    tips.point(ax, float(fit["target_n"]), float(fit["at_target"]), _fit_title(fit),
               color=color, marker="D", markersize=6, markerfacecolor="white",
               markeredgewidth=1.4, zorder=6)


def growth_views(ok: pd.DataFrame, table: pd.DataFrame, salt: str) -> dict[str, Plot]:
    """dataset -> its figure of the growth table (none when nothing was fitted)."""
    if table.empty or ok.empty or "quantity" not in table:
        return {}
    table = table.assign(
        _build=[config_of(r, True) for _, r in table.iterrows()],
        _config=[config_of(r, pd.isna(r.get("search_params"))) for _, r in table.iterrows()])
    ok = ok.assign(_build=[config_of(r, True) for _, r in ok.iterrows()])
    colors = _colors(table)
    out: dict[str, Plot] = {}
    for dataset, fits in table.groupby("dataset", sort=True):
        quantities = list(dict.fromkeys(fits["quantity"]))
        rows = -(-len(quantities) // COLS)
        fig, axes = S.figure(rows, COLS, width=13.0, row_h=3.6, legend=2)
        tips = Tips()
        rows_d = ok[ok["dataset"] == dataset]
        for i, quantity in enumerate(quantities):
            _panel(axes[i // COLS][i % COLS], rows_d, fits[fits["quantity"] == quantity],
                   colors, tips)
        for j in range(len(quantities), rows * COLS):
            axes[j // COLS][j % COLS].set_axis_off()
        mine = dict.fromkeys(fits["_config"])
        legend = {c: L.proxy(colors[c], "o", "-") for c in sorted(mine)}
        legend["fitted law, extrapolated (hollow: the target N)"] = L.proxy("0.4", "D", "--")
        L.fig_legend(fig, legend)
        caption = (
            "Each solid line is one configuration measured at the run's corpus sizes (hover a "
            "point for its row). The dashed line is the power law fitted to it by least squares "
            "on log-log axes, continued to the suite's extrapolate_to; the hollow diamond there "
            "is an extrapolation from that model, not a measurement (hover it for the model, "
            "the exponent with its 95% interval and the 95% prediction interval).")
        out[str(dataset)] = Plot(f"growth-{len(out)}", f"Growth with the corpus: {dataset}",
                                 caption, S.to_svg(fig, f"{salt}-{len(out)}", tips))
    return out
