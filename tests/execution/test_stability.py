"""Speed figures that say when not to trust them: repeat spread, machine load, one run per
folder at a time."""

from __future__ import annotations

import json

import numpy as np
import pytest

from harness import api
from harness.analysis.speed import NOT_SIGNIFICANT
from harness.cli.main import main
from harness.errors import UserError
from harness.execution import drift, timing
from harness.execution.timing import UNSTABLE_SPREAD, loaded, spread
from harness.report.data import RunData
from harness.report.sections.header import speed_banner
from harness.store.runs import RunStore

SUITE = """
schema_version: 1
name: stable
k: 10
datasets: [{ref: "synthetic:n=400,dim=8,clusters=3,queries=30"}]
models: [vectors]
backends:
  - name: faiss-hnsw
    search: {efSearch: [8, 32]}
evaluate: [label_recall@10]
repeats: 3
warmup: 0
"""


def test_spread_and_load_rules():
    assert spread([100.0, 130.0, 120.0]) == pytest.approx(1.3)
    assert spread([100.0]) is None and spread([0.0, 5.0]) is None
    assert loaded({"load_avg": [4.5, 1, 1], "cpu_count": 2})
    assert not loaded({"load_avg": [1.5, 9, 9], "cpu_count": 2})
    assert not loaded({"load_avg": None, "cpu_count": 2})


def _run(write_suite, tmp_path, out: str = "r"):
    return api.run(write_suite(SUITE), api.RunOptions(
        output=tmp_path / out, cache_dir=tmp_path / "c", progress=False, executor="inline",
        report=False, analysis=False))


def test_rows_carry_the_spread_of_their_repeats(write_suite, tmp_path):
    out = _run(write_suite, tmp_path)
    for _, row in out.frame.iterrows():
        assert row["qps_spread"] == pytest.approx(row["qps_max"] / row["qps_min"])
        assert row["query_batch"] == 30  # every query in one timed call: part of the figure
        assert row["timing_unstable"] == (row["qps_spread"] > UNSTABLE_SPREAD
                                          or row["probe_spread"] > UNSTABLE_SPREAD
                                          or row["machine_loaded"])
        assert row["probe_rate"] > 0 and row["probe_spread"] >= 1.0


def test_the_drift_probe_is_read_before_and_after_every_repeat(write_suite, tmp_path,
                                                               monkeypatch):
    # readings 100, 90, 80, 140: 4 = one before the 3 repeats and one after each; the machine
    # changed speed 1.75x while the cell was timed, so its rows are flagged
    readings = iter([100.0, 90.0, 80.0, 140.0])
    monkeypatch.setattr(drift, "reading", lambda: next(readings))
    out = _run(write_suite, tmp_path)
    assert next(readings, None) is None  # all four read, no more
    for _, row in out.frame.iterrows():
        assert row["probe_rate"] == pytest.approx(95.0)  # median of the four
        assert (row["probe_min"], row["probe_max"]) == (80.0, 140.0)
        assert row["probe_spread"] == pytest.approx(140 / 80)
        assert row["timing_unstable"]


def test_the_probe_is_fixed_work():
    docs, queries, gather = drift._work()
    assert docs.shape == (2048, 64) and queries.shape == (16, 64) and len(gather) == 4096
    # fixed seeded data, not anything of the run: the same arrays from the seed written here
    expect = np.random.default_rng(20261208).standard_normal((2048, 64), dtype=np.float32)
    np.testing.assert_array_equal(docs, expect)
    rate = drift.reading()
    assert 1 < rate < 1e7
    assert set(drift.summary([]).values()) == {None}
    assert drift.summary([2.0, 4.0, 3.0]) == {"probe_rate": 3.0, "probe_min": 2.0,
                                              "probe_max": 4.0, "probe_spread": 2.0}


