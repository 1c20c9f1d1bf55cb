"""`harness` command line: each subcommand parses options and calls one function of api.py.

Exit codes: 0 success, 1 some cells failed (or a bug), 2 a user error (bad suite or data,
unknown name), 130 interrupted. Errors print one line each and no traceback (unless --debug).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from harness.cli.args import parser
from harness.cli.terminal import QuietPipe, confirm_grid
from harness.errors import UserError, UserErrors


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
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


def _load_plugins() -> None:
    """The modules HARNESS_PLUGINS names register their datasets, models and backends here
    too (workers import them again before each cell): docs/howto/backend.md."""
    from harness.execution.worker import PLUGINS_ENV, import_plugins, plugins_from_env

    try:
        import_plugins(plugins_from_env())
    except ImportError as exc:
        raise UserError(f"cannot import {exc.name or exc}", key=PLUGINS_ENV,
                        suggestion="name importable modules (on PYTHONPATH), comma-separated"
                        ) from None


def _dispatch(args: argparse.Namespace) -> int:
    from harness import api
    from harness.cli import views as cli_views
    from harness.plan.source import bundled_or_path

    _load_plugins()
    if args.command in ("validate", "plan", "run"):
        args.suite = bundled_or_path(args.suite)  # 'quickstart': the suite in the package
        confirm_grid(args.suite, args.yes)
    if args.command == "validate":
        p = api.validate(args.suite)
        print(f"{args.suite}: ok ({len(p.cells)} cells, {len(p.skipped)} skipped)")
        return 0
    if args.command in ("plan", "run"):
        return cli_views.plan(args) if args.command == "plan" else cli_views.run(args)
    if args.command in ("report", "leaderboard", "compare"):
        return _reports(args)
    if args.command == "export":
        return cli_views.export(args)
    if args.command == "bundle":
        return cli_views.bundle(args)
    if args.command == "site":
        built = api.site(args.results_dir, args.out_dir)
        print(f"site: {built.index} ({len(built.runs)} runs, {len(built.read)} read now, "
              f"{len(built.written)} files written)")
        for w in built.warnings:
            print(f"warning: {w}")
        return 0
    if args.command in ("datasets", "models", "backends", "suites"):
        return cli_views.listing(args)
    if args.command in ("funnel", "best", "probe"):
        return _analysis(args)
    raise AssertionError(args.command)  # pragma: no cover


def _analysis(args: argparse.Namespace) -> int:
    from harness import api
    from harness.cli import views as cli_views

    if args.command == "funnel":
        cache = Path(args.cache_dir) if args.cache_dir else None
        return cli_views.funnel(api.funnel(args.run_dir, cache_dir=cache), args)
    if args.command == "best":
        return cli_views.best(args)
    return cli_views.probe(args)


def _reports(args: argparse.Namespace) -> int:
    from harness import api
    from harness.cli import views as cli_views

    if args.command == "report":
        out = api.report(args.run_dir, texts=not args.no_texts, rule=args.rule,
                         deltas=args.deltas)
        print(f"report: {out.html}")
        for t in out.tables:
            print(f"table:  {t}")
        if out.left_out:  # written, but without these cells: say so, and not with exit 0
            names = ", ".join(p.name for p in out.left_out[:5])
            print(f"left out {len(out.left_out)} damaged cell file(s) ({names}): run the "
                  "suite again into the same --output to recompute them")
            return 1
        return 0
    if args.command == "leaderboard":
        return cli_views.leaderboard(args)
    return cli_views.compare(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
