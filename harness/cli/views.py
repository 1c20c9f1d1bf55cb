"""What the CLI prints for plan, run, exports, listings, funnel, best, probe, leaderboard and
compare: tables and text that fit 100 columns, or JSON with --json. cli.py dispatches;
these functions call api.py and print."""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from dataclasses import fields
from pathlib import Path

import pandas as pd

from harness import api
from harness.analysis import outputs
from harness.analysis.frontier import Budget
from harness.console import as_csv, as_json, render, table, wrap
from harness.errors import UserError
from harness.exports.bundle import bundle_run, unpack_bundle, verify_bundle
from harness.plan.source import suite_listing


def _out_folder(path: str, key: str) -> Path:
    """A folder to write into: absent (it is created) or a folder, never a file."""
    out = Path(path)
    if out.exists() and not out.is_dir():
        raise UserError(f"{path} is a file, not a folder", key=key,
                        suggestion="give a folder to write into; it is created if absent")
    return out


def export(args: argparse.Namespace) -> int:

    if api.is_run_dir(args.dataset):
        if args.layout:
            raise UserError("--layout is for datasets; a run folder takes --format "
                            "trec|mteb|ann-benchmarks")
        got = api.export_run(args.dataset, _out_folder(args.out, "OUT"),
                             fmt=args.format or "trec")
        print(got.summary())
        return 0
    if args.format:
        raise UserError(f"--format is for run folders: {args.dataset} has no manifest.json",
                        suggestion="pass results/<run-id>, or --layout beir|hf for a dataset")
    layout = args.layout or "beir"
    ds = api.export(args.dataset, _out_folder(args.out, "OUT"), layout=layout, split=args.split)
    print(f"{args.out}: {ds.n_docs} documents, {ds.n_queries} queries ({layout} layout)")
    return 0


def bundle(args: argparse.Namespace) -> int:
    if api.is_run_dir(args.source):
        print(bundle_run(Path(args.source), Path(args.out) if args.out else None).summary())
        return 0
    if args.unpack:
        print(f"unpacked: {unpack_bundle(Path(args.source), Path(args.unpack))}")
        return 0
    print(verify_bundle(Path(args.source))[0].summary())
    return 0


def listing(args: argparse.Namespace) -> int:

    df = (pd.DataFrame(suite_listing()) if args.command == "suites"
          else api.catalogue(args.command))
    print(render(df, args.format))
    return 0


def funnel(df: pd.DataFrame, args: argparse.Namespace) -> int:

    if args.csv:
        if not Path(args.csv).expanduser().parent.is_dir():
            raise UserError(f"no folder {Path(args.csv).parent} to write {args.csv} into",
                            key="--csv", suggestion="create the folder, or give another path")
        df.to_csv(args.csv, index=False)
    if args.format != "table":
        print(render(df, args.format))
        return 0
    cols = ["dataset", "model", "dim", "precision", "metric", "backend", "search_params",
            "ideal", "exact_native", "observed", "embedding_loss", "dimension_loss",
            "precision_loss", "metric_loss", "index_loss", "total_loss", "best_metric",
            "metric_misuse"]
    metrics = list(dict.fromkeys(df["main_metric"])) if len(df) else []
    print(f"main metric: {', '.join(map(str, metrics)) or '-'}")
    if len(metrics) > 1:  # each dataset judged by its own: say which column is which
        cols.insert(1, "main_metric")
    print(table(df[[c for c in cols if c in df]], lambda v: f"{v:.4f}"))
    flagged = df[df.get("metric_misuse", False) == True]  # noqa: E712
    for _, r in flagged.iterrows():
        print(f"metric misuse: {r['dataset']} {r['model']} dim={r['dim']} "
              f"{r['precision']}: {r['metric']} loses {r['metric_loss_vs_best']:.4f} "
              f"against {r['best_metric']} (95% CI {r['metric_loss_ci_low']:.4f}.."
              f"{r['metric_loss_ci_high']:.4f})")
    _rerank_stage(Path(args.run_dir) / outputs.RERANK)
    return 0


def _rerank_stage(path: Path) -> None:
    """The funnel's rerank stage (two-stage rows), when the run has any."""
    stage = pd.read_csv(path) if path.is_file() and path.stat().st_size > 1 else pd.DataFrame()
    if stage.empty:
        return
    cols = ["model", "precision", "backend", "rerank", "rerank_candidates", "first_stage",
            "two_stage", "reranker_exact", "bought_back", "bought_back_share", "rerank_ms_p50",
            "latency_added_ms_p50"]
    print("\nrerank stage (what the second stage buys back of the first stage's loss):")
    print(table(stage[[c for c in cols if c in stage]], lambda v: f"{v:.4f}"))


def best(args: argparse.Namespace) -> int:

    budget = Budget(**{f.name: getattr(args, f.name) for f in fields(Budget)})
    name, fits, fronts = api.best(args.run_dir, budget, args.metric, args.rule)
    cols = ["dataset", "model", "dim", "precision", "metric", "backend", "build_params",
            "search_params", "rerank", "rerank_candidates", name, "qps", "latency_p99_ms",
            "bytes_per_doc", "usd_per_1m_queries"]
    if args.format == "csv":  # every configuration under the budgets, best first
        print(as_csv(fits))
        return 0 if len(fits) else 1
    if args.format == "json":
        print(as_json({"metric": name, "rule": args.rule, "best": fits.head(1),
                       **{f"frontier_{k}": v for k, v in fronts.items()}}))
        return 0 if len(fits) else 1
    if fits.empty:
        print(f"no configuration fits the budgets ({budget}) under the rule {args.rule}")
        return 1
    print(f"best under the budgets by the rule {args.rule} (metric {name}):")
    print(table(fits[[c for c in cols if c in fits]].head(1), lambda v: f"{v:.4f}"))
    if fits["rule_note"].iloc[0]:
        print(wrap(f"note: {fits['rule_note'].iloc[0]}"))
    for other, front in fronts.items():
        print(f"\nPareto frontier of {name} vs {other}:")
        print(table(front[[c for c in cols if c in front]], lambda v: f"{v:.4f}"))
    return 0


