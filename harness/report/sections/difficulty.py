"""Section "Hard and shifted queries": the analysis's difficulty.csv (each funnel row's
index loss and task metric by LID tercile and by shift half) as a plot and a table, and the
queries' shift score per searched vector space (query_difficulty.csv)."""

from __future__ import annotations

import pandas as pd

from harness.analysis import outputs
from harness.analysis.difficulty import SPACE_KEYS
from harness.report import html as H
from harness.report.data import config_label
from harness.report.plots import style
from harness.report.plots.difficulty import difficulty_view
from harness.report.sections.base import ReportContext

COLS = ["config", "hard_task", "hard_index_loss", "medium_index_loss", "easy_index_loss",
        "hard_knn_recall", "easy_knn_recall", "shifted_index_loss", "in_dist_index_loss",
        "shifted_knn_recall", "in_dist_knn_recall"]

INTRO = (
    "<p>Each query's difficulty on the vectors the row searches, from exact search's nearest "
    "distances: local intrinsic dimensionality (LID, MLE over the k nearest), relative "
    "contrast (mean distance / k-th nearest) and expansion (d<sub>2k</sub>/d<sub>k</sub>); "
    "queries are split into equal thirds by LID (easy = lowest). The shift score is a "
    "query's nearest-document distance over the corpus's typical nearest-neighbour distance "
    "(about 1 in distribution); queries are split into halves by it. Index loss = exact "
    "search's task metric minus the row's, on the group's queries (the funnel's index stage; "
    "its query-weighted mean over the groups is the funnel's index loss). Definitions and "
    "sources: README, <i>Query difficulty and shift</i>.</p>")


def _shift_summary(queries: pd.DataFrame) -> pd.DataFrame:
    have = [c for c in SPACE_KEYS if c in queries]  # one row per searched vector space
    stats = queries.groupby(have, dropna=False).agg(
        queries=("query_id", "size"), shift_median=("shift", "median"),
        shift_p90=("shift", lambda s: s.quantile(0.9)), lid_median=("lid", "median"),
        rc_median=("rc", "median"), expansion_median=("expansion", "median"))
    return stats.reset_index()


class DifficultySection:
    anchor = "difficulty"
    title = "Hard and shifted queries"
    order = 42

    def render(self, ctx: ReportContext) -> str:
        table = ctx.run.analysis_table(outputs.DIFFICULTY)
        if table.empty:
            return ""
        parts = [INTRO]
        with style.literal_text():
            plot = difficulty_view(table, salt="difficulty") if style.available() else None
        if plot:
            parts.append(H.figure(plot.svg, plot.title, plot.caption, "fig-difficulty"))
        shown = table.assign(config=[config_label(r, with_dataset=True)
                                     for _, r in table.iterrows()])
        shown = shown.sort_values("hard_index_loss", kind="stable")
        link = ctx.offer(outputs.DIFFICULTY, table)
        parts.append(H.table(shown, [H.Col(c, wrap=c == "config") for c in COLS],
                             table_id="difficulty-rows", filter_box=len(shown) > 8,
                             caption="Rows by hard-third index loss, smallest first "
                             f"(<a href='{H.esc(link)}'>{H.esc(link)}</a>)."))
        queries = ctx.run.analysis_table(outputs.QUERY_DIFFICULTY)
        if not queries.empty and {"shift", "lid"} <= set(queries.columns):
            summary = _shift_summary(queries)
            qlink = ctx.offer(outputs.QUERY_DIFFICULTY, queries)
            parts.append("<h3>Query/corpus shift per dataset</h3>" + H.table(
                summary, [H.Col(c, highlight=False) for c in summary.columns],
                table_id="shift-summary", filter_box=False,
                caption=f"Per searched vector space; every query in "
                f"<a href='{H.esc(qlink)}'>{H.esc(qlink)}</a>."))
        return "".join(parts)
