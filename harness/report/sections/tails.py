"""Section "Tails": per dataset, the main metric's mean next to its worst queries (worst
decile, p10, Robustness-delta), with each row's look-alike (nearest mean, best worst decile)."""

from __future__ import annotations

import pandas as pd

from harness.analysis import outputs
from harness.analysis.hidden_tails import MIN_GAP, RATIO, hidden_tails
from harness.analysis.look_alikes import CLOSE_MEAN, look_alikes
from harness.metrics.tails import DELTAS, robust_name, robustness
from harness.report import html as H
from harness.report.data import RunData, config_label
from harness.report.sections.base import ReportContext

COLS = ["config", "main", "task_worst10", "worst10_gap", "mean_gap", "task_p10",
        "task_robust90", "knn_robust90", "task_loss_share_worst10", "loss_share_worst10",
        "tail_stage", "twin_config"]
FUNNEL_TAILS = ["loss_share_worst10", "tail_stage"]  # from funnel.csv (analysis/funnel_tails)
SHOWN = 12

INTRO = (
    "<p>Averages hide the queries that fail. Per row, over its evaluated queries and for the "
    "dataset's main metric: task_worst10 = mean of the worst 10% of queries, task_p10 = the "
    "10th percentile of the per-query values (task_median etc. in tails.csv), task_robust90 "
    "= share of queries whose value is at least 0.9, knn_robust90 = the same for "
    f"knn_recall@10. twin = the row whose mean is within {CLOSE_MEAN} of this row's with the "
    "best worst decile; worst10_gap = twin's worst decile minus this row's (large = same "
    "mean, much worse tail). task_loss_share_worst10 = share of the row's loss against exact "
    "float32 search at its own dim carried by its worst 10% of queries (a results column); "
    "loss_share_worst10 = the same against native dim and distance (the funnel's S1); "
    "tail_stage = the funnel stage whose loss is most concentrated on few queries. "
    "Definitions: docs/tails.md.</p>")


def _rows(ok: pd.DataFrame, main: str) -> pd.DataFrame:
    got = look_alikes(ok, main)  # index = position before sorting, which `twin` refers to
    label = {i: config_label(r, with_dataset=False) for i, r in got.iterrows()}
    return got.assign(config=[label[i] for i in got.index], main=got[main],
                      twin_config=[label.get(int(t), "") for t in got["twin"]])


def _with_funnel(ok: pd.DataFrame, fun: pd.DataFrame) -> pd.DataFrame:
    """The rows with the funnel's tail columns (NaN where the funnel has no such row)."""
    keys = ["cell_id", "search_params"]
    if ok.empty or fun.empty or not set(FUNNEL_TAILS + keys) <= set(fun):
        return ok.assign(**{c: float("nan") for c in FUNNEL_TAILS})
    key = lambda d: d["cell_id"].astype(str) + "|" + d["search_params"].astype(str)  # noqa: E731
    got = fun.assign(_k=key(fun)).drop_duplicates("_k").set_index("_k")
    k = key(ok)
    return ok.assign(**{c: k.map(got[c]).to_numpy() for c in FUNNEL_TAILS})


def _with_deltas(rows: pd.DataFrame, run: RunData, main: str,
                 deltas: tuple[float, ...]) -> pd.DataFrame:
    """Robustness-delta columns for deltas the result columns lack, from per-query arrays."""
    extra = [d for d in deltas if d not in DELTAS]
    if not extra:
        return rows
    out = {robust_name(p, d): [] for p in ("task", "knn") for d in extra}
    for _, r in rows.iterrows():
        knn = f"knn_recall@{min(10, int(r.get('k', 10) or 10))}"
        for prefix, name in (("task", main), ("knn", knn)):
            got = run.values(r, name)
            for d in extra:
                out[robust_name(prefix, d)].append(
                    robustness(got[1], d) if got is not None else float("nan"))
    return rows.assign(**out)


HIDDEN_SHOWN = 5


