"""One suite mixing a BEIR folder, an MTEB task, a labelled text set and labelled vectors."""

from __future__ import annotations

import json

import numpy as np
import pytest

from harness import api
from harness.cli.main import main
from harness.datasets import ucr
from harness.errors import UserError
from harness.plan.expand import expand
from harness.suite.schema import load_suite

HF_DOCS = {f"d{i}": (f"title {i}", f"topic{i % 3} words number {i}") for i in range(12)}
HF_QUERIES = {f"q{t}": f"topic{t} words" for t in range(3)}
HF_QRELS = [(f"q{i % 3}", f"d{i}", 1) for i in range(12)]


def _text_set(root):
    root.mkdir()
    corpus = [{"text": f"{w} {w} thing {i}", "label": w} for i, w in
              enumerate(["apple", "car", "sea"] * 4)]
    queries = [{"text": f"{w} question", "label": w} for w in ["apple", "car", "sea"]]
    (root / "corpus.jsonl").write_text("".join(json.dumps(r) + "\n" for r in corpus))
    (root / "queries.jsonl").write_text("".join(json.dumps(r) + "\n" for r in queries))
    return root


@pytest.fixture
def mixed(tmp_path, tiny_beir, write_suite, monkeypatch, hf_writer):
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    hf = hf_writer(tmp_path / "scifact-hf", HF_DOCS, HF_QUERIES, HF_QRELS)
    texts = _text_set(tmp_path / "texts")
    vec = "ucr:GunPoint" if ucr.aeon_data() is not None else "digits"
    return write_suite(
        f"""\
schema_version: 1
name: mixed
k: 10
repeats: 1
warmup: 0
datasets:
  - beir:{tiny_beir}
  - {{ref: "mteb:SciFact", path: "{hf}"}}
  - labelled:{texts}
  - {vec}
  - synthetic:n=500,dim=8,clusters=4,queries=40,noise=0.1
models: [hash:64, vectors]
metrics: [l2]
evaluate: [ndcg@10, hit@10, label_recall@10, knn_accuracy@1]
"""
    ), vec


def test_plan_skips_text_model_x_vector_dataset_and_vice_versa(mixed):
    suite, vec = mixed
    plan = expand(load_suite(suite))
    runnable = {(c.dataset_ref.label, c.model_ref.label) for c in plan.cells}
    assert len(runnable) == 5
    assert (vec, "vectors") in runnable and ("labelled:" in " ".join(d for d, _ in runnable))
    reasons = {(s.cell.dataset_ref.label, s.cell.model_ref.label): s.reason for s in plan.skipped}
    assert len(reasons) == 5
    assert reasons[(vec, "hash:64")] == (
        f"dataset '{vec}' holds vectors, model 'hash:64' encodes text "
        "(vector datasets run with the model 'vectors')"
    )
    assert reasons[("mteb:SciFact", "vectors")].endswith("dataset 'mteb:SciFact' holds text")


def test_results_carry_each_datasets_own_task_metrics(mixed, tmp_path):
    suite, vec = mixed
    out = api.run(suite, api.RunOptions(output=tmp_path / "r", cache_dir=tmp_path / "c",
                                        progress=False))
    df = out.frame.set_index("dataset")
    assert out.n_failed == 0, df["status"].tolist()
    qrels_only = [d for d in df.index if d.startswith(("beir:", "mteb:"))]
    label_only = [d for d in df.index if d.startswith("labelled:") or d == vec]
    assert len(qrels_only) == 2 and len(label_only) == 2
    for d in qrels_only:
        assert df.loc[d, "ndcg@10"] > 0 and df.loc[d, "hit@10"] > 0
        assert np.isnan(df.loc[d, "label_recall@10"]) and np.isnan(df.loc[d, "knn_accuracy@1"])
    for d in label_only:
        assert df.loc[d, "knn_accuracy@1"] > 0.5 and df.loc[d, "label_recall@10"] > 0
        assert np.isnan(df.loc[d, "ndcg@10"])
    syn = df.loc["synthetic:n=500,dim=8,clusters=4,queries=40,noise=0.1"]
    assert syn["hit@10"] > 0.9 and syn["knn_accuracy@1"] > 0.5  # both families
    assert df.loc["mteb:SciFact", "n_queries"] == 3 and df.loc["mteb:SciFact", "n_docs"] == 12
    assert df["dataset_fingerprint"].nunique() == 5
    assert set(df["model"]) == {"hash:64", "vectors"}
    man = json.loads((out.run_dir / "manifest.json").read_text())
    assert len(man["skipped"]) == 5 and all("holds" in s["reason"] for s in man["skipped"])


def test_harness_datasets_lists_every_reference(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    monkeypatch.setenv("FASHION_MNIST_DIR", str(tmp_path / "nope"))
    assert main(["datasets"]) == 0
    text = capsys.readouterr().out
    for ref in ("bbc-news", "20newsgroups", "reuters-r8", "digits", "fashion-mnist",
                "glove-6b-50d", "beir:", "mteb:SciFact", "labelled:", "synthetic:"):
        assert ref in text, ref
    frame = api.catalogue("datasets")
    assert {"reference", "kind", "size", "task_metrics", "available", "how_to_get"} <= set(frame)
    row = frame.set_index("reference").loc["fashion-mnist"]
    assert not row["available"] and "apt-get install dataset-fashion-mnist" in row["how_to_get"]
    row = frame.set_index("reference").loc["mteb:SciFact"]
    assert not row["available"] and row["how_to_get"].startswith("hf download mteb/scifact")
    assert frame.set_index("reference").loc["digits", "kind"] == "vectors"


def test_export_round_trip(tmp_path, tiny_beir):
    from harness.datasets.beir import load_beir
    from harness.datasets.export import export
    from harness.datasets.mteb import load_mteb
    from harness.plan.refs import load_dataset
    from harness.suite.schema import DatasetRef

    ds = load_dataset(DatasetRef(ref=f"beir:{tiny_beir}"))
    assert export(ds, tmp_path / "b") == tmp_path / "b"
    export(ds, tmp_path / "h", layout="hf")
    a, b = load_beir(tiny_beir), load_beir(tmp_path / "b")
    assert (a.docs, a.queries, a.qrels) == (b.docs, b.queries, b.qrels)
    h = load_mteb("SciFact", path=str(tmp_path / "h"))
    assert h.fingerprint == b.fingerprint
    with pytest.raises(UserError, match="not a text dataset with judgments"):
        export(load_dataset(DatasetRef(ref="digits")), tmp_path / "x")
    with pytest.raises(UserError, match="unknown layout"):
        export(ds, tmp_path / "y", layout="trec")


def test_dims_apply_to_a_vector_datasets_own_vectors(write_suite, tmp_path):
    suite = write_suite(
        "schema_version: 1\nname: d\ndatasets: ['synthetic:n=300,dim=8,queries=20']\n"
        "models: [vectors]\ndims: [null, 4]\nmetrics: [l2]\nk: 5\nrepeats: 1\nwarmup: 0\n"
        "evaluate: [hit@5, knn_accuracy@5]\n"
    )
    out = api.run(suite, api.RunOptions(output=tmp_path / "r", cache_dir=tmp_path / "c",
                                        progress=False))
    assert out.n_failed == 0 and sorted(out.frame["dim"]) == [4, 8]
