"""Filtered search: task metric and speed vs selectivity per backend x strategy, and advice.

Shown only when the run has filtered rows. Per dataset, two panels over the synthetic
`{selectivity: ...}` filters (log x): the main task metric (restricted to passing documents)
and single-thread qps, one line per backend x strategy at its highest search setting. Below,
a second figure for the named filters (static or `$query` ones): the same three measures per
backend x strategy, a row per filter. Then which strategy to use at which selectivity (with
its rule), the fastest row with filtered kNN recall >= 0.95 per filter (filtered_advice.csv),
the funnel's filter stage (filter_funnel.csv) and every filter's curve (filtered_curve.csv).
"""

from __future__ import annotations

import pandas as pd

from harness.analysis import outputs
from harness.analysis.filter_curves import (
    RECALL_FLOOR,
    advice,
    advice_sentence,
    curve,
    filtered,
    recall_column,
    rule_text,
    strategy_ranges,
)
from harness.report import html as H
from harness.report.plots import legends, style
from harness.report.plots.hover import Tips, row_title
from harness.report.plots.named_filters import named_filter_view
from harness.report.sections.base import ReportContext

STRATEGY_STYLE = {"pre": ("s", "-"), "in": ("o", "-"), "post": ("v", "--"),
                  "partition": ("D", "-")}
STAGE_COLS = ["dataset", "filter", "filter_strategy", "backend", "search_params", "selectivity",
              "n_queries", "exact_metric", "exact_filtered", "observed", "filter_loss",
              "index_loss", "total_loss"]


def selectivity_view(cur: pd.DataFrame, mains: dict[str, str | None], salt: str) -> str | None:
    """Per dataset: main metric and qps vs selectivity (log), a line per backend x strategy."""
    sweep = cur[cur["filter"].astype(str).str.startswith("selectivity=")]
    datasets = [d for d in sweep["dataset"].unique() if mains.get(d) in sweep]
    if not style.available() or not datasets:
        return None
    rec = recall_column(sweep) or "qps"
    fig, axes = style.figure(len(datasets), 3, width=12.0, row_h=3.6, legend=2)
    colors = style.palette(sweep["backend"].unique())
    tips = Tips()
    for (ax_m, ax_r, ax_q), dataset in zip(axes, datasets, strict=False):
        sub = sweep[sweep["dataset"] == dataset]
        metric = str(mains[dataset])
        panels = ((ax_m, metric, f"{metric} (passing documents)"),
                  (ax_r, rec, f"filtered {rec} (vs pre)"), (ax_q, "qps", "queries/s (log)"))
        for (backend, strategy), line in sub.groupby(["backend", "filter_strategy"]):
            line = line.sort_values("selectivity")
            marker, ls = STRATEGY_STYLE.get(str(strategy), ("x", ":"))
            for ax, col, _ in panels:
                ax.plot(style.num(line["selectivity"]), style.num(line[col]), linestyle=ls,
                        color=colors[str(backend)], alpha=0.8)
                for _, row in line.iterrows():
                    tips.point(ax, float(row["selectivity"]), float(row[col]),
                               f"{strategy}: {row_title(row, [metric, 'qps', 'selectivity'])}",
                               marker=marker, color=colors[str(backend)], markersize=6)
        for ax, _, label in panels:
            ax.set_xscale("log")
            style.plain_log(ax.xaxis)
            ax.set_xlabel("selectivity: share of documents passing (log)")
            ax.set_ylabel(label)
            ax.set_title(str(dataset), fontsize=10)
            ax.grid(alpha=0.3)
        ax_q.set_yscale("log")
        style.plain_log(ax_q.yaxis)
    handles = {str(b): legends.proxy(color=c, label=str(b)) for b, c in colors.items()}
    handles |= {s: legends.proxy(marker=m, linestyle=ls, label=s)
                for s, (m, ls) in STRATEGY_STYLE.items()}
    legends.fig_legend(fig, handles)
    return style.to_svg(fig, salt, tips)


