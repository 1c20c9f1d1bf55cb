"""report.html is a header and sections rendered by their declared order; the report package
reads the run folder and imports no execution or plugin-loading module."""

from __future__ import annotations

import ast
import re
import shutil
from pathlib import Path

import pytest
from report_fixtures import runs_fixture  # noqa: F401 (the `runs` fixture)

import harness.report
from harness.report.page import SECTIONS, build_report
from harness.report.sections.base import ReportContext

FORBIDDEN = ("harness.execution", "harness.runner", "harness.resolve", "harness.plan.refs")


class Fixed:
    def __init__(self, anchor: str, order: int, fail: bool = False) -> None:
        self.anchor, self.title, self.order, self.fail = anchor, f"Title {anchor}", order, fail

    def render(self, ctx: ReportContext) -> str:
        if self.fail:
            raise RuntimeError(f"section {self.anchor} broke")
        return f"<p>body of {self.anchor}</p>"


def _anchors(page: str) -> tuple[list[str], list[str]]:
    toc = re.search(r'<nav class="toc">(.*?)</nav>', page).group(1)
    return re.findall(r'href="#([^"]+)"', toc), re.findall(r'<section id="([^"]+)">', page)


def test_sections_render_in_declared_order(runs, tmp_path):
    # The default page: every section with something to show once, contents and body in the
    # same order (these runs have no hybrid rows and one corpus size, so the hybrid and
    # scaling sections are left out, and so is load: no load axis).
    toc, body = _anchors((runs.a.run_dir / "report.html").read_text())
    declared = [s.anchor for s in sorted(SECTIONS, key=lambda s: s.order)]
    # headline, then the answer (plots, a hybrid or growth suite's own section, every
    # configuration), then the details (where quality is lost, worst queries, hard queries,
    # per query)
    assert declared == [
        "summary", "glance", "codes", "ranking", "problems", "plots", "hybrid", "filtered",
        "rerank", "scaling", "load", "results", "analysis", "tails", "difficulty", "drilldown",
        "files",
    ]
    assert toc == body == [a for a in declared
                           if a not in ("hybrid", "filtered", "rerank", "scaling", "load")]
    # Sections handed in out of order are shown by their `order`, not their position.
    copy = tmp_path / "order"
    shutil.copytree(runs.b.run_dir, copy)
    sections = (Fixed("third", 30), Fixed("first", 10), Fixed("second", 20))
    page = build_report(copy, sections=sections).html.read_text()
    toc, body = _anchors(page)
    assert toc == body == ["first", "second", "third"]
    assert page.index("body of first") < page.index("body of second") < page.index("body of third")
    assert "Title second" in page


def test_a_failing_section_fails_the_report_as_before(runs, tmp_path):
    # Today's behaviour, kept by the refactor: a section that raises stops build_report (the
    # run logs "report not written" and goes on); only single plots are caught and named.
    copy = tmp_path / "failing"
    shutil.copytree(runs.b.run_dir, copy)
    before = (copy / "report.html").read_text()
    with pytest.raises(RuntimeError, match="section broken broke"):
        build_report(copy, sections=(Fixed("ok", 10), Fixed("broken", 20, fail=True)))
    assert (copy / "report.html").read_text() == before  # the old page is left whole


def _imports(path: Path) -> list[str]:
    names = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
            names += [f"{node.module}.{a.name}" for a in node.names]
    return names


def test_the_report_imports_no_execution_or_plugin_loading_module():
    root = Path(harness.report.__file__).parent
    files = sorted(root.rglob("*.py"))
    assert len(files) > 10
    bad = [
        f"{f.relative_to(root)}: {name}"
        for f in files
        for name in _imports(f)
        if any(name == m or name.startswith(m + ".") for m in FORBIDDEN)
    ]
    assert not bad, bad


def test_a_dollar_in_a_display_name_keeps_every_plot(write_suite, tmp_path):
    # matplotlib would read "$" as mathtext; an unbalanced one used to fail every plot
    from harness import api

    text = """
schema_version: 1
name: dollar
k: 10
datasets: [{ref: "synthetic:n=300,dim=16,clusters=3,queries=20", name: "costs $x^$ here"}]
models: [{ref: vectors, name: "model $"}]
dims: [null, 8]
backends:
  - name: exact
  - name: faiss-hnsw
    search: {efSearch: [8, 32]}
evaluate: [label_recall@10]
repeats: 1
warmup: 0
"""
    out = api.run(write_suite(text), api.RunOptions(output=tmp_path / "r",
                                                    cache_dir=tmp_path / "c", progress=False,
                                                    executor="inline"))
    html = (out.run_dir / "report.html").read_text()
    assert html.count("<svg") >= 2 and "costs $x^$ here" in html
    assert "ParseException" not in html and "ValueError" not in html
