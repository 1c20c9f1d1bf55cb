"""Growth with the corpus: the corpus-size axis's curves and analysis.scaling's fits.

Shown only when the run measured a configuration at two or more corpus sizes (its
scaling.csv has rows): one figure per dataset (harness.report.plots.growth) and the table of
fitted laws, exponents with their intervals, and the values extrapolated to the suite's
`extrapolate_to`, each labelled as an extrapolation from its stated model.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from harness.analysis import outputs
from harness.report import html as H
from harness.report.plots import style
from harness.report.plots.growth import compact, config_of, growth_views
from harness.report.sections.base import ReportContext


def _interval(v: float, lo: float, hi: float, show: Callable[[float], str]) -> str:
    if not np.isfinite(lo) or not np.isfinite(hi):
        return f"{show(v)} (two sizes: no interval)"
    return f"{show(v)} [{show(lo)}, {show(hi)}]"


def _shown(table: pd.DataFrame) -> pd.DataFrame:
    """One line per fit, intervals written next to their values."""
    out = pd.DataFrame({
        "configuration": [config_of(r, pd.isna(r.get("search_params")))
                          for _, r in table.iterrows()],
        "law": table["law"],
        "measured N": [f"{int(a):,} to {int(b):,} ({int(n)} sizes)" for a, b, n in
                       zip(table["n_min"], table["n_max"], table["sizes"], strict=True)],
        "exponent b (95% CI)": [_interval(*v, lambda x: f"{x:.3f}") for v in zip(
            table["exponent"], table["exponent_low"], table["exponent_high"], strict=True)],
        "r2": table["r2"],
    })
    if "target_n" in table:  # a target inside the measured range is interpolated
        n, beyond = int(table["target_n"].iloc[0]), bool(table["extrapolated"].any())
        header = f"at N = {n:,}{' (extrapolated)' if beyond else ''} (95% PI)"
        # as the plots' ticks (17.4k, 2G; not 1.74e+04, 2e+09)
        out[header] = [_interval(v, lo, hi, compact) for v, lo, hi in zip(
            table["at_target"], table["at_target_low"], table["at_target_high"], strict=True)]
    return out


class ScalingSection:
    anchor = "scaling"
    title = "Growth with the corpus"
    order = 34  # after hybrid, before the results table

    def render(self, ctx: ReportContext) -> str:
        table = ctx.run.analysis_table(outputs.SCALING)
        if table.empty or "quantity" not in table:
            return ""
        link = ctx.offer(outputs.SCALING, table)
        target = table["target_n"].dropna() if "target_n" in table else pd.Series([])
        parts = [
            "<p>Each configuration ran on nested corpus samples (every judged document kept, "
            "the rest random distractors drawn with the suite's seed). Per configuration, "
            "each quantity is fitted as a power law by least squares on log-log axes: "
            "<code>y = a·N^b</code> for build time, index bytes and queries/s, "
            "<code>1 - y = a·N^b</code> for the task metric and knn_recall@10 (what is lost "
            "grows). The exponent b has a 95% t-interval on the slope (none from two sizes). "
            + (f"<b>Values at N = {int(target.iloc[0]):,} are extrapolations from the stated "
               "model</b>, with a 95% prediction interval on log axes: they hold only if the "
               "law holds beyond the measured sizes." if len(target) else
               "Name a target N with <code>extrapolate_to</code> in the suite to extrapolate.")
            + "</p>"
        ]
        views = {}
        if style.available():
            with style.literal_text():
                views = growth_views(ctx.run.ok, table, salt=f"{ctx.run.run_id}-growth")
        order = {q: i for i, q in enumerate(dict.fromkeys(table["quantity"]))}
        table = table.iloc[table["quantity"].map(order).argsort(kind="stable")]
        for dataset, rows in table.groupby("dataset", sort=True):
            if str(dataset) in views:
                p = views[str(dataset)]
                parts.append(H.figure(p.svg, p.title, p.caption, f"plot-{p.key}"))
            else:
                parts.append(f"<h3>{H.esc(dataset)}</h3>")
            note = absent_metric_note(ctx.run.ok, rows, ctx.mains.get(str(dataset)))
            if note:
                parts.append(f"<p class='small'>{H.esc(note)}</p>")
            shown = _shown(rows)
            cols = [H.Col(c, wrap=c == "configuration", highlight=False) for c in shown]
            parts.append(H.table(shown, cols, table_id=f"scaling-{_slug(str(dataset))}",
                                 filter_box=len(rows) > 8,
                                 caption=f"The fits of {H.esc(dataset)}, by quantity."))
        parts.append(f"<p class='small'>All fits: <a href='{H.esc(link)}'>{H.esc(link)}</a>."
                     "</p>")
        return "".join(parts)


def absent_metric_note(ok: pd.DataFrame, fits: pd.DataFrame, metric: str | None) -> str:
    """One line saying why a dataset's fits have no task-metric panel ('' when they have one)."""
    dataset = str(fits["dataset"].iloc[0])
    if metric and metric in set(fits["quantity"]):
        return ""
    rows = ok[ok["dataset"].astype(str) == dataset]
    if not metric or metric not in rows or rows[metric].notna().sum() == 0:
        name = f"no {metric} value" if metric else "no task metric"
        return (f"No task-metric panel for {dataset}: its rows have {name} (the dataset has "
                "no relevance judgments), so only the nearest-neighbour recall is fitted.")
    return (f"No task-metric panel for {dataset}: {metric} could be fitted for no "
            "configuration (a power law needs two corpus sizes with a loss 1 - "
            f"{metric} above 0).")


def _slug(text: str) -> str:
    return "".join(ch if ch.isalnum() else "-" for ch in text).strip("-") or str(np.nan)
