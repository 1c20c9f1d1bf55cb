"""`harness` command line: each subcommand parses options and calls one function of api.py.

Exit codes: 0 success, 1 some cells failed, 2 a user error (bad suite, unknown name), 130
interrupted. User errors print one line each and no traceback (unless --debug).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from harness.errors import UserError, UserErrors


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="harness",
        description="Benchmark embedding retrieval "
        "configurations: task quality, speed and memory on your data.",
    )
    p.add_argument("--debug", action="store_true", help="show tracebacks")
    sub = p.add_subparsers(dest="command", required=True)

    v = sub.add_parser("validate", help="check a suite file without running it")
    v.add_argument("suite")

    pl = sub.add_parser("plan", help="print the cells a suite expands to, and the skipped ones")
    pl.add_argument("suite")

    _add_run(sub)

    rp = sub.add_parser("report", help="write RUN_DIR/report.html (plots, tables, drill-down)")
    rp.add_argument("run_dir")
    rp.add_argument(
        "--no-texts", action="store_true", help="leave dataset texts out of the drill-down"
    )
    lb = sub.add_parser("leaderboard", help="rank every run under RESULTS_DIR, per dataset")
    lb.add_argument("results_dir")
    lb.add_argument("--dataset", default=None, help="only this dataset (its display name)")
    lb.add_argument("--metric", default=None, help="rank by this task metric")
    lb.add_argument("--output", default=None, help="folder for leaderboard.html/.csv")
    cp = sub.add_parser("compare", help="the same configurations of two runs, with paired tests")
    cp.add_argument("run_a")
    cp.add_argument("run_b")
    cp.add_argument("--metric", default=None, help="main task metric (default: the suite's)")
    cp.add_argument("--output", default=None, help="folder for the HTML/CSV (default: RUN_B)")

    ex = sub.add_parser("export", help="write a text dataset with judgments as a BEIR folder "
                        "(or the Hugging Face layout MTEB reads)")
    ex.add_argument("dataset", help="a dataset reference, e.g. bbc-news or beir:FOLDER")
    ex.add_argument("out", help="the folder to write")
    ex.add_argument("--layout", choices=("beir", "hf"), default="beir")
    ex.add_argument("--split", default="test", help="the qrels split name to write")

    for name, text in (
        ("datasets", "list dataset references"),
        ("models", "list model references"),
        ("backends", "list index backends and their parameters"),
    ):
        sub.add_parser(name, help=text)
    f = sub.add_parser("funnel", help="where task quality is lost: embedding, dim, precision, "
                       "distance, index")
    f.add_argument("run_dir")
    f.add_argument("--cache-dir", default=None)
    f.add_argument("--csv", default=None, help="also write the table to this CSV file")

    b = sub.add_parser("best", help="the best configuration under budgets, and Pareto frontiers")
    b.add_argument("run_dir")
    b.add_argument("--max-bytes-per-vector", type=float, default=None)
    b.add_argument("--max-p99-ms", type=float, default=None)
    b.add_argument("--min-qps", type=float, default=None)
    b.add_argument("--metric", default=None, help="task metric (default: the suite's first)")

    pr = sub.add_parser("probe", help="data meta-features and the recommended distance/index")
    pr.add_argument("dataset")
    pr.add_argument("--model", required=True)
    pr.add_argument("--dim", type=int, default=None)
    pr.add_argument("--sample", type=int, default=2000)
    pr.add_argument("--cache-dir", default=None)
    return p


def _add_run(sub: argparse._SubParsersAction) -> None:
    r = sub.add_parser("run", help="run a suite; results go to OUTPUT/<run-id>/")
    r.add_argument("suite")
    r.add_argument("--output", default="results", help="results folder (default: results)")
    r.add_argument(
        "--resume",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="reuse finished cells of the same suite (default) or start a new run",
    )
    r.add_argument(
        "--only",
        default=None,
        metavar="PATTERN",
        help="run only cells whose label matches (glob or substring) or id prefix",
    )
    r.add_argument(
        "--cache-dir",
        default=None,
        help="embedding cache (default: $HARNESS_CACHE or ~/.cache/embedding-harness)",
    )
    r.add_argument("--no-progress", action="store_true", help="no progress bar or log echo")
    r.add_argument(
        "--no-report", action="store_true", help="do not write RUN_DIR/report.html at the end"
    )
    r.add_argument("--no-analysis", action="store_true",
                   help="skip the funnel/rankings/recommendation step at the end")
    r.add_argument("--executor", choices=("process", "inline", "ray"), default=None,
                   help="where cells run: each in its own worker process (default), in this "
                   "process, or as Ray tasks (the suite's `executor:` key sets a default)")
    r.add_argument("--ray-address", default=None,
                   help="an existing Ray cluster (default: $RAY_ADDRESS, else a local one)")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return _dispatch(args)
    except UserErrors as exc:
        if args.debug:
            raise
        for e in exc.errors:
            print(f"error: {e.one_line()}", file=sys.stderr)
        return 2
    except UserError as exc:
        if args.debug:
            raise
        print(f"error: {exc.one_line()}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(
            "interrupted: finished cells are saved; run the same command again to resume",
            file=sys.stderr,
        )
        return 130


def _dispatch(args: argparse.Namespace) -> int:
    from harness import api

    if args.command == "validate":
        p = api.validate(args.suite)
        print(f"{args.suite}: ok ({len(p.cells)} cells, {len(p.skipped)} skipped)")
        return 0
    if args.command == "plan":
        p = api.plan(args.suite)
        print(f"{len(p.cells)} cells:")
        for c in p.cells:
            grid = len(c.search_grid)
            print(f"  {c.cell_id}  {c.label}  [{grid} search setting{'s' if grid != 1 else ''}]")
        if p.skipped:
            print(f"{len(p.skipped)} skipped:")
            for s in p.skipped:
                print(f"  {s.cell.label}: {s.reason}")
        return 0
    if args.command == "run":
        opts = api.RunOptions(
            output=Path(args.output),
            resume=args.resume,
            only=args.only,
            cache_dir=Path(args.cache_dir) if args.cache_dir else None,
            progress=not args.no_progress,
            report=not args.no_report,
            analysis=not args.no_analysis,
            executor=args.executor,
            ray_address=args.ray_address,
        )
        out = api.run(args.suite, opts)
        print(api.summary(out.frame, list(out.suite.suite.evaluate) if out.suite else []))
        print(
            f"\nresults: {out.run_dir}  ({out.n_ran} cells run, {out.n_resumed} reused, "
            f"{out.n_failed} failed)"
        )
        return 1 if out.n_failed else 0
    if args.command in ("report", "leaderboard", "compare"):
        return _reports(args)
    if args.command == "export":
        ds = api.export(args.dataset, Path(args.out), layout=args.layout, split=args.split)
        print(f"{args.out}: {ds.n_docs} documents, {ds.n_queries} queries ({args.layout} layout)")
        return 0
    if args.command in ("datasets", "models", "backends"):
        import pandas as pd

        with pd.option_context("display.width", 200, "display.max_colwidth", 80):
            print(api.catalogue(args.command).to_string(index=False))
        return 0
    if args.command in ("funnel", "best", "probe"):
        return _analysis(args)
    raise AssertionError(args.command)  # pragma: no cover


def _analysis(args: argparse.Namespace) -> int:
    import pandas as pd

    from harness import api

    cache = Path(args.cache_dir) if getattr(args, "cache_dir", None) else None
    fmt = {"display.width": 220, "display.max_columns": 40, "display.max_colwidth": 40}
    with pd.option_context(*[x for kv in fmt.items() for x in kv],
                           "display.float_format", lambda v: f"{v:.4f}"):
        if args.command == "funnel":
            df = api.funnel(args.run_dir, cache_dir=cache)
            if args.csv:
                df.to_csv(args.csv, index=False)
            cols = ["dataset", "model", "dim", "precision", "metric", "backend", "search_params",
                    "ideal", "exact_native", "observed", "embedding_loss", "dimension_loss",
                    "precision_loss", "metric_loss", "index_loss", "total_loss", "best_metric",
                    "metric_misuse"]
            print(f"main metric: {df['main_metric'].iloc[0] if len(df) else '-'}")
            print(df[[c for c in cols if c in df]].to_string(index=False))
            flagged = df[df.get("metric_misuse", False) == True]  # noqa: E712
            for _, r in flagged.iterrows():
                print(f"metric misuse: {r['dataset']} {r['model']} dim={r['dim']} "
                      f"{r['precision']}: {r['metric']} loses {r['metric_loss_vs_best']:.4f} "
                      f"against {r['best_metric']} (95% CI {r['metric_loss_ci_low']:.4f}.."
                      f"{r['metric_loss_ci_high']:.4f})")
            return 0
        if args.command == "best":
            from harness.analysis.frontier import Budget

            budget = Budget(args.max_bytes_per_vector, args.max_p99_ms, args.min_qps)
            name, fits, fronts = api.best(args.run_dir, budget, args.metric)
            cols = ["dataset", "model", "dim", "precision", "metric", "backend", "build_params",
                    "search_params", name, "qps", "latency_p99_ms", "bytes_per_vector"]
            if fits.empty:
                print(f"no configuration fits the budgets ({budget})")
                return 1
            print(f"best {name} under the budgets:")
            print(fits[[c for c in cols if c in fits]].head(1).to_string(index=False))
            for other, front in fronts.items():
                print(f"\nPareto frontier of {name} vs {other}:")
                print(front[[c for c in cols if c in front]].to_string(index=False))
            return 0
        feats, rec = api.probe(args.dataset, args.model, dim=args.dim, sample=args.sample,
                               cache_dir=cache)
        for key, value in feats.as_dict().items():
            print(f"{key:>18}: {value if not isinstance(value, float) else f'{value:.4f}'}")
        print(f"\nrecommended distance: {'inner product' if rec.metric == 'ip' else 'Euclidean'}"
              f" ({rec.metric_reason})")
        print(f"recommended index family: {rec.index_family}-based ({rec.index_reason})")
        return 0


def _reports(args: argparse.Namespace) -> int:
    from harness import api

    if args.command == "report":
        out = api.report(args.run_dir, texts=not args.no_texts)
        print(f"report: {out.html}")
        for t in out.tables:
            print(f"table:  {t}")
        return 0
    if args.command == "leaderboard":
        board = api.leaderboard(
            args.results_dir, dataset=args.dataset, metric=args.metric, output=args.output
        )
        print(board.text())
        print(f"\nleaderboard: {board.html_path}\ntable:       {board.csv_path}")
        return 0
    comp = api.compare(args.run_a, args.run_b, metric=args.metric, output=args.output)
    print(comp.text())
    print(f"\ncompare: {comp.html_path}\ntable:   {comp.csv_path}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
