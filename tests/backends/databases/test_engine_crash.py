"""A crash inside one embedded engine becomes that cell's error row; the others still run."""

from __future__ import annotations

import importlib.util

import pytest

pytestmark = pytest.mark.skipif(importlib.util.find_spec("duckdb_ext") is None,
                                reason="duckdb-ext-vss not installed")

SUITE = """\
schema_version: 1
name: engines-crash
datasets: [beir:{beir}]
models: [hash:64]
metrics: [cosine]
precisions: [float32]
k: 10
repeats: 1
evaluate: [ndcg@10]
backends:
  - {{name: exact}}
  - {{name: duckdb-vss, search: {{ef_search: [200]}}}}
"""


def test_duckdb_row_then_a_crash_is_an_error_row(write_suite, tiny_beir, tmp_path, monkeypatch):
    from harness import api
    from harness.backends.databases.duckdb_backend import DuckDBBackend

    def opts(out):
        return api.RunOptions(output=tmp_path / out, cache_dir=tmp_path / "c", progress=False,
                              report=False, executor="inline")

    df = api.run(write_suite(SUITE.format(beir=tiny_beir)), opts("r")).frame.set_index("backend")
    assert set(df["status"]) == {"ok"}
    assert df.loc["duckdb-vss", "knn_recall@10"] >= 0.95  # a tiny corpus, ef 200
    assert df.loc["duckdb-vss", "disk_bytes_per_doc"] > 0

    def crash(self, queries, k):
        raise RuntimeError("duckdb engine crashed")

    monkeypatch.setattr(DuckDBBackend, "search", crash)
    out = api.run(write_suite(SUITE.format(beir=tiny_beir)), opts("r2")).frame.set_index("backend")
    assert out.loc["exact", "status"] == "ok"  # the run went on past the crashed engine
    assert "duckdb engine crashed" in out.loc["duckdb-vss", "status"]
