"""Two-stage retrieval: what a second stage buys back of its first stage's loss, at what cost.

Shown only when the run has two-stage rows: each first stage alone and after re-ranking
(arrows from one to the other) on task metric vs p50 latency, and rerank.csv (the funnel's
rerank stage: first stage, two stage, the re-ranker's own exact search, the share of the
loss bought back, the second stage's own time and the latency and bytes it adds).
"""

from __future__ import annotations

import pandas as pd

from harness.analysis import outputs
from harness.report import html as H
from harness.report.data import config_label
from harness.report.plots import legends, style
from harness.report.plots.hover import Tips
from harness.report.sections.base import ReportContext

TEXT = ("<p>A first stage (BM25, a small or compressed dense model, an ANN index) fetches "
        "<code>rerank_candidates</code> results; a second scorer re-orders them and keeps k. "
        "A bi-encoder re-ranker scores them with its own float32 vectors (held per document: "
        "they count in bytes per doc); a cross-encoder reads each (query, document) pair. "
        "Re-ranking with the <em>same</em> model's float32 vectors is what <code>rescore</code> "
        "does; re-ranking is any other scorer. Latency includes the second stage; "
        "<code>rerank_ms</code> is the second stage alone. <em>Bought back</em> is the gain "
        "over the first stage alone, as a share of the gap between the first stage and the "
        "re-ranker searching the whole corpus by itself.</p>")


def rerank_view(stage: pd.DataFrame, salt: str) -> str | None:
    """Main metric vs p50 latency: an arrow from each first stage to its re-ranked row."""
    if not style.available() or stage.empty:
        return None
    fig, axes = style.figure(1, 1, width=8.0, row_h=4.4)
    ax = axes[0][0]
    colors = style.palette(stage["model"].unique())
    tips = Tips()
    for _, r in stage.iterrows():
        two_lat = r["first_latency_ms_p50"] + r["latency_added_ms_p50"]
        color = colors[r["model"]]
        ax.annotate("", xy=(two_lat, r["two_stage"]), xytext=(r["first_latency_ms_p50"],
                    r["first_stage"]), arrowprops={"arrowstyle": "->", "color": color,
                                                   "alpha": 0.6})
        tips.point(ax, r["first_latency_ms_p50"], r["first_stage"],
                   f"{r['model']} {r['precision']} alone: {r['first_stage']:.4f}",
                   marker="o", color=color, markersize=7)
        tips.point(ax, two_lat, r["two_stage"],
                   f"{r['model']} {r['precision']} + {r['rerank']}@{r['rerank_candidates']}: "
                   f"{r['two_stage']:.4f}, +{r['latency_added_ms_p50']:.3f} ms",
                   marker="^", color=color, markersize=8)
        ax.annotate(f"@{r['rerank_candidates']}", (two_lat, r["two_stage"]), fontsize=7,
                    xytext=(4, -10), textcoords="offset points")
    ax.set_xscale("log")
    style.plain_log(ax.xaxis)
    ax.set_xlabel("p50 latency, ms, single thread (log)")
    ax.set_ylabel(str(stage["main_metric"].iloc[0]))
    ax.grid(alpha=0.3)
    handles = {"first stage alone": legends.proxy(marker="o", label="first stage alone"),
               "re-ranked": legends.proxy(marker="^", label="re-ranked")}
    handles |= {str(m): legends.proxy(color=c, label=str(m)) for m, c in colors.items()}
    legends.fig_legend(fig, handles)
    return style.to_svg(fig, salt, tips)


class RerankSection:
    anchor = "rerank"
    title = "Two-stage retrieval"
    order = 33  # after hybrid retrieval: another pipeline answer, before the details

    def render(self, ctx: ReportContext) -> str:
        stage = ctx.run.analysis_table(outputs.RERANK)
        if stage.empty or "two_stage" not in stage:
            return ""
        ok = ctx.run.ok
        by_cell = dict(zip(ok["cell_id"], ok["latency_p50_ms"], strict=False))
        stage = stage.assign(first_latency_ms_p50=[
            by_cell.get(c, float("nan")) - a for c, a in
            zip(stage["cell_id"], stage["latency_added_ms_p50"], strict=True)])
        parts = [TEXT]
        with style.literal_text():
            svg = rerank_view(stage, salt="rerank")
        if svg:
            parts.append(H.figure(svg, "What re-ranking buys, and what it costs",
                                  "Circle: the first stage alone; triangle: after re-ranking its "
                                  "top candidates (label); colour = first-stage model.",
                                  "fig-rerank"))
        shown = stage.assign(config=[config_label(r) for _, r in stage.iterrows()])
        link = ctx.offer(outputs.RERANK, stage)
        cols = ["config", "rerank_candidates", "first_stage", "two_stage",
                "reranker_exact", "bought_back", "bought_back_share", "rerank_ms_p50",
                "rerank_ms_p99", "latency_added_ms_p50", "bytes_added_per_doc"]
        parts.append(H.table(shown, [H.Col(c, wrap=c == "config") for c in cols],
                             table_id="rerank-stage", filter_box=len(shown) > 8,
                             caption=f"The funnel's rerank stage "
                             f"(<a href='{H.esc(link)}'>{H.esc(link)}</a>)."))
        return "".join(parts)
