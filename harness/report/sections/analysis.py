"""Section "Analysis": the funnel table, recall-vs-task rankings, and the recommendation, read
from the analysis tables in the run folder (written by harness.analysis.step)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from harness.analysis import outputs
from harness.analysis.probe import DISTANCE_NAMES
from harness.analysis.step import TIE, across_runs, matched_counts
from harness.report import html as H
from harness.report.sections.base import ReportContext

FUNNEL_COLS = [
    "dataset",
    "model",
    "dim",
    "precision",
    "metric",
    "backend",
    "search_params",
    "ideal",
    "exact_native",
    "observed",
    "embedding_loss",
    "dimension_loss",
    "precision_loss",
    "metric_loss",
    "index_loss",
    "total_loss",
    "best_metric",
    "metric_loss_vs_best",
    "metric_misuse",
]
FEATURES = [
    "dataset",
    "model",
    "dbi_euclidean",
    "dbi_cosine",
    "norm_cv",
    "relative_contrast",
    "relative_angle",
    "lid",
    "hubness",
    "ip_cosine_overlap",
]


class AnalysisSection:
    anchor = "analysis"
    title = "Analysis"
    order = 40

    def render(self, ctx: ReportContext) -> str:
        run_dir = ctx.run.dir
        fun = ctx.run.analysis_table(outputs.FUNNEL)
        ranks = ctx.run.analysis_table(outputs.RANKINGS)
        rec = ctx.run.analysis_table(outputs.RECOMMENDATION)
        failed = outputs.read_problems(run_dir).get("analysis")
        if fun.empty and ranks.empty and rec.empty and failed:
            return H.notice("error", f"The analysis failed: <code>{H.esc(failed)}</code> (see "
                            "Skipped and errors; retry with <code>harness funnel RUN_DIR</code>).")
        if fun.empty and ranks.empty and rec.empty:
            return H.notice(
                "warn",
                "No analysis in this run folder: run <code>harness funnel "
                "RUN_DIR</code> (it runs by default at the end of <code>harness "
                "run</code>).",
            )
        parts = []
        if not fun.empty:
            parts.append(_funnel(fun))
            ctx.save(outputs.FUNNEL, fun)
        parts.append(_rankings(ctx, ranks, ctx.run.analysis_table(outputs.INVERSIONS)))
        speed = ctx.run.analysis_table(outputs.RANKINGS_AT_SPEED)
        if not speed.empty:
            parts.append(_at_speed(speed))
        if not rec.empty:
            parts.append(_recommendation(rec, run_dir.parent))
            ctx.save(outputs.RECOMMENDATION, rec)
        advice = ctx.run.analysis_table(outputs.PRECISION)
        if not advice.empty:
            parts.append(_precision_table(advice))
            ctx.save(outputs.PRECISION, advice)
        return "".join(parts)


def _funnel(fun: pd.DataFrame) -> str:
    main = H.esc(fun["main_metric"].iloc[0] if "main_metric" in fun else "task metric")
    flags = fun.get("metric_misuse", pd.Series(False, index=fun.index))
    misuse = fun[flags.astype(str).str.lower() == "true"]
    parts = [
        f"<h3>Information-loss funnel ({main})</h3><p>Where {main} is lost, stage by "
        "stage, from exact-search reference points on the same cached vectors: embedding "
        "(model vs ideal), dimension, precision, distance (vs the model's native one) and "
        "index. The stages sum to the total loss; negative values are gains. The waterfall "
        "plot is in the Plots section.</p>",
        H.table(
            fun,
            [H.Col(c, highlight=False) for c in FUNNEL_COLS],
            table_id="funnel",
            filter_box=len(fun) > 8,
        ),
    ]
    if len(misuse):
        items = "".join(
            f"<li><b>{H.esc(r.dataset)} / {H.esc(r.model)}</b> dim {H.esc(r.dim)} "
            f"{H.esc(r.precision)}: <b>{H.esc(r.metric)}</b> loses "
            f"{r.metric_loss_vs_best:.4f} {main} against <b>{H.esc(r.best_metric)}</b> "
            f"(95% CI {r.metric_loss_ci_low:.4f} .. {r.metric_loss_ci_high:.4f})</li>"
            for r in misuse.drop_duplicates(
                ["dataset", "model", "dim", "precision", "metric"]
            ).itertuples()
        )
        parts.append(
            H.notice(
                "error",
                f"<b>Metric misuse</b>: the configured distance loses "
                f"task quality another distance keeps:<ul>{items}</ul>",
            )
        )
    elif "metric_misuse" in fun:
        parts.append(
            H.notice(
                "ok",
                "No metric misuse: no configured distance loses "
                "beyond its 95% CI against the best distance.",
            )
        )
    return "".join(parts)


def _rankings(ctx: ReportContext, ranks: pd.DataFrame, inv: pd.DataFrame) -> str:
    parts = ["<h3>Synthetic recall vs task metric</h3>"]
    if ranks.empty:
        parts.append(
            "<p>Needs at least two index configurations of one (dataset, model, dim, "
            "precision, distance).</p>"
        )
        return "".join(parts)
    parts.append(
        "<p>Index configurations ranked by knn_recall@10 and by the task metric; Kendall's "
        "tau between the two rankings, and the inversions: pairs where the higher-recall "
        "configuration has the lower task metric beyond the paired bootstrap 95% CI.</p>"
    )
    parts.append(
        H.table(
            ranks,
            [H.Col(c, highlight=False) for c in ranks.columns],
            table_id="rankings",
            filter_box=len(ranks) > 8,
        )
    )
    if inv.empty:
        parts.append(H.notice("ok", "No rank inversion beyond the confidence intervals."))
    else:
        parts.append(f"<p><b>{len(inv)} inversion(s)</b>:</p>")
        parts.append(
            H.table(
                inv,
                [
                    H.Col(c, wrap=c in ("higher_recall", "lower_recall"), highlight=False)
                    for c in inv.columns
                ],
                table_id="inversions",
                filter_box=len(inv) > 8,
            )
        )
        ctx.save(outputs.INVERSIONS, inv)
    return "".join(parts)


def _at_speed(speed: pd.DataFrame) -> str:
    return (
        "<p>At matched speed: each index build is represented by its highest-recall "
        "search setting at or above the fastest qps every build of the group reaches; "
        "the winner by recall and the winner by the task metric:</p>"
        + H.table(
            speed,
            [H.Col(c, wrap=c.startswith("best_"), highlight=False) for c in speed.columns],
            table_id="speed",
            filter_box=len(speed) > 8,
        )
    )


def _recommendation(rec: pd.DataFrame, results_dir: Path) -> str:
    items = "".join(_recommended(r) for r in rec.to_dict("records"))
    parts = [
        "<h3>Data probe and recommendation (Iceberg decision tree)</h3>",
        f"<ul>{items}</ul>",
        H.table(
            rec,
            [H.Col(c, highlight=False) for c in FEATURES],
            table_id="metafeatures",
            filter_box=False,
        ),
    ]
    this_run = _accuracy(matched_counts(rec))
    if this_run:
        parts.append(f"<p><b>The tree's measured accuracy</b> in this run: {this_run}.</p>")
    across = _accuracy(across_runs(results_dir))
    if across:
        parts.append(f"<p class='small'>Across every analysed run in "
                     f"{H.esc(results_dir)}: {across}.</p>")
    return "".join(parts)


def _accuracy(counts: dict[str, int]) -> str:
    """'distance matched 1 of 2; index family matched 2 of 2' (measured ones only)."""
    text = []
    for what, col in (("distance", "metric"), ("index family", "index")):
        if counts.get(f"{col}_measured"):
            text.append(f"{what} matched {counts[f'{col}_matched']} of "
                        f"{counts[f'{col}_measured']}")
    return "; ".join(text)


def _rule(name: object) -> str:
    return "" if H.is_missing(name) else f" (rule {H.esc(name)})"


def _precision(r: dict) -> str:
    """The recommended precision and the figures it rests on (analysis.precision_advice)."""
    if H.is_missing(r.get("recommended_precision")):
        return ""
    main = H.esc(r.get("main_metric", "") or "task metric")
    return (
        f" Precision at {int(r['precision_dim'])} dims: <b>{H.esc(r['recommended_precision'])}"
        f"</b>, the fewest bytes per document "
        f"({H.fmt('bytes_per_doc', float(r['precision_bytes_per_doc']))}) on exact search "
        f"whose {main} {float(r['precision_task']):.4f} is at least 99% of exact float32's "
        f"{float(r['precision_reference']):.4f} (bar {float(r['precision_bar']):.4f})"
        f"{_rule(r.get('precision_rule'))}."
    )


def _precision_table(advice: pd.DataFrame) -> str:
    cols = [c for c in advice.columns if c != "precision_search_params"]
    return ("<h4>Recommended precision per model and dim</h4><p class='small'>Rule "
            "bytes@task&gt;=99%exact: among the exact-search rows of one model and dim, those "
            "whose main metric reaches 99% of exact float32 there; the fewest bytes per "
            "document wins (docs/compression.md).</p>"
            + H.table(advice, [H.Col(c, highlight=False) for c in cols],
                      table_id="precision-advice", filter_box=len(advice) > 8))


def _recommended(r: dict) -> str:
    """One dataset x model's recommendation, and whether the measurements agree."""
    metric = DISTANCE_NAMES.get(r["recommended_metric"], r["recommended_metric"])
    line = (
        f"<li><b>{H.esc(r['dataset'])} / {H.esc(r['model'])}</b>: distance "
        f"<b>{metric}</b> ({H.esc(r['metric_reason'])}); index family "
        f"<b>{H.esc(r['recommended_index'])}-based</b> "
        f"({H.esc(r['index_reason'])})."
    )
    if not H.is_missing(r.get("measured_metric")):
        ok = str(r.get("metric_matched")).lower() == "true"
        line += (
            f" Measured best exact distance (ties: within {TIE}, or within the 95% CI): "
            f"<b>{H.esc(r['measured_metric'])}</b> — "
            f"{'matches' if ok else 'does not match'} the recommendation."
        )
    if not H.is_missing(r.get("measured_index")):
        ok = str(r.get("index_matched")).lower() == "true"
        line += (
            f" Measured best index family at matched speed (every family's rows at or "
            f"above {H.fmt('qps', float(r.get('speed_floor_qps', float('nan'))))} qps): "
            f"<b>{H.esc(r['measured_index'])}</b> — "
            f"{'matches' if ok else 'does not match'}"
            f"{_rule(r.get('index_rule'))}."
        )
    if not H.is_missing(r.get("filter_strategy_advice")):  # a run with filtered rows
        line += (f" Filter strategy: <b>{H.esc(r['filter_strategy_advice'])}</b> "
                 f"(rule: {H.esc(r['filter_advice_rule'])}).")
    line += _precision(r)
    return line + "</li>"
