"""results_long.parquet: one schema for every run, read together by polars and duckdb."""

from __future__ import annotations

import pandas as pd
import pyarrow.parquet as pq
import pytest

from harness import api
from harness.store.tables import LONG_SCHEMA, long_table

A = """\
schema_version: 1
name: long-a
datasets: [beir:{beir}]
models: [hash:16]
k: 10
evaluate: [ndcg@10, recall@10]
"""
B = """\
schema_version: 1
name: long-b
datasets: [beir:{beir}]
models: [hash:32]
precisions: [float32, int8]
k: 5
evaluate: [mrr@5, label_recall@5]
backends:
  - {{name: faiss-hnsw, build: {{M: 4}}, search: {{efSearch: [8, 16]}}}}
"""


@pytest.fixture
def two_runs(write_suite, tiny_beir, tmp_path):
    opts = api.RunOptions(output=tmp_path / "results", cache_dir=tmp_path / "cache",
                          progress=False, executor="inline", report=False, analysis=False)
    a = api.run(write_suite(A.format(beir=tiny_beir), "a.yaml"), opts)
    b = api.run(write_suite(B.format(beir=tiny_beir), "b.yaml"), opts)
    return tmp_path / "results", a, b


def _expected(*runs) -> int:
    """Rows x metrics with a value (label_recall is NaN on a qrels-only dataset)."""
    return sum(int(r.frame.filter(like="@").notna().sum().sum()) for r in runs)


def test_polars_reads_every_run_at_once(two_runs):
    pl = pytest.importorskip("polars")
    root, a, b = two_runs
    df = pl.read_parquet(str(root / "*" / "results_long.parquet"))
    assert df.height == _expected(a, b) and set(df["run_id"]) == {a.run_dir.name,
                                                                   b.run_dir.name}
    assert set(df["measure"]) == {"ndcg@10", "recall@10", "knn_recall@10", "mrr@5",
                                  "knn_recall@5", "knn_recall_eps@10", "knn_recall_eps@5"}
    # the value of one row x metric is the wide table's cell
    row = b.frame[b.frame["precision"] == "int8"].iloc[1]
    got = df.filter((pl.col("cell_id") == row["cell_id"]) & (pl.col("setting") == 1)
                    & (pl.col("measure") == "mrr@5"))
    assert got["value"].to_list() == [pytest.approx(row["mrr@5"])]
    params = got["params"].to_list()[0]
    assert {p["name"]: p["number"] for p in params} == {
        "M": 4.0, "efConstruction": 40.0, "efSearch": 16.0}
    assert df.schema["finished_at"] == pl.Datetime("us", "UTC")


def test_duckdb_reads_every_run_at_once(two_runs):
    duckdb = pytest.importorskip("duckdb")
    root, a, b = two_runs
    glob = str(root / "*" / "results_long.parquet")
    n, runs = duckdb.sql(f"select count(*), count(distinct run_id) from '{glob}'").fetchall()[0]
    assert (n, runs) == (_expected(a, b), 2)
    best = duckdb.sql(f"select model, max(value) from '{glob}' where measure = 'ndcg@10' "
                      "group by model").fetchall()
    assert best == [("hash:16", pytest.approx(a.frame["ndcg@10"].max()))]
    ef = duckdb.sql(f"select distinct p.number from '{glob}', unnest(params) as t(p) "
                    "where p.name = 'efSearch' order by 1").fetchall()
    assert ef == [(8.0,), (16.0,)]


def test_wide_table_types_and_failed_rows(two_runs):
    _, a, _ = two_runs
    wide = pq.read_schema(a.run_dir / "results.parquet")
    assert str(wide.field("batch_qps").type) == "double"  # None everywhere: still a number
    frame = pd.concat([a.frame, pd.DataFrame([{"cell_id": "x", "status": "error: boom",
                                               "dim": None, "metric": "l2"}])])
    t = long_table(frame, "r1")
    assert t.schema == LONG_SCHEMA
    failed = t.filter(t.column("cell_id").to_numpy(zero_copy_only=False) == "x").to_pylist()
    assert len(failed) == 1 and failed[0]["measure"] is None
    assert failed[0]["status"] == "error: boom" and failed[0]["distance"] == "l2"
