"""The `harness` command line's arguments: every subcommand, every option with its help text
(tests/test_cli_hygiene.py walks the tree), and the value checks that make a bad number one
line from argparse rather than a failure later. cli.py dispatches; cli_views.py prints."""

from __future__ import annotations

import argparse
import sys
from dataclasses import fields
from typing import NoReturn

from harness.analysis.budget import Budget
from harness.analysis.rule_names import DEFAULT_RULE, RULE_HELP, RULE_NAMES
from harness.plan.checks import MAX_CELLS
from harness.suite.axes import PCA_DIM
from harness.version import __version__

JSON_HELP = "print the rows as JSON records (all columns, full values) instead of a table"
FORMATS = ("table", "csv", "json")
RUN_DIR = "a run folder (RESULTS/<run-id>, printed at the end of `harness run`)"
CACHE_HELP = "embedding cache (default: $HARNESS_CACHE or ~/.cache/embedding-harness)"


class OneLineParser(argparse.ArgumentParser):
    """A usage mistake is one line on stderr (what is wrong, where help is), exit code 2."""

    def error(self, message: str) -> NoReturn:
        sys.stderr.write(f"error: {self.prog}: {message} (see {self.prog} --help)\n")
        sys.exit(2)


def positive_int(text: str) -> int:
    """An argparse type: a whole number >= 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a number >= 1, got {value}")
    return value


def deltas(text: str) -> tuple[float, ...]:
    """An argparse type: comma-separated Robustness-delta thresholds, each in (0, 1]."""
    try:
        values = tuple(float(x) for x in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected numbers like 0.5,0.8, got {text!r}") from None
    if not all(0 < v <= 1 for v in values):
        raise argparse.ArgumentTypeError(f"expected every delta in (0, 1], got {text}")
    return values


def positive_float(text: str) -> float:
    """An argparse type: a number > 0 (a budget)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected a number > 0, got {text}")
    return value


def dim_value(text: str) -> int | str:
    """An argparse type: a dims entry, N >= 1 (the first N dimensions) or 'pca:N'."""
    m = PCA_DIM.match(text)
    if m and int(m.group(1)) >= 1:
        return text
    try:
        return positive_int(text)
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(
            f"expected a dimension like 128 or 'pca:128', got {text!r}") from None


def parser() -> argparse.ArgumentParser:
    p = OneLineParser(
        prog="harness",
        description="Benchmark embedding retrieval "
        "configurations: task quality, speed and memory on your data.",
    )
    p.add_argument("--debug", action="store_true", help="show tracebacks")
    p.add_argument("--version", action="version", version=f"harness {__version__}",
                   help="print the harness's version and exit")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    v = sub.add_parser("validate", help="check a suite file and its data without running it")
    pl = sub.add_parser("plan", help="print the cells a suite expands to, and the skipped ones")
    for cmd in (v, pl):
        _suite_args(cmd)
    _format_flag(pl, "print the cells and the skipped ones as JSON")
    _add_run(sub)
    _report_parsers(sub)
    _export_parser(sub)
    _bundle_parser(sub)
    st = sub.add_parser("site", help="a static website over every run under RESULTS_DIR "
                        "(plots, selectors, table; opens from file://); re-run to add runs")
    st.add_argument("results_dir", help="the folder the runs were written to (--output)")
    st.add_argument("out_dir", help="the site folder to write or bring up to date")
    _analysis_parsers(sub)
    return p


def _format_flag(p: argparse.ArgumentParser, json_help: str = JSON_HELP) -> None:
    """--format table|csv|json for a command that prints a table; --json is short for json."""
    p.add_argument("--format", choices=FORMATS, default="table",
                   help="table (aligned text, the default), csv (the table's rows, every "
                   "column) or json (" + json_help.removeprefix("print ") + ")")
    p.add_argument("--json", dest="format", action="store_const", const="json",
                   help="short for --format json")


def _rule_flag(p: argparse.ArgumentParser) -> None:
    """--rule NAME: the ranking rule (harness.analysis.rules, docs/tails.md)."""
    text = ("ranking rule: " + "; ".join(f"{k} = {v}" for k, v in RULE_HELP.items())
            + f" (default {DEFAULT_RULE})")
    # argparse %-formats help texts: a rule named 'qps@task>=99%exact' must be escaped
    p.add_argument("--rule", choices=RULE_NAMES, default=DEFAULT_RULE, metavar="RULE",
                   help=text.replace("%", "%%"))


