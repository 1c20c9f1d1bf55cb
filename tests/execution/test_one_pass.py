"""`harness run` does its work once: one dataset load, stored exact rows reused as reference
points, each cell file read once (ARCHITECTURE.md P1, P2, P7)."""

from __future__ import annotations

import inspect
from dataclasses import replace

import numpy as np
import pytest

from harness import api
from harness.execution import references
from harness.inputs import cell_inputs as context
from harness.store.runs import RunStore

SUITE = """
schema_version: 1
name: one-pass
k: 10
datasets: [{{ref: "synthetic:n=600,dim=16,clusters=4,queries=40,norm_spread=0.5"}}]
models: [vectors]
dims: {dims}
precisions: [float32, int8]
metrics: [cosine, l2]
backends:
  - name: exact
  - name: faiss-hnsw
    build: {{M: 8}}
    search: {{efSearch: [16, 64]}}
evaluate: [label_recall@10]
repeats: 1
warmup: 0
"""


@pytest.fixture
def counters(monkeypatch):
    counts = {"loads": 0, "references": [], "reads": 0}
    load, run_cell, read = context.load_dataset, references.reference_cell, RunStore._read_record

    def counting_load(*a, **kw):
        counts["loads"] += 1
        return load(*a, **kw)

    def counting_run_cell(cell, ctx, **kw):
        counts["references"].append(cell)
        return run_cell(cell, ctx, **kw)

    def counting_read(self, path):
        counts["reads"] += 1
        return read(self, path)

    monkeypatch.setattr(context, "load_dataset", counting_load)
    monkeypatch.setattr(references, "reference_cell", counting_run_cell)
    monkeypatch.setattr(RunStore, "_read_record", counting_read)
    return counts


def _run(write_suite, tmp_path, dims: str, name: str):
    path = write_suite(SUITE.format(dims=dims).replace("one-pass", name))
    # inline: every cell in this process, so every load is counted (a process executor's
    # workers each load the data of their own cell)
    return api.run(path, api.RunOptions(output=tmp_path / "r", cache_dir=tmp_path / "c",
                                        progress=False, executor="inline"))


def test_sixteen_cells_load_the_dataset_once_and_reuse_stored_exact_rows(
        write_suite, tmp_path, counters):
    out = _run(write_suite, tmp_path, "[null, 8]", "one-pass")
    assert out.n_failed == 0 and out.n_ran == 16
    assert counters["loads"] == 1  # run, funnel, recommendation and report drill-down share it
    # The funnel needs exact search at every (dim, precision) under cosine, ip and l2; the
    # store holds cosine and l2 as exact cells, so only the 4 ip points are computed.
    computed = counters["references"]
    assert len(computed) == 4 and {c.metric for c in computed} == {"ip"}
    assert {(c.dim, c.precision) for c in computed} == {
        (None, "float32"), (None, "int8"), (8, "float32"), (8, "int8")}
    funnel = (out.run_dir / "funnel.csv").read_text().splitlines()
    assert len(funnel) == 1 + 8 * 3  # a funnel row per result row (exact: 1, hnsw: 2 settings)


def test_cell_files_are_read_a_bounded_number_of_times_per_cell(write_suite, tmp_path,
                                                                counters):
    _run(write_suite, tmp_path, "[null]", "small")
    small = counters["reads"]
    counters["reads"] = 0
    _run(write_suite, tmp_path, "[null, 8, 4, 2]", "large")
    large = counters["reads"]
    # 8 and 32 cells: the report re-opens the store once; nothing re-reads per written cell
    assert small <= 8 and large <= 32


