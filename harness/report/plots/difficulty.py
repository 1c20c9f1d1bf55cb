"""Which configurations hold up on the hard third of the queries (by LID): per dataset, the
easy third against the hard third, for knn_recall@10 and for the main task metric. A point
on the diagonal loses nothing on hard queries; each point's <title> names its row."""

from __future__ import annotations

import numpy as np
import pandas as pd

from harness.report.plots import legends as L
from harness.report.plots import style as S
from harness.report.plots.hover import Tips, row_title
from harness.report.plots.style import MAX_PANELS, Plot

PANELS = (("knn_recall", "knn_recall@10"), ("task", "task metric"))
SHOWN = ["easy_knn_recall", "hard_knn_recall", "easy_task", "hard_task", "hard_index_loss",
         "shifted_index_loss"]


def difficulty_view(table: pd.DataFrame, salt: str) -> Plot | None:
    need = {"dataset", "backend", "easy_task", "hard_task", "easy_knn_recall",
            "hard_knn_recall"}
    if table.empty or not need <= set(table.columns):
        return None
    datasets = list(dict.fromkeys(table["dataset"]))[:MAX_PANELS]
    # exact search everywhere: knn_recall is 1 on both thirds, a panel of one dot at (1, 1)
    knn = S.num(table[["easy_knn_recall", "hard_knn_recall"]].stack())
    panels = PANELS if (knn < 1).any() else PANELS[1:]
    fig, axes = S.figure(len(datasets), len(panels), row_h=3.6, legend=1,
                         width=11.0 if len(panels) > 1 else 6.0)
    colors = S.palette(table["backend"].astype(str))
    tips = Tips()
    for r, dataset in enumerate(datasets):
        sub = table[table["dataset"] == dataset]
        main = str(sub["main_metric"].iloc[0]) if "main_metric" in sub else "task metric"
        for c, (what, label) in enumerate(panels):
            _panel(axes[r][c], sub, what, (colors, tips))
            name = main if what == "task" else label
            axes[r][c].set_xlabel(f"{name}, easy third of the queries (lowest LID)")
            axes[r][c].set_ylabel(f"{name}, hard third (highest LID)")
            axes[r][c].set_title(f"{dataset} — {name}", fontsize=10)
    L.fig_legend(fig, {f"backend: {b}": L.proxy(col, "o") for b, col in colors.items()})
    caption = ("One point per result row (a configuration at one search setting); the "
               "dashed line is 'no worse on hard queries'. Hover a point for its values."
               + ("" if len(panels) > 1 else " No knn_recall@10 panel: every row is exact "
                  "search (recall 1 on every query)."))
    return Plot("difficulty", "Easy vs hard queries", caption, S.to_svg(fig, salt, tips))


def _panel(ax, sub: pd.DataFrame, what: str, look: tuple) -> None:
    colors, tips = look
    x, y = S.num(sub[f"easy_{what}"]), S.num(sub[f"hard_{what}"])
    for xi, yi, (_, row) in zip(x, y, sub.iterrows(), strict=True):
        if np.isfinite(xi) and np.isfinite(yi):
            tips.point(ax, xi, yi, row_title(row, SHOWN), color=colors[str(row["backend"])],
                       marker="o", markersize=6, alpha=0.85, markeredgecolor="white",
                       markeredgewidth=0.5, zorder=3)
    both = np.concatenate([x[np.isfinite(x)], y[np.isfinite(y)]])
    if both.size:
        lo, hi = float(both.min()), float(both.max())
        pad = max(0.02, (hi - lo) * 0.05)
        ax.plot([lo - pad, hi + pad], [lo - pad, hi + pad], linestyle="--", color="0.5",
                linewidth=1, zorder=1)
    ax.grid(alpha=0.3)