def _report_parsers(sub: argparse._SubParsersAction) -> None:
    rp = sub.add_parser("report", help="write RUN_DIR/report.html (plots, tables, drill-down)")
    rp.add_argument("run_dir", help=RUN_DIR)
    rp.add_argument(
        "--no-texts", action="store_true", help="leave dataset texts out of the drill-down"
    )
    _rule_flag(rp)
    rp.add_argument("--deltas", type=deltas, default=None, metavar="D1,D2,...",
                    help="Robustness-delta thresholds of the Tails section (default 0.5,0.9,1.0)")
    lb = sub.add_parser("leaderboard", help="rank every run under RESULTS_DIR, per dataset")
    lb.add_argument("results_dir", help="a folder of run folders (e.g. results)")
    lb.add_argument("--dataset", default=None, help="only this dataset (its display name)")
    lb.add_argument("--metric", default=None, help="rank by this task metric")
    lb.add_argument("--output", default=None, help="folder for leaderboard.html/.csv")
    _rule_flag(lb)
    _format_flag(lb, "print the ranked entries, runs and warnings as JSON")
    cp = sub.add_parser("compare", help="the same configurations of two runs, with paired tests")
    cp.add_argument("run_a", help="the first run folder (A)")
    cp.add_argument("run_b", help="the second run folder (B), compared against A")
    cp.add_argument("--metric", default=None, help="main task metric (default: the suite's)")
    cp.add_argument("--output", default=None, help="folder for the HTML/CSV (default: RUN_B)")
    _format_flag(cp, "print the matched pairs, paired tests and warnings as JSON")


def _export_parser(sub: argparse._SubParsersAction) -> None:
    ex = sub.add_parser("export", help="a run's results as TREC runs + qrels, MTEB result "
                        "JSON or ann-benchmarks HDF5 files; or a text dataset with judgments "
                        "as a BEIR folder (or the Hugging Face layout MTEB reads)")
    ex.add_argument("dataset", metavar="SOURCE",
                    help="a run folder (RESULTS/<run-id>), or a dataset reference, e.g. "
                    "bbc-news or beir:FOLDER")
    ex.add_argument("out", help="the folder to write")
    ex.add_argument("--format", default=None,
                    choices=("trec", "mteb", "mteb-results", "ann-benchmarks"),
                    help="for a run folder: trec (default; a run file per result row, and "
                    "qrels), mteb or mteb-results (the same: MTEB's results-repository layout, a "
                    "result JSON per model and variant) or ann-benchmarks "
                    "(HDF5 data and result files; needs h5py)")
    ex.add_argument("--layout", choices=("beir", "hf"), default=None,
                    help="for a dataset: beir (default) or hf")
    ex.add_argument("--split", default="test", help="for a dataset: the qrels split to write")


def _bundle_parser(sub: argparse._SubParsersAction) -> None:
    bp = sub.add_parser("bundle", help="a run folder as one .tar.gz with sha256 checksums; "
                        "or verify (and --unpack) such a bundle")
    bp.add_argument("source", metavar="RUN_DIR|BUNDLE",
                    help="a run folder to pack, or a .tar.gz bundle to verify")
    bp.add_argument("--out", default=None, help="the archive to write (RUN_DIR.tar.gz)")
    bp.add_argument("--unpack", default=None, metavar="DIR",
                    help="for a bundle: after verifying, write the run folder under DIR")


def _analysis_parsers(sub: argparse._SubParsersAction) -> None:
    for name, text in (
        ("datasets", "list dataset references"),
        ("models", "list model references"),
        ("backends", "list index backends and their parameters"),
        ("suites", "list the suites bundled with the harness (harness run NAME runs one)"),
    ):
        _format_flag(sub.add_parser(name, help=text))
    f = sub.add_parser("funnel", help="where task quality is lost: embedding, dim, precision, "
                       "distance, index")
    f.add_argument("run_dir", help=RUN_DIR)
    f.add_argument("--cache-dir", default=None, help=CACHE_HELP)
    f.add_argument("--csv", default=None, help="also write the table to this CSV file")
    _format_flag(f, JSON_HELP)

    b = sub.add_parser("best", help="the best configuration under budgets, and Pareto frontiers")
    b.add_argument("run_dir", help=RUN_DIR)
    for limit in fields(Budget):  # --max-bytes-per-doc, --max-p99-ms, --min-qps, ...
        b.add_argument("--" + limit.name.replace("_", "-"), type=positive_float, default=None,
                       help=limit.metadata["help"])
    b.add_argument("--metric", default=None, help="task metric (default: the suite's first)")
    _rule_flag(b)
    _format_flag(b, JSON_HELP)

    pr = sub.add_parser("probe", help="data meta-features and the recommended distance/index")
    pr.add_argument("dataset", help="a dataset reference, e.g. bbc-news or beir:FOLDER")
    pr.add_argument("--model", required=True, help="a model reference, e.g. hash:64 or st:NAME")
    pr.add_argument("--dim", type=dim_value, default=None,
                    help="probe the vectors at this dim: N (first N) or pca:N (default: native)")
    pr.add_argument("--sample", type=positive_int, default=2000,
                    help="documents sampled for the features (default: 2000)")
    pr.add_argument("--cache-dir", default=None, help=CACHE_HELP)
    _format_flag(pr, "print the features and the recommendation as JSON")


def _suite_args(cmd: argparse.ArgumentParser) -> None:
    cmd.add_argument("suite", help="a suite file, or the name of a bundled suite "
                     "(`harness suites` lists them)")
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
    r.add_argument("--cache-dir", default=None, help=CACHE_HELP)
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
    _format_flag(r, "print the final summary as JSON (run folder, counts, every row)")