def test_a_loaded_machine_is_recorded_and_said(write_suite, tmp_path, monkeypatch, caplog):
    monkeypatch.setattr(timing.os, "getloadavg", lambda: (9.5, 8.0, 7.0))
    out = _run(write_suite, tmp_path)
    manifest = json.loads((out.run_dir / "manifest.json").read_text())
    assert manifest["load_at_start"]["load_avg"] == [9.5, 8.0, 7.0]
    caveats = manifest["speed_caveats"]
    assert any("load average 9.5" in c and "under contention" in c for c in caveats)
    assert any("speed: the machine was loaded" in r.getMessage() for r in caplog.records)
    # the report's banner says it, from the manifest's caveats or else the rows' flags
    assert "load average 9.5" in speed_banner(RunData.load(out.run_dir))
    del manifest["speed_caveats"]
    (out.run_dir / "manifest.json").write_text(json.dumps(manifest))
    assert f"{len(out.frame)} result row(s) have timing_unstable" in speed_banner(
        RunData.load(out.run_dir))


def test_a_second_run_into_the_same_folder_is_refused(write_suite, tmp_path):
    first = _run(write_suite, tmp_path)
    with RunStore(first.run_dir).lock(), pytest.raises(UserError, match="another `harness run`"):
        _run(write_suite, tmp_path)
    assert _run(write_suite, tmp_path).n_resumed == 1  # the lock is released afterwards


def test_the_same_suite_twice_under_load_is_not_a_speed_difference(
        write_suite, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(timing.os, "getloadavg", lambda: (9.5, 8.0, 7.0))  # on 2 cores
    monkeypatch.setattr(timing.os, "cpu_count", lambda: 2)
    runs = [_run(write_suite, tmp_path, side) for side in ("a", "b")]
    for out in runs:  # the load is read as each cell's timing begins and ends
        assert out.frame["machine_loaded"].all() and out.frame["timing_unstable"].all()
    comp = api.compare(runs[0].run_dir, runs[1].run_dir, output=tmp_path / "cmp")
    assert len(comp.pairs) == 2
    assert comp.pairs["speed"].str.startswith(NOT_SIGNIFICANT).all()
    assert any(w.startswith("A: the machine was loaded") for w in comp.warnings)
    assert main(["compare", str(runs[0].run_dir), str(runs[1].run_dir),
                 "--output", str(tmp_path / "cmp")]) == 0
    assert "not significant (unstable: A, B)" in capsys.readouterr().out
    assert "B/A from the repeats" in comp.html_path.read_text()


TWO_CELLS = """
schema_version: 1
name: drifting
k: 10
datasets: [{ref: "synthetic:n=400,dim=8,clusters=3,queries=30"}]
models: [vectors]
backends: [{name: exact}, {name: faiss-hnsw}]
evaluate: [label_recall@10]
repeats: 3
warmup: 0
"""


def test_a_machine_that_slows_between_cells_is_normalised_and_said(write_suite, tmp_path,
                                                                   monkeypatch):
    # the first cell is timed at 100 probe passes/s, the second at 50 (4 readings per cell)
    calls = iter([100.0] * 4 + [50.0] * 4)
    monkeypatch.setattr(drift, "reading", lambda: next(calls))
    out = api.run(write_suite(TWO_CELLS), api.RunOptions(
        output=tmp_path / "r", cache_dir=tmp_path / "c", progress=False, executor="inline",
        report=True))
    frame = RunStore(out.run_dir).frame()
    assert sorted(frame["probe_rate"]) == [50.0, 100.0]
    median = 75.0  # of the two rows' probe rates
    for _, row in frame.iterrows():
        assert row["qps_normalised"] == pytest.approx(row["qps"] * median / row["probe_rate"])
    manifest = json.loads((out.run_dir / "manifest.json").read_text())
    assert any("moved 2.00x between cells" in c for c in manifest["speed_caveats"])
    display = (out.run_dir / "report" / "display.csv").read_text()
    assert "qps_normalised" in display.splitlines()[0]  # beside qps, as the machine moved
    page = (out.run_dir / "report.html").read_text()
    assert "qps at median speed" in page and "the drift probe" in page
