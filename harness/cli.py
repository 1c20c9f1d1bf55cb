"""`harness` command line: each subcommand parses options and calls one function of api.py.

Exit codes: 0 success, 1 some cells failed (or a bug), 2 a user error (bad suite or data,
unknown name), 130 interrupted. Errors print one line each and no traceback (unless --debug).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import fields
from pathlib import Path

from harness import __version__
from harness.analysis.budget import Budget
from harness.checks import MAX_CELLS
from harness.errors import UserError, UserErrors
from harness.terminal import QuietPipe, confirm_grid

JSON_HELP = "print the rows as JSON records (all columns, full values) instead of a table"


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="harness",
        description="Benchmark embedding retrieval "
        "configurations: task quality, speed and memory on your data.",
    )
    p.add_argument("--debug", action="store_true", help="show tracebacks")
    p.add_argument("--version", action="version", version=f"harness {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    v = sub.add_parser("validate", help="check a suite file and its data without running it")
    pl = sub.add_parser("plan", help="print the cells a suite expands to, and the skipped ones")
    for cmd in (v, pl):
        _suite_args(cmd)
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

    _export_parser(sub)
    _analysis_parsers(sub)
    return p


def _export_parser(sub: argparse._SubParsersAction) -> None:
    ex = sub.add_parser("export", help="a run's results as TREC runs + qrels or MTEB result "
                        "JSON; or a text dataset with judgments as a BEIR folder (or the "
                        "Hugging Face layout MTEB reads)")
    ex.add_argument("dataset", metavar="SOURCE",
                    help="a run folder (RESULTS/<run-id>), or a dataset reference, e.g. "
                    "bbc-news or beir:FOLDER")
    ex.add_argument("out", help="the folder to write")
    ex.add_argument("--format", choices=("trec", "mteb"), default=None,
                    help="for a run folder: trec (default; a run file per result row, and "
                    "qrels) or mteb (a result JSON per model and variant)")
    ex.add_argument("--layout", choices=("beir", "hf"), default=None,
                    help="for a dataset: beir (default) or hf")
    ex.add_argument("--split", default="test", help="for a dataset: the qrels split to write")


def _analysis_parsers(sub: argparse._SubParsersAction) -> None:
    for name, text in (
        ("datasets", "list dataset references"),
        ("models", "list model references"),
        ("backends", "list index backends and their parameters"),
        ("suites", "list the suites bundled with the harness (harness run NAME runs one)"),
    ):
        sub.add_parser(name, help=text).add_argument("--json", action="store_true",
                                                     help=JSON_HELP)
    f = sub.add_parser("funnel", help="where task quality is lost: embedding, dim, precision, "
                       "distance, index")
    f.add_argument("run_dir")
    f.add_argument("--cache-dir", default=None)
    f.add_argument("--csv", default=None, help="also write the table to this CSV file")
    f.add_argument("--json", action="store_true", help=JSON_HELP)

    b = sub.add_parser("best", help="the best configuration under budgets, and Pareto frontiers")
    b.add_argument("run_dir")
    for limit in fields(Budget):  # --max-bytes-per-doc, --max-p99-ms, --min-qps, ...
        b.add_argument("--" + limit.name.replace("_", "-"), type=float, default=None,
                       help=limit.metadata["help"])
    b.add_argument("--metric", default=None, help="task metric (default: the suite's first)")
    b.add_argument("--json", action="store_true", help=JSON_HELP)

    pr = sub.add_parser("probe", help="data meta-features and the recommended distance/index")
    pr.add_argument("dataset")
    pr.add_argument("--model", required=True)
    pr.add_argument("--dim", type=int, default=None)
    pr.add_argument("--sample", type=int, default=2000)
    pr.add_argument("--cache-dir", default=None)


def _suite_args(cmd: argparse.ArgumentParser) -> None:
    cmd.add_argument("suite")
    cmd.add_argument("--yes", action="store_true",
                     help=f"accept a grid of more than {MAX_CELLS:,} cells without asking")


def _add_run(sub: argparse._SubParsersAction) -> None:
    r = sub.add_parser("run", help="run a suite; results go to OUTPUT/<run-id>/")
    _suite_args(r)
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
    sys.stdout = QuietPipe(sys.stdout)  # a reader that goes away (`| head`) ends no run
    try:
        return _dispatch(args)
    except (UserErrors, UserError) as exc:
        if args.debug:
            raise
        for e in exc.errors if isinstance(exc, UserErrors) else [exc]:
            print(f"error: {e.one_line()}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(
            "interrupted: finished cells are saved; run the same command again to resume",
            file=sys.stderr,
        )
        return 130
    except Exception as exc:  # a bug, not the user's input: one line unless --debug
        if args.debug:
            raise
        print(f"error: unexpected {type(exc).__name__}: {exc} (a bug in the harness or a "
              "plugin; --debug shows the traceback)", file=sys.stderr)
        return 1
    finally:
        sys.stdout = sys.stdout.inner if isinstance(sys.stdout, QuietPipe) else sys.stdout


def _dispatch(args: argparse.Namespace) -> int:
    from harness import api
    from harness.suite_source import bundled_or_path

    if args.command in ("validate", "plan", "run"):
        args.suite = bundled_or_path(args.suite)  # 'quickstart': the suite in the package
        confirm_grid(args.suite, args.yes)
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
        from harness import cli_views

        return cli_views.export(args)
    if args.command in ("datasets", "models", "backends", "suites"):
        from harness import cli_views

        return cli_views.listing(args)
    if args.command in ("funnel", "best", "probe"):
        return _analysis(args)
    raise AssertionError(args.command)  # pragma: no cover


def _analysis(args: argparse.Namespace) -> int:
    from harness import api, cli_views
    from harness.analysis.probe import DISTANCE_NAMES

    cache = Path(args.cache_dir) if getattr(args, "cache_dir", None) else None
    if args.command == "funnel":
        return cli_views.funnel(api.funnel(args.run_dir, cache_dir=cache), args)
    if args.command == "best":
        return cli_views.best(args)
    feats, rec = api.probe(args.dataset, args.model, dim=args.dim, sample=args.sample,
                           cache_dir=cache)
    for key, value in feats.as_dict().items():
        print(f"{key:>18}: {value if not isinstance(value, float) else f'{value:.4f}'}")
    print(f"\nrecommended distance: {DISTANCE_NAMES[rec.metric]}"
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
