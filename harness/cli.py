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

    for name, text in (
        ("datasets", "list dataset references"),
        ("models", "list model references"),
        ("backends", "list index backends and their parameters"),
    ):
        sub.add_parser(name, help=text)
    return p


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
        )
        out = api.run(args.suite, opts)
        suite = api.load_suite(args.suite).suite
        print(api.summary(out.frame, list(suite.evaluate)))
        print(
            f"\nresults: {out.run_dir}  ({out.n_ran} cells run, {out.n_resumed} reused, "
            f"{out.n_failed} failed)"
        )
        return 1 if out.n_failed else 0
    if args.command in ("datasets", "models", "backends"):
        import pandas as pd

        with pd.option_context("display.width", 200, "display.max_colwidth", 80):
            print(api.catalogue(args.command).to_string(index=False))
        return 0
    raise AssertionError(args.command)  # pragma: no cover


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
