"""Filtered search under named filters (static or `$query` ones, not a selectivity sweep):
per dataset, the main task metric, filtered kNN recall and qps of every backend x strategy at
its highest search setting, one line of points per filter (colour = backend, marker =
strategy, as the selectivity plot of the same section)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from harness.report.plots import legends, style
from harness.report.plots.hover import Tips, row_title

STRATEGY_MARKERS = {"pre": "s", "in": "o", "post": "v", "partition": "D"}


def named_rows(cur: pd.DataFrame) -> pd.DataFrame:
    """The curve's rows of named filters (not `selectivity=...`)."""
    return cur[~cur["filter"].astype(str).str.startswith("selectivity=")]


def named_filter_view(cur: pd.DataFrame, mains: dict[str, str | None], rec: str | None,
                      salt: str) -> str | None:
    """Per dataset: three panels (metric, recall, qps on a log axis), a row per filter."""
    named = named_rows(cur)
    datasets = [d for d in named["dataset"].unique() if mains.get(d) in named]
    if not style.available() or not datasets:
        return None
    from matplotlib.ticker import LogLocator  # matplotlib is optional: imported once it is there
    n_filters = max(named[named["dataset"] == d]["filter"].nunique() for d in datasets)
    fig, axes = style.figure(len(datasets), 3, width=12.0, row_h=1.2 + 0.7 * n_filters,
                             legend=2)
    colors = style.palette(named["backend"].unique())
    combos = sorted({(str(b), str(s)) for b, s in zip(named["backend"],
                                                      named["filter_strategy"], strict=True)})
    step = 0.8 / max(len(combos), 1)
    tips = Tips()
    for panel_row, dataset in zip(axes, datasets, strict=False):
        sub = named[named["dataset"] == dataset]
        metric = str(mains[dataset])
        filters = list(dict.fromkeys(sub.sort_values("selectivity")["filter"].astype(str)))
        cols = [(metric, f"{metric} (passing documents)"),
                (rec or "qps", f"filtered {rec} (vs pre)" if rec else "qps"),
                ("qps", "queries/s (log)")]
        for ax, (col, label) in zip(panel_row, cols, strict=True):
            for _, row in sub.iterrows():
                j = combos.index((str(row["backend"]), str(row["filter_strategy"])))
                y = filters.index(str(row["filter"])) + (j - (len(combos) - 1) / 2) * step
                value = float(row[col]) if pd.notna(row[col]) else np.nan
                tips.point(ax, value, y,
                           f"{row['filter_strategy']}: "
                           f"{row_title(row, [metric, 'qps', 'selectivity'])}",
                           marker=STRATEGY_MARKERS.get(str(row["filter_strategy"]), "x"),
                           color=colors[str(row["backend"])], markersize=7, linestyle="none")
            ax.set_yticks(range(len(filters)), [_label(sub, f) for f in filters])
            ax.set_ylim(len(filters) - 0.5, -0.5)
            ax.set_xlabel(label)
            ax.set_title(str(dataset), fontsize=10)
            ax.grid(alpha=0.3, axis="x")
        panel_row[2].set_xscale("log")
        style.plain_log(panel_row[2].xaxis)
        # a narrow horizontal panel: decades only (1-2-5 labels would run into each other)
        panel_row[2].xaxis.set_major_locator(LogLocator(base=10, subs=(1.0,)))
        for ax in panel_row[1:]:
            ax.tick_params(labelleft=False)
    handles = {str(b): legends.proxy(color=c, label=str(b)) for b, c in colors.items()}
    handles |= {s: legends.proxy(marker=m, label=s) for s, m in STRATEGY_MARKERS.items()
                if s in set(named["filter_strategy"].astype(str))}
    legends.fig_legend(fig, handles)
    return style.to_svg(fig, salt, tips)


def _label(sub: pd.DataFrame, name: str) -> str:
    """'same-label (20%)': the filter and its measured selectivity."""
    sel = sub.loc[sub["filter"].astype(str) == name, "selectivity"]
    return f"{name} ({100 * float(sel.mean()):.3g}%)" if len(sel) and sel.notna().any() else name
