"""MTEB result JSON exported from a stored run loads back with mteb's own result cache."""

from __future__ import annotations

import json

import pytest

from harness import api
from harness.cli.main import main
from harness.exports.mteb_results import mteb_score_name

SUITE = """\
schema_version: 1
name: mteb-out
datasets: [{{ref: "mteb:SciFact", path: "{hf}"}}, {{ref: "beir:{beir}", name: tiny}}]
models: [hash:16]
dims: [null, 8]
metrics: [cosine]
k: 10
evaluate: [ndcg@10, mrr@10, recall@10, p@5, hit@3, map@10]
backends:
  - {{name: faiss-hnsw, build: {{M: 4}}, search: {{efSearch: [2, 32]}}}}
"""


def _run(write_suite, tmp_path, tiny_beir, beir_rows, hf_writer):
    hf = hf_writer(tmp_path / "scifact", *beir_rows)
    opts = api.RunOptions(output=tmp_path / "results", cache_dir=tmp_path / "cache",
                          progress=False, executor="inline", report=False, analysis=False)
    out = api.run(write_suite(SUITE.format(hf=hf, beir=tiny_beir)), opts)
    assert out.n_failed == 0 and len(out.frame) == 8  # 2 datasets x 2 dims x 2 settings
    return out


@pytest.fixture
def beir_rows():
    docs = {f"d{i}": ("", f"word{i} text about topic{i % 3}") for i in range(12)}
    queries = {"q1": "topic1 word1", "q2": "topic2 word5", "q3": "topic0 word9"}
    qrels = [("q1", "d1", 1), ("q1", "d4", 2), ("q2", "d5", 1), ("q3", "d9", 1)]
    return docs, queries, qrels


def test_files_hold_the_rows_metrics_under_mteb_names(write_suite, tmp_path, tiny_beir,
                                                      beir_rows, hf_writer):
    out = _run(write_suite, tmp_path, tiny_beir, beir_rows, hf_writer)
    got = api.export_run(out.run_dir, tmp_path / "mteb", fmt="mteb")
    assert got.skipped == [] and len(got.files) == 8
    # one folder per (model, variant): dim x search setting; one task file per dataset
    folders = sorted({p.parent.name for p in got.files})
    assert folders == ["d16-float32-cosine-faiss-hnsw-M4-efConstruction40-efSearch2",
                       "d16-float32-cosine-faiss-hnsw-M4-efConstruction40-efSearch32",
                       "d8-float32-cosine-faiss-hnsw-M4-efConstruction40-efSearch2",
                       "d8-float32-cosine-faiss-hnsw-M4-efConstruction40-efSearch32"]
    row = out.frame[(out.frame["dim"] == 8) & out.frame["dataset"].eq("mteb:SciFact")
                    & out.frame["search_params"].str.contains("32")].iloc[0]
    folder = "d8-float32-cosine-faiss-hnsw-M4-efConstruction40-efSearch32"
    res = json.loads((tmp_path / "mteb/results/hash_16" / folder / "SciFact.json").read_text())
    assert res["task_name"] == "SciFact" and res["dataset_revision"].startswith("d56462d0")
    scores = res["scores"]["test"][0]
    assert scores["main_score"] == scores["ndcg_at_10"] == pytest.approx(row["ndcg@10"])
    assert scores["precision_at_5"] == pytest.approx(row["p@5"])
    assert scores["hit_rate_at_3"] == pytest.approx(row["hit@3"])
    assert scores["harness_qps"] == pytest.approx(row["qps"])
    meta = json.loads((got.files[0].parent / "model_meta.json").read_text())
    assert meta["name"] == "hash:16" and meta["harness_variant"]["index"] == "faiss-hnsw"
    assert mteb_score_name("label_recall@10") is None


def test_mteb_loads_the_export(write_suite, tmp_path, tiny_beir, beir_rows, hf_writer):
    mteb = pytest.importorskip("mteb")
    out = _run(write_suite, tmp_path, tiny_beir, beir_rows, hf_writer)
    # the name of the format: the same export as --format mteb
    assert main(["export", str(out.run_dir), str(tmp_path / "mteb"), "--format",
                 "mteb-results"]) == 0
    cache = mteb.ResultCache(cache_path=tmp_path / "mteb")
    # validated against mteb's own SciFact metadata (splits, subsets, main score)
    res = cache.load_results(tasks=["SciFact"], include_remote=False, validate_and_filter=True)
    assert len(res.model_results) == 4
    for mr in res.model_results:
        assert mr.model_name == "hash:16"
        want = out.frame[out.frame["dataset"].eq("mteb:SciFact")
                         & (out.frame["dim"] == int(mr.model_revision[1:].split("-")[0]))
                         & out.frame["search_params"].str.endswith(
                             f' {mr.model_revision.rsplit("efSearch", 1)[1]}}}')]
        assert len(want) == 1
        assert mr.task_results[0].get_score() == pytest.approx(want["ndcg@10"].iloc[0],
                                                               abs=1e-6)
    every = cache.load_results(include_remote=False)  # the non-MTEB dataset loads too
    names = {t.task_name for mr in every.model_results for t in mr.task_results}
    assert names == {"SciFact", "tiny"}


VARIANTS = """\
schema_version: 1
name: mteb-variants
datasets: [{{ref: "beir:{beir}", name: tiny}}]
models: [hash:16]
dims: [8, "pca:8"]
corpus_sizes: [6, full]
metrics: [cosine]
k: 5
evaluate: [ndcg@5]
"""


def test_pca_and_corpus_samples_are_variants_of_their_own(write_suite, tmp_path, beir_writer,
                                                          beir_rows):
    beir = beir_writer(tmp_path / "b", *beir_rows)
    opts = api.RunOptions(output=tmp_path / "results", cache_dir=tmp_path / "cache",
                          progress=False, executor="inline", report=False, analysis=False)
    out = api.run(write_suite(VARIANTS.format(beir=beir)), opts)
    assert out.n_failed == 0 and len(out.frame) == 4
    got = api.export_run(out.run_dir, tmp_path / "mteb", fmt="mteb")
    # truncation and PCA to 8 dims, each on the whole corpus and on a 6-document sample
    assert got.skipped == [] and sorted(p.parent.name for p in got.files) == [
        "d8-float32-cosine-exact", "d8-float32-cosine-exact-n6",
        "d8-pca-float32-cosine-exact", "d8-pca-float32-cosine-exact-n6"]
    for path in got.files:
        name = path.parent.name
        pca = out.frame["dim_method"].eq("pca") == ("-pca-" in name)
        size = out.frame["corpus_size"].astype(str).eq("6" if name.endswith("n6") else "full")
        row = out.frame[pca & size]
        res = json.loads(path.read_text())["scores"]["test"][0]
        assert len(row) == 1 and res["ndcg_at_5"] == pytest.approx(row["ndcg@5"].iloc[0])
