"""The tutorials' scripts (docs/examples/tutorials/, included in docs/tutorials/*.md) run as
a user would run them, and print the figures their pages quote."""

from __future__ import annotations

import csv
import os
import subprocess
from pathlib import Path

import pytest

SCRIPTS = Path(__file__).resolve().parents[2] / "docs" / "examples" / "tutorials"


def _script(name: str, tmp: Path, **env: str) -> str:
    done = subprocess.run(["bash", str(SCRIPTS / name)], cwd=tmp, capture_output=True,
                          text=True, timeout=900,
                          env={**os.environ, "HARNESS_CACHE": str(tmp / "cache"), **env})
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "Traceback" not in done.stderr
    return done.stdout


def _rows(tmp: Path, run: str) -> list[dict[str, str]]:
    return list(csv.DictReader(next((tmp / "results").glob(f"{run}-*/results.csv")).open()))


def test_own_corpus_prints_the_figures_its_page_quotes(tmp_path):
    out = _script("own_corpus.sh", tmp_path)
    rows = _rows(tmp_path, "my-corpus")
    assert {r["status"] for r in rows} == {"ok"} and len(rows) == 3
    for r in rows:  # on 600 documents every setting finds exact search's neighbours
        assert float(r["ndcg@10"]) == pytest.approx(0.9076, abs=5e-5)
        assert float(r["knn_recall@10"]) == 1.0
    assert {r["bytes_per_doc"] for r in rows if r["backend"] == "exact"} == {"1536.0"}
    assert "best under the budgets by the rule" in out


def test_own_model_folder_equals_the_packaged_model(tmp_path):
    _script("own_model.sh", tmp_path)
    rows = _rows(tmp_path, "my-model")
    by = {(r["model"], r["dim"]): r for r in rows}
    assert len(by) == 4
    for dim, ndcg in (("384", 0.9647), ("128", 0.946)):
        mine, packaged = by[("my-model", dim)], by[("minilm-l6-int8", dim)]
        assert float(mine["ndcg@10"]) == float(packaged["ndcg@10"])
        assert float(mine["mrr@10"]) == float(packaged["mrr@10"])
        assert float(mine["ndcg@10"]) == pytest.approx(ndcg, abs=5e-5)


def test_million_script_fits_growth_and_picks_under_budgets(tmp_path):
    out = _script("million.sh", tmp_path, N="100000")
    fits = list(csv.DictReader(next((tmp_path / "results").glob("growth-*/scaling.csv")).open()))
    sizes = {(f["n_min"], f["n_max"], f["target_n"]) for f in fits}
    assert sizes == {("1000", "10000", "100000")}
    assert {"build_s", "qps", "knn_recall@10"} <= {f["quantity"] for f in fits}
    finalists = _rows(tmp_path, "finalists")
    assert {r["n_docs"] for r in finalists} == {"100000"}
    assert {r["status"] for r in finalists} == {"ok"}
    assert "best under the budgets by the rule" in out


def test_filtered_prints_the_rows_its_page_quotes(tmp_path):
    out = _script("filtered.sh", tmp_path)
    rows = [r for r in _rows(tmp_path, "my-filters") if r["filter"]]
    assert {r["status"] for r in rows} == {"ok"} and len(rows) == 20
    by = {(r["filter"], r["backend"], r["filter_strategy"]): r for r in rows}
    for (name, backend, strategy), r in by.items():
        if strategy in ("pre", "in"):  # the ground truth, and the library's own filter here
            assert float(r["knn_recall@10"]) == 1.0, (name, backend, strategy)
    # the uniform field passes exactly 1% and 10% of the 600 documents
    assert float(by[("selectivity=0.01", "exact", "pre")]["selectivity"]) == pytest.approx(
        6 / 600, abs=1e-12)
    assert float(by[("selectivity=0.1", "exact", "pre")]["selectivity"]) == pytest.approx(
        60 / 600, abs=1e-12)
    assert float(by[("selectivity=0.01", "exact", "post")]["short_of_k_share"]) == 1.0
    # the figures the page quotes
    for key, col, value in [(("same-topic", "exact", "pre"), "selectivity", 0.2047),
                            (("same-topic", "exact", "pre"), "ndcg@10", 0.9398),
                            (("long", "exact", "pre"), "selectivity", 0.18),
                            (("selectivity=0.1", "exact", "post"), "knn_recall@10", 0.919),
                            (("selectivity=0.1", "exact", "post"), "short_of_k_share", 0.375),
                            (("selectivity=0.01", "hnswlib", "post"), "knn_recall@10", 0.1825)]:
        assert float(by[key][col]) == pytest.approx(value, abs=5e-5), (key, col)
    assert "same-topic" in out and "short_of_k_share" in out


def test_hybrid_two_stage_prints_the_rows_its_page_quotes(tmp_path):
    out = _script("hybrid_two_stage.sh", tmp_path)
    rows = _rows(tmp_path, "my-hybrid")
    assert {r["status"] for r in rows} == {"ok"} and len(rows) == 14

    def row(model: str, precision: str, fused: str, reranked: bool) -> dict[str, str]:
        (hit,) = [r for r in rows if r["model"] == model and r["precision"] == precision
                  and (fused in r["search_params"] if fused else "hybrid" not in
                       r["search_params"]) and bool(r["rerank"]) == reranked]
        return hit

    quoted = [(("minilm-l6-int8", "float32", "", False), 0.9124),
              (("bm25", "float32", "", False), 0.9063),
              (("minilm-l6-int8", "float32", "convex", False), 0.9479),
              (("minilm-l6-int8", "float32", "rrf", False), 0.937),
              (("minilm-l6-int8", "binary", "convex", False), 0.9305),
              (("minilm-l6-int8", "binary", "", False), 0.8769),
              (("minilm-l6-int8", "binary", "", True), 0.9103),
              (("bm25", "float32", "", True), 0.9255)]
    for key, value in quoted:
        assert float(row(*key)["ndcg@10"]) == pytest.approx(value, abs=5e-5), key
    # re-ranking MiniLM float32 by itself changes nothing
    assert row("minilm-l6-int8", "float32", "", True)["ndcg@10"] == row(
        "minilm-l6-int8", "float32", "", False)["ndcg@10"]
    stage = list(csv.DictReader(next((tmp_path / "results").glob("my-hybrid-*/rerank.csv"))
                                .open()))
    binary = [s for s in stage if s["precision"] == "binary"
              and float(s["first_stage"]) == pytest.approx(0.8769, abs=5e-5)]
    assert float(binary[0]["bought_back_share"]) == pytest.approx(0.9413, abs=5e-4)
    assert "rerank stage" in out and "best under the budgets" in out
