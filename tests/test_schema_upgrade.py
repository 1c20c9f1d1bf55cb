"""Run folders written before bytes_per_doc (cell records of schema version 1) stay readable
under today's column names, and a resumed run measures their cells again."""

from __future__ import annotations

import json

import pandas as pd

from harness import api
from harness.store.runs import RunStore
from harness.store.tables import upgraded_frame, upgraded_row

SUITE = """\
schema_version: 1
name: old
datasets: [beir:{beir}]
models: [hash:16]
k: 5
evaluate: [ndcg@5]
"""
NEW = ("bytes_per_doc", "index_fixed_bytes", "rescore_bytes_per_doc")


def _as_version_1(run_dir) -> None:
    """Rewrite the run's cell records as version 1 wrote them."""
    for path in (run_dir / "cells").glob("*.json"):
        rec = json.loads(path.read_text())
        rec["schema_version"] = 1
        for row in rec["rows"]:
            row["bytes_per_vector"] = row.pop("code_bytes_per_vector")
            for col in NEW:
                row.pop(col)
        path.write_text(json.dumps(rec))


def test_version_1_records_are_read_renamed_and_run_again(write_suite, tiny_beir, tmp_path):
    opts = api.RunOptions(output=tmp_path / "results", cache_dir=tmp_path / "cache",
                          progress=False, executor="inline", report=False, analysis=False)
    path = write_suite(SUITE.format(beir=tiny_beir))
    first = api.run(path, opts)
    assert (first.frame["bytes_per_doc"] == 16 * 4).all()
    _as_version_1(first.run_dir)
    store = RunStore(first.run_dir)
    old = store.frame()
    assert "bytes_per_vector" not in old and (old["code_bytes_per_vector"] == 16 * 4).all()
    assert store.finished() == {}  # no bytes_per_doc: not finished for today's harness
    again = api.run(path, opts)
    assert again.run_dir == first.run_dir and again.n_resumed == 0 and again.n_ran == 1
    assert (again.frame["bytes_per_doc"] == 16 * 4).all()
    assert all(r["schema_version"] == 2 for r in RunStore(again.run_dir).records().values())


def test_version_1_memory_figures_of_lexical_and_hybrid_rows():
    # version 1: a bm25 row's bytes_per_vector was its index per document; a hybrid row's
    # was the code size plus the lexical index per document
    bm25 = upgraded_row({"dim_method": "lexical", "bytes_per_vector": 123.5, "n_docs": 10})
    assert bm25["bytes_per_doc"] == 123.5 and bm25["code_bytes_per_vector"] is None
    hybrid = {"dim_method": "native", "bytes_per_vector": 64 + 1234 / 100,
              "lexical_bytes": 1234, "n_docs": 100}
    assert upgraded_row(hybrid)["code_bytes_per_vector"] == 64
    dense = upgraded_row({"dim_method": "native", "bytes_per_vector": 64.0, "n_docs": 5})
    assert dense == {"dim_method": "native", "code_bytes_per_vector": 64.0, "n_docs": 5}
    frame = pd.DataFrame([{"cell_id": "a", "bytes_per_vector": 8.0, "dim_method": "native"}])
    assert upgraded_frame(frame).columns.tolist() == ["cell_id", "code_bytes_per_vector",
                                                      "dim_method"]
    today = frame.rename(columns={"bytes_per_vector": "code_bytes_per_vector"})
    assert upgraded_frame(today) is today
