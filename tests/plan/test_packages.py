"""A backend whose package is missing: its cells are skipped in the plan with the install
line (printed by `harness plan`), and the other cells still run."""

from __future__ import annotations

import importlib.util

import pytest

from harness import api
from harness.cli.main import main
from harness.plan.packages import package_problem

SUITE = """\
schema_version: 1
name: missing-package
datasets: ["synthetic:n=300,dim=16,clusters=4,queries=20,seed=1"]
models: [vectors]
metrics: [cosine, l2]
k: 5
repeats: 1
warmup: 0
evaluate: [label_recall@5]
backends:
  - {name: exact}
  - {name: diskann, build: {graph_degree: 16}, search: {complexity: [8, 32]}}
"""
INSTALL = "pip install --no-deps diskannpy==0.7.0"


@pytest.fixture
def without_diskannpy(monkeypatch):
    """diskannpy reported as not installed, as on a machine without the engines extra."""
    real = importlib.util.find_spec

    def find_spec(name, *args, **kwargs):
        return None if name == "diskannpy" else real(name, *args, **kwargs)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)


def test_missing_package_cells_are_skipped_with_the_install_line(write_suite,
                                                                 without_diskannpy):
    plan = api.plan(write_suite(SUITE))
    assert sorted(c.backend for c in plan.cells) == ["exact", "exact"]
    reasons = {(s.cell.backend, s.cell.metric): s.reason for s in plan.skipped}
    want = f"backend 'diskann' needs packages that are not installed (diskannpy): {INSTALL}"
    assert reasons == {("diskann", "cosine"): want, ("diskann", "l2"): want}
    assert package_problem(plan.cells[0]) is None


def test_the_plan_command_prints_the_skipped_cells(write_suite, without_diskannpy, capsys):
    assert main(["plan", str(write_suite(SUITE))]) == 0
    out = capsys.readouterr().out
    assert "2 cells:" in out and "2 skipped:" in out
    assert out.count("needs packages that are not installed (diskannpy)") == 2
    assert INSTALL in out


def test_the_other_cells_run(write_suite, without_diskannpy, tmp_path):
    opts = api.RunOptions(output=tmp_path / "out", cache_dir=tmp_path / "cache",
                          progress=False, report=False, analysis=False)
    df = api.run(write_suite(SUITE), opts).frame
    assert set(df["backend"]) == {"exact"} and set(df["metric"]) == {"cosine", "l2"}
    assert (df["knn_recall@5"] == 1.0).all()  # exact search against its own truth


def test_with_the_package_the_cells_are_planned(write_suite):
    pytest.importorskip("diskannpy")
    plan = api.plan(write_suite(SUITE))
    assert sorted(c.backend for c in plan.cells) == ["diskann", "diskann", "exact", "exact"]
    assert plan.skipped == ()
