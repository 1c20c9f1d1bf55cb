"""sqlite-vec: a real vec0 table in a scratch file, checked against numpy's exact search."""

from __future__ import annotations

import gc
import os

import numpy as np
import pytest

from harness.backends.base import IndexInput
from harness.execution.disk import disk_columns

pytest.importorskip("sqlite_vec")
pytest.importorskip("apsw")

from harness.backends.databases.sqlite_vec_backend import SqliteVecBackend


def _unit(rng: np.random.Generator, n: int, d: int) -> np.ndarray:
    x = rng.standard_normal((n, d)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def test_cosine_matches_numpy_and_bytes():
    rng = np.random.default_rng(0)
    docs, queries = _unit(rng, 300, 16), _unit(rng, 20, 16)
    b = SqliteVecBackend("ip", {})
    b.build(IndexInput(docs, "ip", "float32"))
    ids, scores = b.search(queries, 5)
    sims = queries @ docs.T
    np.testing.assert_array_equal(ids, np.argsort(-sims, axis=1)[:, :5])
    np.testing.assert_allclose(scores, np.take_along_axis(sims, ids, 1), atol=1e-5)
    # the file holds at least the float32 vectors (300 x 16 x 4 bytes)
    assert b.disk_bytes() >= 300 * 16 * 4
    assert disk_columns(b, b.nbytes(), 300)["disk_bytes_per_doc"] >= 64
    path = b.scratch.path
    del b
    gc.collect()
    assert not os.path.exists(path)  # the scratch folder goes with the backend


def test_l2_and_hamming_scores():
    rng = np.random.default_rng(1)
    docs, q = rng.standard_normal((100, 8)).astype(np.float32), rng.standard_normal((3, 8))
    b = SqliteVecBackend("l2", {})
    b.build(IndexInput(docs, "l2", "float32"))
    ids, scores = b.search(q.astype(np.float32), 3)
    d2 = ((q[:, None, :] - docs[None]) ** 2).sum(-1)
    np.testing.assert_array_equal(ids, np.argsort(d2, axis=1)[:, :3])
    np.testing.assert_allclose(-scores, np.take_along_axis(d2, ids, 1), rtol=1e-4)
    bits = np.packbits(docs > 0, axis=1)  # 8 dims -> 1 byte
    h = SqliteVecBackend("hamming", {})
    h.build(IndexInput(bits, "hamming", "binary"))
    _, hs = h.search(bits[:2], 1)
    np.testing.assert_array_equal(hs[:, 0], [0.0, 0.0])  # a vector is at distance 0 of itself
    b.close()
    h.close()
    assert not os.path.exists(b.scratch.path)


def test_fewer_docs_than_k_pads():
    b = SqliteVecBackend("l2", {})
    b.build(IndexInput(np.eye(2, dtype=np.float32), "l2", "float32"))
    ids, scores = b.search(np.eye(2, dtype=np.float32), 4)
    assert ids[0].tolist() == [0, 1, -1, -1] and np.isneginf(scores[0, 2:]).all()
    assert disk_columns(object(), 10, 1) == {}  # in-memory backends have no disk column


SUITE = """\
schema_version: 1
name: databases
datasets: [beir:{beir}]
models: [hash:64]
metrics: [cosine]
precisions: [float32]
k: 10
repeats: 1
evaluate: [ndcg@10]
backends:
  - {{name: exact}}
  - {{name: sqlite-vec}}
"""


def test_suite_rows_disk_column_and_a_crash(write_suite, tiny_beir, tmp_path, monkeypatch):
    from harness import api

    opts = api.RunOptions(output=tmp_path / "r", cache_dir=tmp_path / "c", progress=False,
                          report=False, executor="inline")
    df = api.run(write_suite(SUITE.format(beir=tiny_beir)), opts).frame.set_index("backend")
    assert set(df["status"]) == {"ok"}
    assert df.loc["sqlite-vec", "knn_recall@10"] == 1.0  # an exact scan
    assert df.loc["sqlite-vec", "ndcg@10"] == pytest.approx(df.loc["exact", "ndcg@10"])
    per_doc = df.loc["sqlite-vec", "index_bytes"] / df.loc["sqlite-vec", "n_docs"]
    assert df.loc["sqlite-vec", "disk_bytes_per_doc"] == pytest.approx(per_doc)
    assert np.isnan(df.loc["exact", "disk_bytes_per_doc"])

    def crash(self, data):
        raise RuntimeError("engine crashed")

    monkeypatch.setattr(SqliteVecBackend, "build", crash)
    opts = api.RunOptions(output=tmp_path / "r2", cache_dir=tmp_path / "c", progress=False,
                          report=False, executor="inline")
    out = api.run(write_suite(SUITE.format(beir=tiny_beir)), opts).frame.set_index("backend")
    assert out.loc["exact", "status"] == "ok"  # the run went on past the crashed engine
    assert "engine crashed" in out.loc["sqlite-vec", "status"]


def test_client_threads_search_at_once_and_answer_as_one_thread_does():
    # an apsw connection runs one statement at a time: each thread opens its own (load axis)
    from harness.execution.load.threads import closed_threads

    rng = np.random.default_rng(1)
    x = rng.standard_normal((2000, 32)).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    b = SqliteVecBackend("ip", {})
    b.build(IndexInput(x, "ip", "float32"))
    try:
        want = [b.search(x[i:i + 1], 5)[0] for i in range(50)]
        got: dict[int, np.ndarray] = {}

        def search(i: int) -> None:
            got[i] = b.search(x[i:i + 1], 5)[0]

        fig = closed_threads(search, 50, 2, 0.5, 2)
        assert fig.n_queries >= 50
        assert all((got[i] == want[i]).all() for i in got)
        assert [w[0, 0] for w in want] == list(range(50))  # each document finds itself
    finally:
        b.close()
