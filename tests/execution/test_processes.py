"""The process executor: a worker that dies becomes an error row, and the run goes on."""

from __future__ import annotations

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