class FilteredSection:
    anchor = "filtered"
    title = "Filtered search"
    order = 33  # with the other answers of the suite, before the details

    def render(self, ctx: ReportContext) -> str:
        rows = filtered(ctx.run.ok)
        if rows.empty:
            return ""
        metric = next((m for m in ctx.mains.values() if m and m in rows), None) or "qps"
        cur = curve(rows, metric)
        parts = ["<p>Rows under a filter: task metrics count only documents that pass it, "
                 "kNN recall is against <code>pre</code> (exact search over the passing "
                 "documents). <code>in</code> is the library's own filter, <code>post</code> "
                 "fetches k x oversample and drops failing documents.</p>"]
        with style.literal_text():
            svg = selectivity_view(cur, ctx.mains, salt="filtered")
        if svg:
            parts.append(H.figure(svg, "Task metric, filtered kNN recall and speed vs selectivity",
                                  "Each point is a backend x strategy at its highest search "
                                  "setting; colour = backend, marker = strategy.",
                                  "fig-filtered"))
        with style.literal_text():
            named = named_filter_view(cur, ctx.mains, recall_column(cur), salt="filtered-named")
        if named:
            parts.append(H.figure(named, "Task metric, filtered kNN recall and speed per named "
                                  "filter", "Each point is a backend x strategy at its highest "
                                  "search setting; colour = backend, marker = strategy; the "
                                  "filter's measured selectivity in brackets.",
                                  "fig-filtered-named"))
        adv = advice(rows, metric)
        parts.append(_which_strategy(adv, recall_column(rows)))
        stage = ctx.run.analysis_table(outputs.FILTER_FUNNEL)
        if not stage.empty:
            link = ctx.offer(outputs.FILTER_FUNNEL, stage)
            parts.append(H.table(stage, [H.Col(c, wrap=c == "search_params")
                                         for c in STAGE_COLS if c in stage],
                                 table_id="filter-funnel", filter_box=len(stage) > 8,
                                 caption="The funnel's filter stage on each row's queries: "
                                 "exact_metric (unfiltered exact search) - exact_filtered "
                                 "(pre) = filter_loss, the filter's effect on the task; "
                                 "exact_filtered - observed = index_loss, the index and "
                                 f"strategy (<a href='{H.esc(link)}'>{H.esc(link)}</a>)."))
        if not adv.empty:
            link = ctx.offer("filtered_advice.csv", adv)
            parts.append(H.table(adv, [H.Col(c, wrap=c == "search_params") for c in adv],
                                 table_id="filtered-advice", filter_box=False,
                                 caption=f"Which strategy to use: the fastest row with filtered "
                                 f"kNN recall >= {RECALL_FLOOR} per filter "
                                 f"(<a href='{H.esc(link)}'>{H.esc(link)}</a>)."))
        link = ctx.offer("filtered_curve.csv", cur)
        parts.append(H.table(cur, [H.Col(c, wrap=c == "search_params") for c in cur],
                             table_id="filtered-curve", filter_box=len(cur) > 8,
                             caption=f"Each backend x strategy x filter at its highest setting "
                             f"(<a href='{H.esc(link)}'>{H.esc(link)}</a>)."))
        return "".join(parts)


def _which_strategy(adv: pd.DataFrame, rec: str | None) -> str:
    """Per dataset: the advice sentence and the rule it used (empty when nothing qualifies)."""
    if adv.empty or rec is None:
        return ""
    items = []
    for dataset, sub in adv.groupby("dataset", sort=True):
        text = advice_sentence(strategy_ranges(sub), sub)
        items.append(f"<li><b>{H.esc(dataset)}</b>: {H.esc(text)}</li>")
    return (f"<h3>Which strategy at which selectivity</h3><ul>{''.join(items)}</ul>"
            f"<p class='small'>Rule: {H.esc(rule_text(rec))}.</p>")
