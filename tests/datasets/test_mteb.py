"""MTEB tasks by name, read from Hugging Face-layout folders the tests create."""

from __future__ import annotations

import subprocess
import sys
import types

import pytest

from harness.datasets import mteb
from harness.datasets.beir import load_beir
from harness.errors import UserError

DOCS = {
    "d1": ("Alpha", "alpha body"),
    "d2": ("", "beta body"),
    "d3": ("Gamma", " gamma body "),
    "q1": ("", "the query's own id as a document"),
}
QUERIES = {"q1": "alpha?", "q2": "beta?", "q3": "unjudged"}
QRELS = [("q1", "d1", 1), ("q2", "d2", 2), ("q2", "d3", 1)]
SCIFACT = mteb.TASKS["SciFact"]


@pytest.fixture(autouse=True)
def _offline(tmp_path, monkeypatch):
    """No HARNESS_DATA, an empty hub cache, and mteb not importable unless a test says so."""
    monkeypatch.delenv("HARNESS_DATA", raising=False)
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    monkeypatch.setattr(mteb, "_from_mteb", lambda name: None)


def test_hf_layout_folder_from_path_option(tmp_path, beir_writer, hf_writer):
    root = hf_writer(tmp_path / "scifact", DOCS, QUERIES, QRELS)
    ds = mteb.load_mteb("SciFact", path=str(root))
    assert ds.name == "mteb:SciFact" and (ds.n_docs, ds.n_queries) == (4, 2)
    assert ds.query_ids == ("q1", "q2")  # only judged queries
    # MTEB's joining: (title + " " + text).strip()
    assert ds.docs == ("Alpha alpha body", "beta body", "Gamma  gamma body", "the query's own id "
                       "as a document")
    assert ds.qrels == {"q1": {"d1": 1}, "q2": {"d2": 2, "d3": 1}}
    assert ds.main_metric == "ndcg@10"
    assert ds.meta["revision"] == SCIFACT.revision and ds.meta["hf_path"] == "mteb/scifact"
    # same content as a BEIR folder gives the same fingerprint
    beir = beir_writer(tmp_path / "beir", DOCS, QUERIES, QRELS)
    assert load_beir(beir).fingerprint == ds.fingerprint


def test_hub_cache_snapshot_and_harness_data(tmp_path, monkeypatch, beir_writer, hf_writer):
    snap = tmp_path / "hub" / "datasets--mteb--scifact" / "snapshots" / SCIFACT.revision
    beir_writer(snap, DOCS, QUERIES, QRELS)  # the older jsonl + qrels/*.tsv layout
    assert mteb.check("SciFact", None) is None
    ds = mteb.load_mteb("SciFact")
    assert ds.meta["path"] == str(snap) and ds.n_queries == 2

    data = tmp_path / "data"
    hf_writer(data / "mteb" / "scifact", DOCS, {"q2": "beta?"}, QRELS)
    monkeypatch.setenv("HARNESS_DATA", str(data))
    assert mteb.load_mteb("SciFact").query_ids == ("q2",)  # $HARNESS_DATA comes first


def test_offline_without_a_copy_is_one_clear_line(tmp_path, write_suite):
    problem = mteb.check("SciFact", None)
    assert "\n" not in problem
    assert "no local copy of mteb/scifact at revision d56462d0" in problem
    assert f"hf download mteb/scifact --repo-type dataset --revision {SCIFACT.revision}" in problem
    assert "$HARNESS_DATA/mteb/scifact" in problem
    with pytest.raises(UserError, match="hf download mteb/scifact"):
        mteb.load_mteb("SciFact")

    suite = write_suite(
        "schema_version: 1\nname: m\ndatasets: [mteb:SciFact]\nmodels: [hash:8]\n"
    )
    res = subprocess.run(
        [sys.executable, "-m", "harness.cli", "validate", str(suite)],
        capture_output=True, text=True, check=False,
        env={"HF_HUB_CACHE": str(tmp_path / "hub"), "PATH": "/usr/bin:/bin",
             "HOME": str(tmp_path)},
    )
    assert res.returncode == 2
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {suite}:3: datasets[0]: mteb:SciFact")


