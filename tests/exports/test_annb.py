"""ann-benchmarks' layout: data and result files whose recall, computed as ann-benchmarks
computes it, is the harness row's knn_recall."""

from __future__ import annotations

import json

import numpy as np
import pytest

from harness import api

h5py = pytest.importorskip("h5py")

SUITE = """\
schema_version: 1
name: annb
datasets: ['beir:{beir}']
models: [hash:16]
dims: [null, 8]
precisions: [float32, int8]
metrics: [cosine, l2, ip]
k: 5
evaluate: [ndcg@5]
backends:
  - {{name: faiss-hnsw, build: {{M: 4}}, search: {{efSearch: [1, 16]}}}}
"""


def _recall(true_distances, run_distances, count, epsilon=1e-3):
    """ann_benchmarks/plotting/metrics.py: get_recall_values with knn_threshold, as written
    there: a returned point counts when its distance is within the k-th true one + epsilon."""
    recalls = np.zeros(len(run_distances))
    for i in range(len(run_distances)):
        t = true_distances[i][count - 1] + epsilon
        recalls[i] = sum(1 for d in run_distances[i][:count] if d <= t)
    return np.mean(recalls) / float(count)


def test_files_and_recall(write_suite, tiny_beir, tmp_path):
    opts = api.RunOptions(output=tmp_path / "r", cache_dir=tmp_path / "c", progress=False,
                          executor="inline", report=False, analysis=False)
    out = api.run(write_suite(SUITE.format(beir=tiny_beir)), opts)
    assert out.n_failed == 0 and len(out.frame) == 24  # 2 dims x 2 precisions x 3 x 2 settings
    entries = sorted((tmp_path / "c").rglob("*.npy"))
    got = api.export_run(out.run_dir, tmp_path / "ab", fmt="ann-benchmarks")
    assert entries == sorted((tmp_path / "c").rglob("*.npy"))  # read the cache, encoded nothing
    assert len(got.files) == 16 and len(got.datasets) == 4  # ip rows have no counterpart
    assert sum("no inner-product" in s for s in got.skipped) == 8
    names = sorted(p.name.split("tiny-")[-1] for p in got.datasets)
    assert names == ["hash_16-d16-angular.hdf5", "hash_16-d16-euclidean.hdf5",
                     "hash_16-d8-angular.hdf5", "hash_16-d8-euclidean.hdf5"]
    checked = []
    for path in got.files:
        with h5py.File(path, "r") as f:
            attrs = dict(f.attrs)
            data = tmp_path / "ab" / "data" / f"{attrs['dataset']}.hdf5"
            with h5py.File(data, "r") as d:
                truth, train, test = d["distances"][:], d["train"][:], d["test"][:]
                assert d.attrs["distance"] == attrs["distance"]
            neighbors, distances, times = f["neighbors"][:], f["distances"][:], f["times"][:]
        rel = path.relative_to(tmp_path / "ab" / "results").parts
        assert rel[:3] == (attrs["dataset"], "5", attrs["algo"]) and attrs["count"] == 5
        ef = json.loads(attrs["name"].split("efSearch=")[1].rstrip(")"))
        assert rel[3] == f"M_4_efConstruction_40_efSearch_{ef}.hdf5"
        assert train.shape == (24, 8 if "-d8-" in attrs["dataset"] else 16) and len(test) == 6
        # distances are the true float32 ones of the neighbours, as ann-benchmarks recomputes
        q, n = 2, neighbors[2][0]
        want = (1 - test[q] @ train[n] if attrs["distance"] == "angular"
                else np.linalg.norm(test[q] - train[n]))
        assert distances[q][0] == pytest.approx(want, abs=1e-5)
        row = out.frame[(out.frame["dim"] == train.shape[1])
                        & (out.frame["precision"] == attrs["algo"].split("-")[-1].replace(
                            "hnsw", "float32"))
                        & (out.frame["metric"] == ("cosine" if attrs["distance"] == "angular"
                                                   else "l2"))
                        & out.frame["search_params"].str.contains(
                            attrs["name"].split("efSearch=")[1].rstrip(")") + "}")].iloc[0]
        assert attrs["best_search_time"] == pytest.approx(1 / row["qps"])
        assert attrs["index_size"] == pytest.approx(row["index_bytes"] / 1024)
        assert len(times) == 6 and (times > 0).all()
        if row["precision"] == "float32":  # the harness's recall is against float32 truth too
            assert _recall(truth, distances, 5) == pytest.approx(row["knn_recall@5"], abs=1e-9)
            checked.append(row["knn_recall@5"])
    assert len(checked) == 8 and min(checked) < 1 == max(checked)  # efSearch 1 misses some