def hidden_pairs(ok: pd.DataFrame, run: RunData, metrics: list[str]) -> pd.DataFrame:
    """One dataset's close-mean, worse-worst-decile pairs under every judged metric (rows
    whose per-query values are stored, compared on the same number of queries)."""
    found = []
    for metric in metrics:
        labels, values = [], []
        for _, r in ok[ok[metric].notna()].iterrows() if metric in ok else []:
            got = run.values(r, metric)
            if got is not None and len(got[1]):
                labels.append(config_label(r, with_dataset=False))
                values.append(got[1])
        sizes = pd.Series([len(v) for v in values])
        if sizes.empty:
            continue
        common = sizes.mode().iloc[0]  # the evaluated query set most rows share
        keep = [i for i, v in enumerate(values) if len(v) == common]
        found.append(hidden_tails([labels[i] for i in keep], [values[i] for i in keep], metric))
    found = [f for f in found if not f.empty]
    if not found:
        return pd.DataFrame()
    return pd.concat(found, ignore_index=True).sort_values("worst10_gap", ascending=False,
                                                           kind="stable")


def _hidden_html(pairs: pd.DataFrame, i: int) -> str:
    if pairs.empty:
        return ("<p class='small'>Close mean, worse worst decile: no pair of rows under any "
                "judged metric (means within "
                f"{CLOSE_MEAN}, worst deciles {MIN_GAP} and {RATIO:g}x the mean gap apart).</p>")
    cols = ["metric", "config", "mean", "worst10", "twin_config", "twin_mean", "twin_worst10",
            "mean_gap", "worst10_gap"]
    return ("<p><b>Close mean, worse worst decile</b> (every judged metric): means within "
            f"{CLOSE_MEAN} while the twin's worst decile is at least {MIN_GAP} and "
            f"{RATIO:g}x the mean gap higher.</p>"
            + H.table(pairs.head(HIDDEN_SHOWN), [H.Col(c, wrap=c.endswith("config"))
                                                 for c in cols],
                      table_id=f"hidden-tails-{i}", filter_box=False))


class TailsSection:
    anchor = "tails"
    title = "Tails: worst queries"
    order = 41

    def render(self, ctx: ReportContext) -> str:
        ok = _with_funnel(ctx.run.ok, ctx.run.analysis_table(outputs.FUNNEL))
        if ok.empty or "task_worst10" not in ok:
            return ""
        deltas = ctx.deltas or DELTAS
        robust = [robust_name(p, d) for p in ("task", "knn") for d in deltas
                  if ctx.deltas or d == 0.9]
        cols = [c for c in COLS if "robust" not in c]
        cols[cols.index("task_p10") + 1:cols.index("task_p10") + 1] = robust
        parts, tables, hidden = [INTRO], [], []
        for i, dataset in enumerate(dict.fromkeys(ok["dataset"])):
            main = ctx.mains.get(str(dataset))
            if not main or main not in ok:
                continue
            rows = _rows(_with_deltas(ok[ok["dataset"] == dataset], ctx.run, main, deltas),
                         main)
            tables.append(rows.assign(dataset=dataset, main_metric=main))
            parts.append(f"<h3>{H.esc(dataset)} ({H.esc(main)})</h3>" + H.table(
                rows.head(SHOWN), [H.Col(c, wrap=c.endswith("config")) for c in cols],
                table_id=f"tails-{i}", filter_box=False,
                caption=f"The {SHOWN} rows with the largest worst-decile gap to a look-alike."))
            pairs = hidden_pairs(ok[ok["dataset"] == dataset], ctx.run, ctx.run.task_metrics)
            parts.append(_hidden_html(pairs, i))
            if not pairs.empty:
                hidden.append(pairs.assign(dataset=dataset))
        if not tables:
            return ""
        link = ctx.offer("tails.csv", pd.concat(tables, ignore_index=True))
        more = ""
        if hidden:
            more = (f" <a href='{H.esc(ctx.offer('hidden_tails.csv', pd.concat(hidden)))}'>"
                    "hidden_tails.csv</a>")
        return "".join(parts) + (f"<p class='small'><a href='{H.esc(link)}'>tails.csv</a>"
                                 f"{more}</p>")
