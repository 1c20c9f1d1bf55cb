"""The generated reference pages are what the code says, and say something for every entry."""

import argparse
from pathlib import Path

from harness.cli import reference_pages as reference
from harness.cli.args import parser

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_committed_pages_equal_the_generated_ones():
    for rel, text in reference.pages().items():
        committed = (DOCS / rel).read_text()
        assert committed == text, f"docs/{rel} is stale: run python -m harness.cli.reference_pages"


def test_every_command_and_option_has_its_entry_with_a_meaning():
    page = reference.cli_markdown()
    root = parser()
    sub = next(a for a in root._actions if isinstance(a, argparse._SubParsersAction))
    for name, cmd in sub.choices.items():
        assert f"## `harness {name}`" in page
        for action in cmd._actions:
            if isinstance(action, argparse._HelpAction):
                continue
            assert action.help, f"harness {name} {action.dest}: no help text"
            label = action.option_strings[0] if action.option_strings else (
                action.metavar or action.dest)
            assert f"| `{label}" in page.split(f"## `harness {name}`")[1], (name, label)


def test_every_result_column_is_on_its_page_with_unit_and_meaning():
    from harness.store.row import COLUMNS
    page = (DOCS / "results.md").read_text()
    for col in COLUMNS:
        assert col.doc, f"column {col.name}: no meaning"
        assert f"| `{col.name}` |" in page


def test_every_command_prints_its_help(capsys):
    """argparse %-formats help: a stray % (a rule named 99%exact) crashed `--help`."""
    import pytest

    root = parser()
    sub = next(a for a in root._actions if isinstance(a, argparse._SubParsersAction))
    for name, cmd in sub.choices.items():
        with pytest.raises(SystemExit) as done:
            cmd.parse_args(["--help"])
        assert done.value.code == 0, name
        assert "%%" not in capsys.readouterr().out, name