def plan(args: argparse.Namespace) -> int:
    p = api.plan(args.suite)
    cells = pd.DataFrame([{"cell_id": c.cell_id, "label": c.label,
                           "search_settings": len(c.search_grid)} for c in p.cells])
    skipped = pd.DataFrame([{"label": s.cell.label, "reason": s.reason} for s in p.skipped])
    if args.format == "json":
        print(as_json({"cells": cells, "skipped": skipped, "notes": dict(p.notes)}))
        return 0
    if args.format == "csv":  # one row per cell, planned or skipped (with the reason)
        print(as_csv(pd.concat([cells.assign(status="planned", reason=""),
                                skipped.assign(status="skipped")], ignore_index=True)))
        return 0
    print(f"{len(p.cells)} cells:")
    for c in p.cells:
        n = len(c.search_grid)
        print(wrap(f"  {c.cell_id}  {c.label}  [{n} search setting{'s' if n != 1 else ''}]"))
    if p.skipped:
        print(f"{len(p.skipped)} skipped:")
        for s in p.skipped:
            print(wrap(f"  {s.cell.label}: {s.reason}"))
    if p.notes:
        print("notes:")
        for name, note in p.notes:
            print(wrap(f"  {name}: {note}"))
    return 0


def run(args: argparse.Namespace) -> int:
    opts = api.RunOptions(
        output=Path(args.output), resume=args.resume, only=args.only,
        cache_dir=Path(args.cache_dir) if args.cache_dir else None,
        progress=not args.no_progress, report=not args.no_report,
        analysis=not args.no_analysis, executor=args.executor, ray_address=args.ray_address,
    )
    out = api.run(args.suite, opts)
    counts = {"ran": out.n_ran, "reused": out.n_resumed, "failed": out.n_failed}
    if args.format == "json":
        print(as_json({"run_dir": str(out.run_dir), **counts, "rows": out.frame}))
    elif args.format == "csv":
        print(as_csv(out.frame))
    else:
        print(api.summary(out.frame, list(out.suite.suite.evaluate) if out.suite else []))
        print(f"\nresults: {out.run_dir}  ({out.n_ran} cells run, {out.n_resumed} reused, "
              f"{out.n_failed} failed{analysis_share(out.phases)})")
    return 1 if out.n_failed else 0


def analysis_share(phases: Mapping[str, float] | None) -> str:
    """'; analysis 8% of 151 s' for the summary line (nothing when the run had no analysis)."""
    if not phases or "analysis" not in phases or not phases.get("wall"):
        return ""
    return (f"; analysis {100 * phases['analysis'] / phases['wall']:.0f}% of "
            f"{phases['wall']:,.0f} s")


def probe(args: argparse.Namespace) -> int:
    from harness.analysis.probe import DISTANCE_NAMES

    feats, rec = api.probe(args.dataset, args.model, dim=args.dim, sample=args.sample,
                           cache_dir=Path(args.cache_dir) if args.cache_dir else None)
    verdict = {"distance": rec.metric, "distance_reason": rec.metric_reason,
               "index_family": rec.index_family, "index_reason": rec.index_reason}
    if args.format == "json":
        print(as_json({"features": feats.as_dict(), **verdict}))
        return 0
    if args.format == "csv":
        print(as_csv(pd.DataFrame([{**feats.as_dict(), **verdict}])))
        return 0
    for key, value in feats.as_dict().items():
        print(f"{key:>18}: {value if not isinstance(value, float) else f'{value:.4f}'}")
    print(wrap(f"\nrecommended distance: {DISTANCE_NAMES[rec.metric]} ({rec.metric_reason})"))
    print(wrap(f"recommended index family: {rec.index_family}-based ({rec.index_reason})"))
    return 0


def leaderboard(args: argparse.Namespace) -> int:
    board = api.leaderboard(args.results_dir, dataset=args.dataset, metric=args.metric,
                            output=args.output, rule=args.rule)
    if args.format == "csv":
        print(as_csv(board.table))
        return 0
    if args.format == "json":
        print(as_json({"rule": board.rule, "entries": board.table, "runs": board.runs,
                       "warnings": board.warnings,
                       "html": board.html_path, "csv": board.csv_path}))
        return 0
    print(board.text())
    print(f"\nleaderboard: {board.html_path}\ntable:       {board.csv_path}")
    return 0


def compare(args: argparse.Namespace) -> int:
    comp = api.compare(args.run_a, args.run_b, metric=args.metric, output=args.output)
    if args.format == "csv":
        print(as_csv(comp.pairs))
        return 0
    if args.format == "json":
        print(as_json({"a": comp.a.run_id, "b": comp.b.run_id, "pairs": comp.pairs,
                       "tests": comp.tests, "only_a": comp.only_a, "only_b": comp.only_b,
                       "warnings": comp.warnings, "html": comp.html_path,
                       "csv": comp.csv_path}))
        return 0
    print(comp.text())
    print(f"\ncompare: {comp.html_path}\ntable:   {comp.csv_path}")
    return 0
