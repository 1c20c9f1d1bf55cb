"""What the commands print reads well: no line over 100 columns, no exponent in a table, no
pandas continuation backslash; --format csv and json give every row."""

from __future__ import annotations

import io
import json
import re

import pandas as pd
from report_fixtures import runs_fixture  # noqa: F401 (the `runs` fixture)

from harness.cli.main import main
from harness.console import table

# a number written with an exponent, as a whole token: run ids are hex ("3b4d85e8")
EXPONENT = re.compile(r"(?<![\w.])[-+]?\d+(?:\.\d+)?[eE][+-]?\d+(?![\w.])")
PATH_LINE = re.compile(r"^[a-z]+:\s+/")


def _printed(argv: list[str], capsys) -> str:
    code = main(argv)
    assert code in (0, 1), argv
    return capsys.readouterr().out


def _commands(runs) -> list[list[str]]:
    a, b = str(runs.a.run_dir), str(runs.b.run_dir)
    return [["funnel", a], ["best", a], ["leaderboard", str(runs.results)],
            ["compare", a, b], ["backends"], ["datasets"], ["suites"]]


def test_every_table_fits_100_columns_without_exponents_or_backslashes(runs, capsys):
    for argv in _commands(runs):
        out = _printed(argv, capsys)
        for line in out.splitlines():
            if PATH_LINE.match(line):  # "compare: /tmp/.../x.html": a path, not a table
                continue
            assert len(line) <= 100, (argv, line)
            assert not line.rstrip().endswith("\\"), (argv, line)
            if "  " in line and not line.startswith(("note", "warning", "  ")):
                assert not EXPONENT.search(line), (argv, line)


def test_csv_and_json_formats_carry_the_same_rows(runs, capsys):
    a = str(runs.a.run_dir)
    for argv in (["best", a], ["funnel", a], ["leaderboard", str(runs.results)]):
        as_csv = pd.read_csv(io.StringIO(_printed([*argv, "--format", "csv"], capsys)))
        as_json = json.loads(_printed([*argv, "--format", "json"], capsys))
        assert len(as_csv) > 0, argv
        if isinstance(as_json, list):  # funnel: the rows themselves
            assert len(as_json) == len(as_csv)
    assert json.loads(_printed(["best", a, "--json"], capsys))["rule"] == "task@budget"


def test_wide_tables_continue_in_blocks_led_by_the_row_names():
    df = pd.DataFrame({"model": ["minilm-l6-int8", "glove-50d"], "dim": [384, 50],
                       **{f"metric_{i}": [0.123456, 0.5] for i in range(12)},
                       "qps": [21780.4, 4848.0], "bytes_per_doc": [1536.0, 200.0]})
    text = table(df, lambda v: f"{v:.4f}", width=80)
    blocks = text.split("\n\n")
    assert len(blocks) > 1
    for block in blocks:  # every block names the rows
        lines = block.splitlines()
        assert lines[0].startswith("model") and lines[1].startswith("minilm-l6-int8")
        assert all(len(line) <= 80 for line in lines)
    assert "21,780" in text and "1,536" in text and "0.1235" in text
    assert not EXPONENT.search(text)
