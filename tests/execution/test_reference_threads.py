"""Reference points searched with several threads give what one thread gives; the run's
summary line carries the analysis share of its wall time."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from harness import api
from harness.cli.views import analysis_share
from harness.embeddings.cache import EmbeddingCache
from harness.execution import references
from harness.execution.runner import reference_cell
from harness.inputs.cell_inputs import CellInputs
from harness.store.runs import RunStore

SUITE = """
schema_version: 1
name: ref-threads
k: 10
datasets: [{ref: "synthetic:n=3000,dim=24,clusters=6,queries=120,norm_spread=0.5"}]
models: [vectors]
precisions: [float32, int8]
metrics: [cosine, ip, l2]
backends: [{name: exact}]
evaluate: [label_recall@10, hit@10]
repeats: 1
warmup: 0
"""


def test_reference_points_with_every_cpu_equal_the_stored_single_thread_cells(
        write_suite, tmp_path):
    out = api.run(write_suite(SUITE), api.RunOptions(
        output=tmp_path / "r", cache_dir=tmp_path / "c", progress=False, executor="inline",
        report=False, analysis=False))
    assert out.n_failed == 0 and out.n_ran == 6
    store = RunStore(out.run_dir)
    ctx = CellInputs(cache=EmbeddingCache(tmp_path / "c"))
    for cell_id, cell in store.cells().items():
        assert cell.threads == 1  # the stored exact cells searched with one thread
        stored = store.perquery(cell_id)
        for threads in (1, 2, 3):
            rows, perq = reference_cell(replace(cell, threads=threads), ctx)
            for name in ("label_recall@10", "hit@10"):
                np.testing.assert_array_equal(perq.task_values(0, name),
                                              stored.task_values(0, name))
                assert rows[0][name] == store.records()[cell_id]["rows"][0][name]


def test_reference_threads_follow_the_load(monkeypatch):
    monkeypatch.setattr(references.os, "cpu_count", lambda: 4)
    monkeypatch.setattr(references, "machine_load",
                        lambda: {"cpu_count": 4, "load_avg": [1.5, 1.0, 1.0]})
    assert references.reference_threads() == 4
    monkeypatch.setattr(references, "machine_load",
                        lambda: {"cpu_count": 4, "load_avg": [4.5, 1.0, 1.0]})
    assert references.reference_threads() == 1


def test_analysis_share_on_the_summary_line():
    assert analysis_share({"cells": 150.0, "analysis": 12.0, "report": 3.0,
                           "wall": 200.0}) == "; analysis 6% of 200 s"
    assert analysis_share({"analysis": 1.0, "wall": 1234.5}) == "; analysis 0% of 1,234 s"
    assert analysis_share({"cells": 10.0, "wall": 10.0}) == ""  # --no-analysis
    assert analysis_share(None) == ""
