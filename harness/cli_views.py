"""What the CLI prints for exports, listings, funnel and best: tables that fit 100 columns,
or JSON records with --json. cli.py parses and dispatches; these functions only print."""

from __future__ import annotations

import argparse
import json
from dataclasses import fields
from pathlib import Path

import pandas as pd

from harness import api
from harness.analysis.frontier import Budget
from harness.console import as_json, table
from harness.errors import UserError
from harness.suite_source import suite_listing


def export(args: argparse.Namespace) -> int:

    if api.is_run_dir(args.dataset):
        if args.layout:
            raise UserError("--layout is for datasets; a run folder takes --format trec|mteb")
        got = api.export_run(args.dataset, Path(args.out), fmt=args.format or "trec")
        print(got.summary())
        return 0
    if args.format:
        raise UserError(f"--format is for run folders: {args.dataset} has no manifest.json",
                        suggestion="pass results/<run-id>, or --layout beir|hf for a dataset")
    layout = args.layout or "beir"
    ds = api.export(args.dataset, Path(args.out), layout=layout, split=args.split)
    print(f"{args.out}: {ds.n_docs} documents, {ds.n_queries} queries ({layout} layout)")
    return 0


def listing(args: argparse.Namespace) -> int:

    df = (pd.DataFrame(suite_listing()) if args.command == "suites"
          else api.catalogue(args.command))
    print(as_json(df) if args.json else table(df))
    return 0


def funnel(df: pd.DataFrame, args: argparse.Namespace) -> int:

    if args.csv:
        df.to_csv(args.csv, index=False)
    if args.json:
        print(as_json(df))
        return 0
    cols = ["dataset", "model", "dim", "precision", "metric", "backend", "search_params",
            "ideal", "exact_native", "observed", "embedding_loss", "dimension_loss",
            "precision_loss", "metric_loss", "index_loss", "total_loss", "best_metric",
            "metric_misuse"]
    print(f"main metric: {df['main_metric'].iloc[0] if len(df) else '-'}")
    print(table(df[[c for c in cols if c in df]], lambda v: f"{v:.4f}"))
    flagged = df[df.get("metric_misuse", False) == True]  # noqa: E712
    for _, r in flagged.iterrows():
        print(f"metric misuse: {r['dataset']} {r['model']} dim={r['dim']} "
              f"{r['precision']}: {r['metric']} loses {r['metric_loss_vs_best']:.4f} "
              f"against {r['best_metric']} (95% CI {r['metric_loss_ci_low']:.4f}.."
              f"{r['metric_loss_ci_high']:.4f})")
    return 0


def best(args: argparse.Namespace) -> int:

    budget = Budget(**{f.name: getattr(args, f.name) for f in fields(Budget)})
    name, fits, fronts = api.best(args.run_dir, budget, args.metric)
    cols = ["dataset", "model", "dim", "precision", "metric", "backend", "build_params",
            "search_params", name, "qps", "latency_p99_ms", "bytes_per_doc"]
    if args.json:
        records = {"metric": name, "best": fits.head(1), **{f"frontier_{k}": v
                                                          for k, v in fronts.items()}}
        print(json.dumps({k: v if isinstance(v, str) else json.loads(v.to_json(
            orient="records")) for k, v in records.items()}, indent=1))
        return 0 if len(fits) else 1
    if fits.empty:
        print(f"no configuration fits the budgets ({budget})")
        return 1
    print(f"best {name} under the budgets:")
    print(table(fits[[c for c in cols if c in fits]].head(1), lambda v: f"{v:.4f}"))
    for other, front in fronts.items():
        print(f"\nPareto frontier of {name} vs {other}:")
        print(table(front[[c for c in cols if c in front]], lambda v: f"{v:.4f}"))
    return 0
