"""suites/engines.yaml and engines-100k.yaml plan every engine the registry offers (the
databases and the libraries; of faiss, HNSW as the anchor: its other indexes are ann-sweep's),
each over a sweep of its own search parameter."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness import api
from harness.registry import BACKENDS

SUITES = Path(__file__).resolve().parents[1] / "suites"
#: backends without a search parameter: one setting is all they have
NO_SEARCH = {"exact", "sqlite-vec"}


def _engines() -> set[str]:
    # test doubles other test modules register (test-gil, test-sleep, ...) are no engines
    return {n for n in BACKENDS.names()
            if not n.startswith(("faiss-", "test-"))} | {"faiss-hnsw"}


@pytest.mark.parametrize("name", ["engines.yaml", "engines-100k.yaml"])
def test_every_registered_engine_is_planned(name):
    plan = api.plan(SUITES / name)
    planned = [c for c in plan.cells] + [s.cell for s in plan.skipped]
    assert {c.backend for c in planned} == _engines()
    # a package missing here is skipped with its install line, not dropped
    assert all("pip install" in s.reason for s in plan.skipped)
    assert len({c.dataset["ref"] for c in planned}) == 1 and {c.precision for c in planned} \
        == {"float32"}
    for cell in planned:
        space = BACKENDS.get(cell.backend).load().capabilities.search_params
        if cell.backend in NO_SEARCH:
            assert not space and len(cell.search_grid) == 1
            continue
        # the sweep moves a search parameter of this engine, over 2 to 4 values
        moved = {p for p in space if len({str(s.get(p)) for s in cell.search_grid}) > 1}
        assert moved and 2 <= len({str(s) for s in cell.search_grid}) <= 4, cell.backend
    # nmslib twice: its two graphs
    methods = {c.build["method"] for c in planned if c.backend == "nmslib"}
    assert methods == {"hnsw", "sw-graph"}
