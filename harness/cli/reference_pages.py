"""The generated reference pages: every command and option from the parser
(docs/reference/cli.md), every suite key (docs/reference/suite.md) and every result column
(docs/results.md). `python -m harness.cli.reference_pages` rewrites them;
tests/cli/test_reference.py fails when a committed page differs from what the code says."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from harness.cli.args import parser
from harness.store.row import reference_markdown as columns_markdown
from harness.suite.keys_page import reference_markdown as suite_markdown


def _subcommands(p: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in p._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _helps(p: argparse.ArgumentParser) -> dict[str, str]:
    for action in p._actions:
        if isinstance(action, argparse._SubParsersAction):
            return {a.dest: a.help or "" for a in action._choices_actions}
    return {}


def _option_rows(p: argparse.ArgumentParser) -> list[str]:
    rows = []
    for action in p._actions:
        if isinstance(action, argparse._HelpAction | argparse._SubParsersAction):
            continue
        name = ", ".join(action.option_strings) or (action.metavar or action.dest)
        if action.choices and not isinstance(action.choices, dict):
            name += " {" + ",".join(map(str, action.choices)) + "}"
        elif action.option_strings and action.nargs != 0 and action.metavar:
            name += f" {action.metavar}"
        text = (action.help or "").replace("%%", "%").replace("|", "\\|").replace("\n", " ")
        rows.append(f"| `{name}` | {text} |")
    return rows


def cli_markdown() -> str:
    """docs/reference/cli.md: every command, its usage line and its options."""
    # argparse wraps usage lines at the terminal's width: the page must not depend on it
    width, os.environ["COLUMNS"] = os.environ.get("COLUMNS"), "100"
    try:
        return _cli_page(parser())
    finally:
        if width is None:
            os.environ.pop("COLUMNS")
        else:
            os.environ["COLUMNS"] = width


def _cli_page(root: argparse.ArgumentParser) -> str:
    lines = ["# Command line", "",
             "Every `harness` command and option, generated from the parser in "
             "`harness/cli/args.py` (`python -m harness.cli.reference_pages` writes this "
             "page).", "",
             "```", root.format_usage().strip(), "```", "",
             "| option | meaning |", "|---|---|", *_option_rows(root), ""]
    helps = _helps(root)
    for name, sub in _subcommands(root).items():
        sub.prog = f"harness {name}"
        usage = sub.format_usage().strip().removeprefix("usage: ")
        lines += [f"## `harness {name}`", "", helps.get(name, ""), "", "```",
                  usage, "```", ""]
        rows = _option_rows(sub)
        if rows:
            lines += ["| argument | meaning |", "|---|---|", *rows, ""]
    return "\n".join(lines).rstrip() + "\n"


def pages() -> dict[str, str]:
    """Generated page path (under docs/) -> its text."""
    return {"reference/cli.md": cli_markdown(), "reference/suite.md": suite_markdown(),
            "results.md": columns_markdown()}


def write(docs: Path) -> list[Path]:
    written = []
    for rel, text in pages().items():
        path = docs / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        written.append(path)
    return written


if __name__ == "__main__":
    for path in write(Path(sys.argv[1] if len(sys.argv) > 1 else "docs")):
        print(path)