def test_unknown_task_and_bad_path(tmp_path):
    problem = mteb.check("SciFakt", None)
    assert "unknown MTEB retrieval task 'SciFakt'" in problem
    assert "did you mean 'SciFact'" in problem
    assert "no folder at path" in mteb.check("SciFact", str(tmp_path / "nope"))


def test_split_handling_and_errors(tmp_path, hf_writer):
    root = hf_writer(tmp_path / "s", DOCS, QUERIES, QRELS, split="dev")
    with pytest.raises(UserError) as exc:
        mteb.load_mteb("SciFact", path=str(root), split="train")
    assert "no qrels for split 'train'" in str(exc.value)
    assert "splits present: dev" in str(exc.value)
    # the suite's default split 'test' falls back to the task's own evaluation split
    task = mteb.Task("Dev", "x/dev", "r", ("dev",), "recall_at_100")
    ds = _load_task(task, root, "test")
    assert ds.meta["split"] == "dev" and ds.main_metric == "recall@100"

    empty = hf_writer(tmp_path / "e", DOCS, QUERIES, [("q1", "d1", 0)])
    with pytest.raises(UserError, match=r"test-00000-of-00001\.parquet: split 'test' has no"):
        mteb.load_mteb("SciFact", path=str(empty))
    (empty / "queries" / "queries-00000-of-00001.parquet").unlink()
    with pytest.raises(UserError, match="no queries files"):
        mteb.load_mteb("SciFact", path=str(empty))


def _load_task(task, root, split):
    orig = mteb.get_task
    try:
        mteb.get_task = lambda name: task
        return mteb.load_mteb(task.name, path=str(root), split=split)
    finally:
        mteb.get_task = orig


def test_parquet_without_required_column(tmp_path, hf_writer):
    import pyarrow as pa
    import pyarrow.parquet as pq

    root = hf_writer(tmp_path / "s", DOCS, QUERIES, QRELS)
    pq.write_table(pa.table({"doc": ["d1"], "text": ["x"]}),
                   root / "corpus" / "corpus-00000-of-00001.parquet")
    with pytest.raises(UserError, match=r"corpus-00000-of-00001.parquet: no column '_id'"):
        mteb.load_mteb("SciFact", path=str(root))


def test_ignore_identical_ids_follows_the_task(tmp_path, hf_writer):
    root = hf_writer(tmp_path / "a", DOCS, QUERIES, QRELS)
    assert mteb.load_mteb("ArguAna", path=str(root)).ignore_identical_ids
    assert not mteb.load_mteb("SciFact", path=str(root)).ignore_identical_ids


def test_mteb_catalogue_is_used_when_importable(tmp_path, monkeypatch):
    """With mteb installed, its task metadata (path, revision, splits, main score) wins."""
    md = types.SimpleNamespace(
        name="MyTask", dataset={"path": "org/mytask", "revision": "abc123"},
        eval_splits=["dev"], main_score="map_at_100",
    )
    fake = types.ModuleType("mteb")
    fake.__version__ = "9.9"
    fake.get_task = lambda name: types.SimpleNamespace(metadata=md, ignore_identical_ids=True)
    monkeypatch.setitem(sys.modules, "mteb", fake)
    monkeypatch.setattr("importlib.util.find_spec", lambda name, *a: object())
    monkeypatch.setattr(mteb, "_from_mteb", _real_from_mteb)
    task = mteb.get_task("MyTask")
    assert (task.path, task.revision, task.splits, task.main_metric) == (
        "org/mytask", "abc123", ("dev",), "map@100")
    assert task.ignore_identical_ids and task.source == "mteb 9.9"


_real_from_mteb = mteb._from_mteb
