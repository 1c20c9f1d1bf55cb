"""The row schema: only declared columns, the tables' types from it, and its reference page."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from harness import api
from harness.store import row as R
from harness.store.tables import wide_parquet

DOCS = Path(__file__).resolve().parents[2] / "docs" / "results.md"


def test_a_row_takes_declared_columns_and_quality_columns_only():
    r = R.ResultRow({"cell_id": "c1", "ndcg@10": 0.5})
    r["knn_recall@100"] = 0.9
    r.update({"qps": 10.0})
    assert list(r) == ["cell_id", "ndcg@10", "knn_recall@100", "qps"]
    with pytest.raises(KeyError, match="qsp"):
        r["qsp"] = 1.0
    with pytest.raises(KeyError, match="n_doc"):
        r.update(n_doc=3)


def test_directions_and_timing_flags():
    assert R.better("qps") == 1 and R.better("latency_p99_ms") == -1
    assert R.better("ndcg@10") == 1 and R.better("dataset") == 0 and R.better("nope") == 0
    assert {"qps", "build_s", "finished_at", "usd_per_1m_queries"} <= R.TIMING_COLUMNS
    assert not {"ndcg@10", "bytes_per_doc", "index_bytes", "dim"} & R.TIMING_COLUMNS


def test_the_wide_table_types_numeric_columns_from_the_schema():
    df = pd.DataFrame([{"cell_id": "a", "dim": 8, "qps": None, "k": None, "encoded": "cache"},
                       {"cell_id": "b", "dim": None, "qps": 3.5, "k": 4, "encoded": "now"}])
    t = pq.read_table(io.BytesIO(wide_parquet(df)))
    assert str(t.schema.field("dim").type) == "int64"
    assert str(t.schema.field("k").type) == "int64"
    assert str(t.schema.field("qps").type) == "double"
    # `encoded` says how the vectors were had (now / cache / given): typed as an int it was
    # coerced to missing in every results.parquet
    assert t.column("encoded").to_pylist() == ["cache", "now"]


def test_every_column_of_a_stored_run_is_declared(tmp_path):
    suite = tmp_path / "s.yaml"
    suite.write_text("schema_version: 1\nname: row\ndatasets: ['synthetic:n=300,queries=20,dim=8']"
                     "\nmodels: [vectors]\nevaluate: [label_recall@5]\nk: 5\n"
                     "backends: [{name: exact}, {name: faiss-hnsw}]\n")
    res = api.run(suite, api.RunOptions(output=tmp_path / "r", cache_dir=tmp_path / "c",
                                        executor="inline", report=False, progress=False))
    df = pd.read_csv(next((tmp_path / "r").glob("*/results.csv")))
    assert len(df) and res is not None
    for name in df.columns:
        R.column(name)  # raises for an undeclared column


def test_the_reference_page_lists_every_column():
    assert R.reference_markdown() in DOCS.read_text(), \
        "docs/results.md is out of date: paste harness.store.row.reference_markdown() into it"
