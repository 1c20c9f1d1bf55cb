"""Chroma, Milvus Lite and DuckDB-vss: real engines on a small index, checked against numpy.

Each builds in its scratch folder, searches one query per call, and must: find exact search's
neighbours at its high setting, lose some at its low one (so the search parameter reaches the
engine), score as numpy does, count its files, and remove them on close.
"""

from __future__ import annotations

import importlib.util
import os

import numpy as np
import pytest

from harness.backends.base import IndexInput

MISSING = {m for m in ("chromadb", "pymilvus", "milvus_lite", "duckdb_ext")
           if importlib.util.find_spec(m) is None}


def _engine(name: str):
    if name == "chroma":
        from harness.backends.databases.chroma_backend import ChromaBackend

        return ChromaBackend, {"max_neighbors": 8, "ef_construction": 32}, "ef_search"
    if name == "milvus":
        from harness.backends.databases.milvus_backend import MilvusLiteBackend

        return MilvusLiteBackend, {"M": 8, "efConstruction": 32}, "ef"
    from harness.backends.databases.duckdb_backend import DuckDBBackend

    return DuckDBBackend, {"M": 8, "ef_construction": 32}, "ef_search"


NEEDS = {"chroma": ("chromadb",), "milvus": ("pymilvus", "milvus_lite"), "duckdb": ("duckdb_ext",)}
ENGINES = [pytest.param(n, marks=pytest.mark.skipif(bool(MISSING & set(mods)),
                                                    reason=f"{mods} not installed"))
           for n, mods in NEEDS.items()]


def _unit(rng: np.random.Generator, n: int, d: int) -> np.ndarray:
    x = rng.standard_normal((n, d)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def _recall(ids: np.ndarray, truth: np.ndarray) -> float:
    return float(np.mean([len(set(a) & set(t)) / truth.shape[1]
                          for a, t in zip(ids, truth, strict=True)]))


@pytest.mark.parametrize("name", ENGINES)
def test_cosine_recall_setting_scores_and_files(name):
    cls, build, ef = _engine(name)
    rng = np.random.default_rng(0)
    x, q = _unit(rng, 3000, 48), _unit(rng, 30, 48)  # random 48-d: hard for a sparse graph
    truth = np.argsort(-(q @ x.T), axis=1)[:, :10]
    b = cls("ip", build)
    b.build(IndexInput(x, "ip", "float32"))
    b.prepare({ef: 600})
    ids, scores = b.search(q, 10)
    assert _recall(ids, truth) >= 0.95
    np.testing.assert_allclose(scores, np.take_along_axis(q @ x.T, ids, 1), atol=1e-4)
    b.prepare({ef: 10})
    low, _ = b.search(q, 10)
    assert _recall(low, truth) < 0.9  # the setting reached the engine's index
    assert b.disk_bytes() >= 3000 * 48 * 4  # the float32 vectors are in its files
    assert b.memory().per_doc == pytest.approx(b.disk_bytes() / 3000)
    path = b.scratch.path
    b.close()
    assert not os.path.exists(path)


@pytest.mark.parametrize("name", ENGINES)
def test_l2_scores_are_minus_squared_distance_and_padding(name):
    cls, build, ef = _engine(name)
    rng = np.random.default_rng(1)
    x = rng.standard_normal((200, 8)).astype(np.float32)
    b = cls("l2", build)
    b.build(IndexInput(x, "l2", "float32"))
    b.prepare({ef: 200})
    ids, scores = b.search(x[:5] + 0.01, 10)
    d2 = ((x[:5, None, :] + 0.01 - x[None]) ** 2).sum(-1)
    np.testing.assert_array_equal(ids, np.argsort(d2, axis=1)[:, :10])
    np.testing.assert_allclose(-scores, np.take_along_axis(d2, ids, 1), rtol=1e-3, atol=1e-5)
    b.close()


@pytest.mark.skipif("duckdb_ext" in MISSING, reason="duckdb-ext-vss not installed")
def test_duckdb_plans_an_hnsw_index_scan():
    cls, build, _ = _engine("duckdb")
    b = cls("ip", build)
    b.build(IndexInput(_unit(np.random.default_rng(2), 300, 8), "ip", "float32"))
    assert "HNSW_INDEX_SCAN" in b.plan(10)  # the SQL query is served by the index, not a scan
    b.close()


@pytest.mark.skipif("duckdb_ext" in MISSING, reason="duckdb-ext-vss not installed")
def test_duckdb_refuses_an_extension_of_another_version(monkeypatch):
    import duckdb

    from harness.backends.databases.duckdb_backend import vss_extension_path

    assert os.path.exists(vss_extension_path(duckdb))
    monkeypatch.setattr(duckdb, "__version__", "9.9.9")
    with pytest.raises(RuntimeError, match=r"no vss extension for DuckDB 9\.9\.9.*v1\.4\.4"):
        vss_extension_path(duckdb)


@pytest.mark.skipif(bool(MISSING & {"pymilvus", "milvus_lite"}), reason="milvus-lite missing")
@pytest.mark.parametrize("index_type", ["IVF_FLAT", "HNSW_SQ"])
def test_milvus_gets_its_build_params(index_type):
    from harness.backends.databases.milvus_backend import MilvusLiteBackend

    b = MilvusLiteBackend("ip", {"index_type": index_type, "nlist": 7, "M": 6})
    b.build(IndexInput(_unit(np.random.default_rng(3), 400, 8), "ip", "float32"))
    state = b.index_state()
    want = {"nlist": 7} if index_type == "IVF_FLAT" else {"M": 6, "efConstruction": 128}
    assert state["params"] == want and state["indexed_rows"] == 400
    b.close()


@pytest.mark.parametrize("name", ENGINES)
def test_client_threads_search_at_once_with_the_prepared_setting(name):
    # the load axis's client threads share one backend; DuckDB's connection ran one query at
    # a time (bench/gil.py failed on it), so each thread now has its own cursor: its answers
    # at a low ef must be the one-thread answers at that ef, not those at the default
    from harness.execution.load.threads import closed_threads

    cls, build, ef = _engine(name)
    rng = np.random.default_rng(3)
    x, q = _unit(rng, 3000, 48), _unit(rng, 40, 48)
    b = cls("ip", build)
    b.build(IndexInput(x, "ip", "float32"))
    try:
        b.prepare({ef: 10})
        want = [b.search(q[i:i + 1], 10)[0] for i in range(len(q))]
        b.prepare({ef: 600})
        high = [b.search(q[i:i + 1], 10)[0] for i in range(len(q))]
        assert any((w != h).any() for w, h in zip(want, high, strict=True))
        b.prepare({ef: 10})
        got: dict[int, np.ndarray] = {}

        def search(i: int) -> None:
            got[i] = b.search(q[i:i + 1], 10)[0]

        assert closed_threads(search, len(q), 2, 0.5, 2).n_queries >= len(q)
        assert all((got[i] == want[i]).all() for i in got)
    finally:
        b.close()