def test_analysing_a_run_again_computes_nothing_twice(write_suite, tmp_path, counters,
                                                      caplog):
    first = _run(write_suite, tmp_path, "[null]", "again")
    assert len(counters["references"]) == 2  # ip at float32 and int8
    funnel = (first.run_dir / "funnel.csv").read_text()
    difficulty = (first.run_dir / "query_difficulty.csv").read_text()
    kept = sorted(p.name for p in (first.run_dir / "references").iterdir())
    assert len(kept) == 2 + 4  # the 2 computed points; 4 spaces' difficulties
    assert sum(n.endswith("-difficulty.npz") for n in kept) == 4
    counters["references"].clear()
    again = _run(write_suite, tmp_path, "[null]", "again")  # every cell reused
    assert again.n_ran == 0 and counters["references"] == []
    assert (again.run_dir / "funnel.csv").read_text() == funnel  # the same figures
    assert (again.run_dir / "query_difficulty.csv").read_text() == difficulty
    # a damaged file is named, computed again and written again
    damaged = next(p for p in (again.run_dir / "references").iterdir()
                   if not p.name.endswith("-difficulty.npz"))
    damaged.write_bytes(b"not a zip")
    caplog.clear()
    third = _run(write_suite, tmp_path, "[null]", "again")
    assert len(counters["references"]) == 1
    assert any(damaged.name in r.getMessage() and "damaged" in r.getMessage()
               for r in caplog.records)
    assert (third.run_dir / "funnel.csv").read_text() == funnel
    assert np.load(damaged)["values"].shape  # readable again


BINARY = """
schema_version: 1
name: binary-refs
k: 10
datasets: [{ref: "synthetic:n=600,dim=16,clusters=4,queries=40,norm_spread=0.5"}]
models: [vectors]
dims: [null, 8, "pca:8"]
precisions: [binary]
metrics: [cosine]
backends: [exact]
evaluate: [label_recall@10]
repeats: 1
warmup: 0
"""


def test_sign_bits_serve_every_distance_from_one_point(write_suite, tmp_path, counters):
    out = api.run(write_suite(BINARY), api.RunOptions(
        output=tmp_path / "r", cache_dir=tmp_path / "c", progress=False, executor="inline"))
    # the ip and l2 points of the truncated binary codes are the stored cosine cells; after
    # PCA (fitted on normalised or raw vectors) they are computed
    binary = [c for c in counters["references"] if c.precision == "binary"]
    assert {(c.dim, c.metric) for c in binary} == {("pca:8", "ip"), ("pca:8", "l2")}
    # what they stand for, computed directly: the same per-query values under each distance
    ctx = context.CellInputs(tmp_path / "c")
    cells = {c.dim: c for c in RunStore(out.run_dir).cells().values()}
    for dim in (None, 8):
        got = [references.reference_cell(replace(cells[dim], metric=m), ctx)[1]
               .task_values(0, "label_recall@10") for m in ("cosine", "ip", "l2")]
        np.testing.assert_array_equal(got[0], got[1])
        np.testing.assert_array_equal(got[0], got[2])


def test_query_difficulty_is_measured_in_the_cells_that_hold_the_vectors(
        write_suite, tmp_path, monkeypatch):
    path = write_suite(SUITE.format(dims="[null]").replace("one-pass", "in-cell"))

    def run(out: str):
        return api.run(path, api.RunOptions(output=tmp_path / out, cache_dir=tmp_path / "c",
                                            progress=False, executor="inline"))

    measured, measure = [], references.difficulty.measure

    def counting(prep, ds, k, seed):  # where it was called from: inside a cell or not
        measured.append(any(f.function == "run_cell" for f in inspect.stack()))
        return measure(prep, ds, k, seed)

    with monkeypatch.context() as m:  # 4 vector spaces (2 precisions x 2 distances) ...
        m.setattr(references.difficulty, "measure", counting)
        in_cells = run("a")
        assert measured == [True] * 4 and in_cells.n_ran == 8  # ... once each, in cells
    assert in_cells.n_failed == 0
    # the same tables when the analysis measures every space itself
    with monkeypatch.context() as m:
        m.setattr(references.DifficultyClaims, "claim", lambda self, cell: False)
        by_analysis = run("b")
    for name in ("query_difficulty.csv", "difficulty.csv", "funnel.csv"):
        assert (in_cells.run_dir / name).read_text() == (by_analysis.run_dir / name).read_text()
