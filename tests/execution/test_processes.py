"""The process executor: a worker that dies becomes an error row, and the run goes on."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from harness import api
from tests.execution import crashy_plugin  # noqa: F401  (registers the backends here too)

SUITE = """
schema_version: 1
name: crashy
k: 10
datasets: [{ref: "synthetic:n=300,dim=8,clusters=3,queries=20"}]
models: [vectors]
backends:
  - name: exact
  - name: test-segfault
  - name: test-sigkill
  - name: faiss-hnsw
evaluate: [label_recall@10]
repeats: 1
warmup: 0
"""


@pytest.fixture
def crashy_run(write_suite, tmp_path, monkeypatch):
    monkeypatch.setenv("HARNESS_PLUGINS", "tests.execution.crashy_plugin")
    path = write_suite(SUITE)
    return api.run(path, api.RunOptions(output=tmp_path / "r", cache_dir=tmp_path / "c",
                                        progress=False, executor="process"))


def test_dead_workers_become_error_rows_and_the_other_cells_finish(crashy_run):
    out = crashy_run
    assert out.n_ran == 4 and out.n_failed == 2
    by = out.frame.set_index("backend")
    assert by.loc["exact", "status"] == "ok" and by.loc["faiss-hnsw", "status"] == "ok"
    assert "killed by SIGSEGV (signal 11)" in by.loc["test-segfault", "status"]
    killed = by.loc["test-sigkill", "status"]
    assert "killed by SIGKILL (signal 9)" in killed and "out of memory?" in killed
    # the memory the worker had reached is named: at least the 200 MB it held
    reached = float(killed.split("after reaching ")[1].split(" MB")[0].replace(",", ""))
    assert reached >= 200
    assert by.loc["exact", "worker_peak_rss_mb"] > 0


def test_a_rerun_retries_only_the_failed_cells(crashy_run, write_suite, tmp_path):
    again = api.run(write_suite(SUITE), api.RunOptions(
        output=tmp_path / "r", cache_dir=tmp_path / "c", progress=False, executor="process"))
    assert again.n_resumed == 2 and again.n_ran == 2 and again.n_failed == 2


MEMORY_SUITE = """
schema_version: 1
name: peaks
k: 10
datasets: [{ref: "synthetic:n=20000,dim=128,clusters=10,queries=50"}]
models: [vectors]
backends:
  - name: exact
  - {name: faiss-hnsw, build: {M: 16, efConstruction: 20}, search: {efSearch: 16}}
  - {name: hnswlib, build: {M: 16, ef_construction: 20}, search: {ef: 16}}
  - {name: faiss-ivf, build: {nlist: 64}, search: {nprobe: 4}}
evaluate: [label_recall@10]
repeats: 1
warmup: 0
"""


def test_a_cells_peak_covers_its_index(write_suite, tmp_path):
    """peak_rss_mb is the worker's high-water mark above its baseline after loading the
    vectors: it sees the index the cell built (20,000 x 128 float32: about 10 MB each)."""
    out = api.run(write_suite(MEMORY_SUITE), api.RunOptions(
        output=tmp_path / "r", cache_dir=tmp_path / "c", progress=False, executor="process",
        analysis=False))
    rows = pd.read_csv(out.run_dir / "results.csv")
    assert len(rows) == 4 and (rows["status"] == "ok").all()
    assert (rows["index_bytes"] > 10_000_000).all()
    for _, r in rows.iterrows():
        assert r["peak_rss_mb"] * 2**20 >= r["index_bytes"], r["backend"]


UNGUARDED = """\
from harness import api

out = api.run({suite!r}, api.RunOptions(output={out!r}, cache_dir={cache!r},
                  progress=False, report=False, analysis=False))
print("ran", out.n_ran, "failed", out.n_failed, sorted(set(out.frame["status"])))
"""


def test_a_script_without_a_main_guard_runs_its_cells_once(tmp_path):
    """Workers leave the driver's __main__ alone: the script's module-level run is not run
    again in each worker (which died on the run folder's lock: 'WorkerDied: ... code 1')."""
    suite = SUITE.replace("  - name: test-segfault\n  - name: test-sigkill\n", "")
    script = tmp_path / "unguarded.py"
    script.write_text(UNGUARDED.format(suite=suite, out=str(tmp_path / "r"),
                                       cache=str(tmp_path / "c")))
    root = str(Path(__file__).resolve().parents[2])
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          timeout=120, cwd=tmp_path, env={**os.environ, "PYTHONPATH": root})
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "ran 2 failed 0 ['ok']"
