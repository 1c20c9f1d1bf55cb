"""The house runs one way: suite -> plan -> execution -> store -> analysis -> report.

The import graph here includes imports inside function bodies, so an import hidden in a
function to dodge a cycle is still a cycle.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1] / "harness"


def _modules() -> dict[str, Path]:
    out = {}
    for p in ROOT.rglob("*.py"):
        name = ".".join(p.relative_to(ROOT.parent).with_suffix("").parts)
        out[name.removesuffix(".__init__")] = p
    return out


def _imports(path: Path, known: set[str]) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        names: list[str] = []
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        found |= {n for n in names if n in known}
    return found


GRAPH = {m: _imports(p, set(_modules())) for m, p in _modules().items()}


def _cycle() -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(u: str) -> list[str] | None:
        state[u] = 1
        stack.append(u)
        for v in sorted(GRAPH[u]):
            if v.startswith(u + ".") or u.startswith(v + "."):
                continue  # a package and its own modules
            if state.get(v) == 1:
                return [*stack[stack.index(v):], v]
            if not state.get(v) and (found := visit(v)):
                return found
        state[u] = 2
        stack.pop()
        return None

    for m in sorted(GRAPH):
        if not state.get(m) and (found := visit(m)):
            return found
    return None


def test_no_import_cycle_even_through_function_bodies():
    assert _cycle() is None


UPPER = ("harness.api", "harness.cli", "harness.cli_views", "harness.notebook")
FORBIDDEN = {
    # each layer may not import the ones above it
    "harness.suite": ("harness.plan", "harness.checks", "harness.plugins", "harness.datasets",
                      "harness.execution", "harness.store", "harness.analysis",
                      "harness.report", *UPPER),
    "harness.plan": ("harness.execution", "harness.store", "harness.analysis",
                     "harness.report", *UPPER),
    "harness.checks": ("harness.execution", "harness.store", "harness.analysis",
                       "harness.report", *UPPER),
    "harness.execution": ("harness.analysis", "harness.report", *UPPER),
    "harness.store": ("harness.execution", "harness.analysis", "harness.report", *UPPER),
    "harness.analysis": ("harness.execution", "harness.plugins", "harness.report", *UPPER),
    "harness.report": ("harness.execution", "harness.plugins", *UPPER),
    "harness.suite_source": ("harness.execution", "harness.store", "harness.analysis",
                             "harness.report", *UPPER),
    "harness.console": ("harness.plan", "harness.execution", "harness.store",
                        "harness.analysis", "harness.report", *UPPER),
    "harness.listing": ("harness.execution", "harness.store", "harness.analysis",
                        "harness.report", *UPPER),
    # the store's table writer: below everything that reads the store
    "harness.tables": ("harness.execution", "harness.analysis", "harness.report",
                       "harness.exports", *UPPER),
    # beside report: reads the store (and loads datasets for qrels), writes other formats
    "harness.exports": ("harness.execution", "harness.analysis", "harness.report", *UPPER),
    # plugins sit below and know nothing of the layers above
    "harness.datasets": ("harness.plan", "harness.checks", "harness.plugins",
                         "harness.execution", "harness.store", "harness.analysis",
                         "harness.report", *UPPER),
    "harness.encoders": ("harness.plan", "harness.checks", "harness.plugins",
                         "harness.execution", "harness.store", "harness.analysis",
                         "harness.report", *UPPER),
    "harness.backends": ("harness.plan", "harness.checks", "harness.plugins",
                         "harness.execution", "harness.store", "harness.analysis",
                         "harness.report", *UPPER),
    "harness.metrics": ("harness.plan", "harness.execution", "harness.store",
                        "harness.analysis", "harness.report", *UPPER),
}


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_layer_imports_nothing_above_it(layer):
    bad = sorted(
        f"{m} -> {t}"
        for m, targets in GRAPH.items()
        if m == layer or m.startswith(layer + ".")
        for t in targets
        if any(t == f or t.startswith(f + ".") for f in FORBIDDEN[layer])
    )
    assert bad == []
