"""Hybrid retrieval: what fusing a dense setting with a lexical retriever buys.

Shown only when the run has hybrid or lexical rows: a plot of the main task metric against
single-thread qps with dense-only, hybrid and lexical points side by side, and hybrid.csv
(each hybrid row against its dense leg alone and its lexical leg alone, paired 95% CIs).
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from harness.analysis import outputs
from harness.report import html as H
from harness.report.data import config_label
from harness.report.plots import legends, style
from harness.report.plots.hover import Tips, row_title
from harness.report.sections.base import ReportContext
from harness.store.row import params as parse_params

KINDS = (("dense only", "o"), ("hybrid", "^"), ("lexical", "*"))


def _kind(ok: pd.DataFrame) -> pd.Series:
    hybrid = ok["lexical_bytes"].notna() if "lexical_bytes" in ok else False
    lexical = ok["family"].eq("lexical") if "family" in ok else False
    return pd.Series(np.where(hybrid, "hybrid", np.where(lexical, "lexical", "dense only")),
                     index=ok.index)


def hybrid_view(ok: pd.DataFrame, mains: dict[str, str | None], salt: str) -> str | None:
    """Task metric vs qps per dataset, points marked dense only / hybrid / lexical."""
    if not style.available() or ok.empty or "qps" not in ok:
        return None
    datasets = [d for d in ok["dataset"].unique() if mains.get(d) in ok]
    if not datasets:
        return None
    fig, axes = style.figure(1, len(datasets), width=max(8.0, 5.5 * len(datasets)), row_h=4.2)
    colors = style.palette(ok["model"].unique())
    tips = Tips()
    for ax, dataset in zip(axes[0], datasets, strict=False):
        sub = ok[ok["dataset"] == dataset]
        metric = str(mains[dataset])
        kinds = _kind(sub)
        for kind, marker in KINDS:
            for _, row in sub[kinds == kind].iterrows():
                x, y = style.num(pd.Series([row["qps"], row[metric]]))
                tips.point(ax, x, y, f"{kind}: {row_title(row, [metric, 'qps'])}",
                           marker=marker, markersize=12 if kind == "lexical" else 7,
                           color=colors[row["model"]], alpha=0.85,
                           markeredgecolor="white", markeredgewidth=0.5)
        ax.set_xscale("log")
        style.plain_log(ax.xaxis)
        ax.set_xlabel("queries/s, single thread (log)")
        ax.set_ylabel(metric)
        ax.set_title(str(dataset), fontsize=10)
        ax.grid(alpha=0.3)
    handles = {k: legends.proxy(marker=m, label=k) for k, m in KINDS}
    handles |= {str(m): legends.proxy(color=c, label=str(m)) for m, c in colors.items()}
    legends.fig_legend(fig, handles)
    return style.to_svg(fig, salt, tips)


def _without_lexical(params: str) -> str:
    d = parse_params(params)
    d.pop("lexical", None)
    return json.dumps(d, sort_keys=True)


class HybridSection:
    anchor = "hybrid"
    title = "Hybrid retrieval"
    order = 32  # the suite's answer when it has hybrid rows: before the details

    def render(self, ctx: ReportContext) -> str:
        ok = ctx.run.ok
        table = ctx.run.analysis_table(outputs.HYBRID)
        if ok.empty or (table.empty and "lexical" not in set(ok.get("family", []))):
            return ""
        parts = ["<p>Dense settings fused with a lexical retriever (hybrid), next to the dense "
                 "setting alone and the lexical retriever alone. Hybrid qps includes the "
                 "lexical search and the fusion.</p>"]
        with style.literal_text():
            svg = hybrid_view(ok, ctx.mains, salt="hybrid")
        if svg:
            parts.append(H.figure(svg, "Task metric vs speed: dense, hybrid, lexical",
                                  "Each point is a result row; marker = dense only / hybrid / "
                                  "lexical, colour = model.", "fig-hybrid"))
        if not table.empty:
            # the lexical leg's options are in the table's CSV; the label names the leg
            short = table.assign(search_params=table["search_params"].map(_without_lexical))
            shown = table.assign(config=[config_label(r) for _, r in short.iterrows()])
            link = ctx.offer(outputs.HYBRID, table)
            cols = ["config", "main_metric", "hybrid", "dense_only", "gain_over_dense",
                    "gain_over_dense_ci_low", "gain_over_dense_ci_high", "lexical_only",
                    "gain_over_lexical", "gain_over_lexical_ci_low",
                    "gain_over_lexical_ci_high"]
            parts.append(H.table(shown, [H.Col(c, wrap=c == "config") for c in cols],
                                 table_id="hybrid-gains", filter_box=len(shown) > 8,
                                 caption=f"Gains with paired bootstrap 95% CIs "
                                 f"(<a href='{H.esc(link)}'>{H.esc(link)}</a>)."))
        return "".join(parts)