def test_without_h5py_is_one_line(write_suite, tiny_beir, tmp_path, monkeypatch):
    import sys

    from harness.errors import UserError

    opts = api.RunOptions(output=tmp_path / "r", cache_dir=tmp_path / "c", progress=False,
                          executor="inline", report=False, analysis=False)
    out = api.run(write_suite(f"schema_version: 1\nname: n\ndatasets: ['beir:{tiny_beir}']\n"
                              "models: [hash:8]\nevaluate: [ndcg@10]\n"), opts)
    monkeypatch.setitem(sys.modules, "h5py", None)
    with pytest.raises(UserError, match=r"needs h5py \(pip install h5py\)"):
        api.export_run(out.run_dir, tmp_path / "ab", fmt="ann-benchmarks")


SAMPLED = """\
schema_version: 1
name: annb-sizes
datasets: ['beir:{beir}']
models: [hash:16]
dims: [8]
corpus_sizes: [10, full]
metrics: [cosine]
k: 5
evaluate: [ndcg@5]
backends:
  - {{name: faiss-hnsw, build: {{M: 4}}, search: {{efSearch: 1}}}}
"""


def test_a_corpus_sample_is_a_dataset_of_its_own(write_suite, beir_writer, tmp_path):
    docs = {f"d{i}": ("", f"w{i % 7} w{i % 5} w{i % 3} doc{i}") for i in range(30)}
    queries = {f"q{i}": f"w{i} w{i + 1} w{i % 3}" for i in range(4)}
    beir = beir_writer(tmp_path / "b", docs, queries, [(f"q{i}", f"d{i}", 1) for i in range(4)])
    opts = api.RunOptions(output=tmp_path / "r", cache_dir=tmp_path / "c", progress=False,
                          executor="inline", report=False, analysis=False)
    out = api.run(write_suite(SAMPLED.format(beir=beir)), opts)
    assert out.n_failed == 0 and len(out.frame) == 2
    got = api.export_run(out.run_dir, tmp_path / "ab", fmt="ann-benchmarks")
    assert got.skipped == [] and len(got.files) == 2
    names = sorted(p.name.split("_b")[-1] for p in got.datasets)
    assert names == ["-hash_16-d8-angular.hdf5", "-n10-hash_16-d8-angular.hdf5"]
    for path in got.files:
        with h5py.File(path, "r") as f:
            attrs, distances = dict(f.attrs), f["distances"][:]
        with h5py.File(tmp_path / "ab" / "data" / f"{attrs['dataset']}.hdf5", "r") as d:
            truth, train = d["distances"][:], d["train"][:]
        size = "10" if "-n10-" in attrs["dataset"] else "full"
        row = out.frame[out.frame["corpus_size"].astype(str) == size].iloc[0]
        assert len(train) == (10 if size == "10" else 30)
        # the sample's own ground truth: recall as ann-benchmarks computes it is the row's
        assert _recall(truth, distances, 5) == pytest.approx(row["knn_recall@5"], abs=1e-9)


NEAR_TIES = """\
schema_version: 1
name: annb-eps
datasets: ['synthetic:n=3000,dim=16,clusters=10,separation=30,queries=40,noise=0.05']
models: [vectors]
metrics: [cosine, l2]
k: 10
evaluate: [hit@10]
backends:
  - {name: faiss-hnsw, build: {M: 4, efConstruction: 8}, search: {efSearch: [1, 4, 64]}}
"""


def test_eps_recall_from_the_export_is_the_rows_column(write_suite, tmp_path):
    """Dense clusters (separation 30: the 10th neighbour is a few 1e-3 away in cosine
    distance) make near-ties: ann-benchmarks' recall, recomputed from the exported distances
    with its formula (_recall above), equals the row's knn_recall_eps@10 and not always its
    tie-aware knn_recall@10."""
    opts = api.RunOptions(output=tmp_path / "r", cache_dir=tmp_path / "c", progress=False,
                          executor="inline", report=False, analysis=False)
    out = api.run(write_suite(NEAR_TIES), opts)
    assert out.n_failed == 0 and len(out.frame) == 6
    got = api.export_run(out.run_dir, tmp_path / "ab", fmt="ann-benchmarks")
    assert got.skipped == [] and len(got.files) == 6
    pairs = []
    for path in got.files:
        with h5py.File(path, "r") as f:
            attrs, distances = dict(f.attrs), f["distances"][:]
        with h5py.File(tmp_path / "ab" / "data" / f"{attrs['dataset']}.hdf5", "r") as d:
            truth = d["distances"][:]
        ef = int(attrs["name"].split("efSearch=")[1].rstrip(")"))
        metric = "cosine" if attrs["distance"] == "angular" else "l2"
        row = out.frame[(out.frame["metric"] == metric) & (out.frame["search_params"].map(
            lambda s: json.loads(s)["efSearch"]) == ef)].iloc[0]
        eps = _recall(truth, distances, attrs["count"])
        assert eps == pytest.approx(row["knn_recall_eps@10"], abs=1e-9)
        pairs.append((row["knn_recall@10"], eps))
    # the data does have near-ties: on some rows eps recall counts near-misses
    assert any(eps > tie + 0.01 for tie, eps in pairs)
    assert all(eps >= tie - 1e-9 for tie, eps in pairs)
