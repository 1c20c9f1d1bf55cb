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
            # `from pkg import mod` imports pkg.mod; `from mod import name` imports mod
            subs = [f"{node.module}.{a.name}" for a in node.names]
            names = [s for s in subs if s in known] or [node.module]
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


# The house from the bottom up: a module may import its own folder and anything in a lower
# entry, never a sibling of its own entry nor anything higher. Every module falls under one.
LAYERS: list[tuple[str, ...]] = [
    ("harness.errors", "harness.version"),
    ("harness.fsutil", "harness.memmaps", "harness.console", "harness.registry"),
    ("harness.metrics", "harness.lexical", "harness.backends"),  # kernels: arrays in, arrays out
    ("harness.suite",),
    ("harness.datasets",),
    ("harness.encoders",),
    ("harness.plan", "harness.embeddings"),
    ("harness.store",),
    ("harness.inputs",),  # the cell-inputs service: dataset, vectors, prepared vectors
    ("harness.execution", "harness.analysis", "harness.exports"),
    ("harness.report", "harness.site"),  # site: the static website over many runs
    ("harness.api",),
    ("harness.notebook",),
    ("harness",),  # the package root: lazy facade over the notebook API
    ("harness.cli",),
    ("harness.__main__",),  # python -m harness
]


def _owner(module: str) -> tuple[int, str]:
    best = None
    for level, entry in enumerate(LAYERS):
        for prefix in entry:
            inside = module == prefix or module.startswith(prefix + ".")
            root_only = prefix == "harness" and module != "harness"
            if inside and not root_only and (best is None or len(prefix) > len(best[1])):
                best = (level, prefix)
    assert best is not None, f"{module} is under no layer of LAYERS"
    return best


def test_every_module_falls_under_one_layer():
    assert [m for m in GRAPH if _owner(m) is None] == []


@pytest.mark.parametrize("module", sorted(GRAPH))
def test_module_imports_nothing_above_or_beside_it(module):
    level, own = _owner(module)
    bad = []
    for target in sorted(GRAPH[module]):
        t_level, t_own = _owner(target)
        if t_own == own:
            continue
        if t_level >= level:
            bad.append(f"{module} -> {target}")
    assert bad == []


def test_at_most_eight_modules_loose_at_the_top():
    loose = [p.stem for p in ROOT.glob("*.py") if p.stem not in ("__init__", "__main__")]
    assert len(loose) <= 8, sorted(loose)


def test_no_two_layers_share_a_module_name():
    # base.py is each plugin folder's Protocol; a report section may share its analysis's name
    allowed = {"__init__", "__main__", "base"}
    seen: dict[str, set[str]] = {}
    for m in GRAPH:
        if m == "harness":
            continue
        layer = _owner(m)[1]
        if layer == "harness.report":
            continue
        seen.setdefault(m.rsplit(".", 1)[-1], set()).add(layer)
    assert {n: s for n, s in seen.items() if len(s) > 1 and n not in allowed} == {}
