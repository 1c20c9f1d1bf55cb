"""`mteb:TASK` through mteb's own task object and loader (offline), with the file reader as
the fallback; the two give the same dataset for the same content."""

from __future__ import annotations

import logging
import os
import shutil

import pytest

pytest.importorskip("mteb")

from harness.datasets import mteb, mteb_native
from harness.datasets.hf import load_hf_folder
from harness.errors import UserError

DOCS = {"d1": ("Alpha", "alpha body"), "d2": ("", "beta body"), "d3": ("Gamma", " gamma ")}
QUERIES = {"q1": "alpha?", "q2": "beta?", "q3": "unjudged", "q4": "only a zero"}
QRELS = [("q1", "d1", 1), ("q2", "d2", 2), ("q2", "d3", 0), ("q4", "d3", 0)]
REV = mteb.TASKS["SciFact"].revision


@pytest.fixture(autouse=True)
def _caches(tmp_path, monkeypatch):
    """Empty hub and datasets caches of this test's own; no $HARNESS_DATA."""
    monkeypatch.delenv("HARNESS_DATA", raising=False)
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    monkeypatch.setenv("HF_DATASETS_CACHE", str(tmp_path / "ds"))
    import datasets.config  # read the variable when first imported

    monkeypatch.setattr(datasets.config, "HF_DATASETS_CACHE", tmp_path / "ds")


def _snapshot(tmp_path):
    return tmp_path / "hub" / "datasets--mteb--scifact" / "snapshots" / REV


@pytest.fixture
def loads(monkeypatch):
    """Counts the splits mteb's RetrievalDatasetLoader loads."""
    from mteb.abstasks import retrieval

    calls: list[str] = []
    orig = retrieval.RetrievalDatasetLoader.load

    def spy(self, *a, **kw):
        calls.append(self.hf_repo)
        return orig(self, *a, **kw)

    monkeypatch.setattr(retrieval.RetrievalDatasetLoader, "load", spy)
    return calls


def _same(a, b):
    assert (a.doc_ids, a.docs, a.query_ids, a.queries) == (b.doc_ids, b.docs, b.query_ids,
                                                            b.queries)
    assert a.qrels == b.qrels and a.fingerprint == b.fingerprint


def test_hub_snapshot_is_loaded_by_the_mteb_task(tmp_path, hf_writer, loads, caplog):
    snap = hf_writer(_snapshot(tmp_path), DOCS, QUERIES, QRELS)
    with caplog.at_level(logging.WARNING, logger="harness"):
        ds = mteb.load_mteb("SciFact")
    assert loads == [str(snap)]  # mteb's own loader read the local folder
    assert ds.meta["loader"] == "mteb task" and ds.meta["catalogue"].startswith("mteb ")
    assert ds.name == "mteb:SciFact" and ds.main_metric == "ndcg@10"
    assert ds.query_ids == ("q1", "q2")  # judged with a positive, as MTEB scores them
    assert ds.docs == ("Alpha alpha body", "beta body", "Gamma  gamma")
    assert ds.qrels == {"q1": {"d1": 1}, "q2": {"d2": 2, "d3": 0}}
    _same(ds, load_hf_folder(snap, name="mteb:SciFact", split="test",
                             options=mteb_native.DEFAULT_OPTIONS))
    assert not caplog.records
    # offline mode was forced for the load and is back as it was
    import datasets.config
    import huggingface_hub.constants

    assert huggingface_hub.constants.HF_HUB_OFFLINE is (os.environ.get("HF_HUB_OFFLINE")
                                                        == "1")
    assert datasets.config.HF_HUB_OFFLINE == huggingface_hub.constants.HF_HUB_OFFLINE


def test_a_layout_mteb_cannot_read_falls_back_with_one_line(tmp_path, beir_writer, caplog):
    snap = beir_writer(_snapshot(tmp_path), DOCS, QUERIES, QRELS)  # jsonl + qrels/test.tsv
    with caplog.at_level(logging.WARNING, logger="harness"):
        ds = mteb.load_mteb("SciFact")
    assert "loader" not in ds.meta and ds.query_ids == ("q1", "q2")
    [rec] = [r for r in caplog.records if r.name == "harness"]
    msg = rec.getMessage()
    assert "\n" not in msg and msg.startswith(f"mteb:SciFact: mteb's loader could not read {snap}")
    assert msg.endswith("; reading the files directly") and "BuilderConfig 'corpus'" in msg


def test_the_datasets_cache_is_used_offline(tmp_path, hf_writer, loads):
    """What an earlier online mteb run leaves in the datasets cache loads with no folder."""
    import datasets

    own = hf_writer(tmp_path / "copy" / "scifact", DOCS, QUERIES, QRELS)
    first = load_hf_folder(own, name="mteb:SciFact", split="test",
                           options=mteb_native.DEFAULT_OPTIONS)
    with mteb_native.hf_offline():
        for config in ("corpus", "queries", "default"):
            datasets.load_dataset(str(own), config)
    # datasets caches a folder named 'scifact' as the hub's mteb/scifact would be: rename it so
    (tmp_path / "ds" / "scifact").rename(tmp_path / "ds" / "mteb___scifact")
    shutil.rmtree(own)
    assert mteb.locate(mteb.get_task("SciFact"), None) is None
    assert mteb.check("SciFact", None) is None
    ds = mteb.load_mteb("SciFact")
    assert loads == ["mteb/scifact"] and ds.meta["path"] == "mteb/scifact"
    assert ds.meta["loader"] == "mteb task"
    _same(ds, first)


def test_no_copy_anywhere_is_one_line_and_no_download(tmp_path, monkeypatch):
    import huggingface_hub.utils._http as http

    def no_network(request):
        raise AssertionError(f"a request was made: {request.url}")

    monkeypatch.setattr(http, "hf_request_event_hook", no_network)
    problem = mteb.check("SciFact", None)
    assert "\n" not in problem and "no local copy of mteb/scifact" in problem
    with pytest.raises(UserError, match="hf download mteb/scifact"):
        mteb.load_mteb("SciFact")
    # a datasets cache mteb cannot read: one line naming why, and what to download
    (tmp_path / "ds" / "mteb___scifact" / "corpus" / "0.0.0" / "x").mkdir(parents=True)
    assert mteb.check("SciFact", None) is None
    with pytest.raises(UserError) as exc:
        mteb.load_mteb("SciFact")
    line = exc.value.one_line()
    assert "\n" not in line and "mteb could not load mteb/scifact from the datasets cache" in line
    assert "hf download mteb/scifact" in line
