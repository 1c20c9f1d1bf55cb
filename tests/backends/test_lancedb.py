"""LanceDB: a real Lance table and index in a scratch folder, recall against numpy."""

from __future__ import annotations

import os

import numpy as np
import pytest

from harness.backends.base import IndexInput

pytest.importorskip("lancedb")

from harness.backends.databases.lancedb_backend import LanceDBBackend


@pytest.mark.parametrize("index_type", ["IVF_HNSW_SQ", "IVF_PQ"])
def test_recall_and_files(index_type):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2000, 32)).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    q = x[:40] + 0.01
    q /= np.linalg.norm(q, axis=1, keepdims=True)  # cosine arrives as ip on unit vectors
    b = LanceDBBackend("ip", {"index_type": index_type, "num_partitions": 4,
                              "num_sub_vectors": 8})
    b.build(IndexInput(x, "ip", "float32"))
    b.prepare({"nprobes": 4, "ef": 200, "refine_factor": 10})
    ids, scores = b.search(q, 10)
    truth = np.argsort(-(q @ x.T), axis=1)[:, :10]
    recall = np.mean([len(set(a) & set(t)) / 10 for a, t in zip(ids, truth, strict=True)])
    assert recall >= 0.95
    np.testing.assert_allclose(scores[:, 0], (q * x[ids[:, 0]]).sum(1), atol=2e-3)
    assert b.disk_bytes() >= 2000 * 32 * 4  # the table keeps the float32 vectors
    b.close()
    assert not os.path.exists(b.scratch.path)


def test_ef_below_k_is_raised_to_k():
    x = np.random.default_rng(1).standard_normal((500, 8)).astype(np.float32)
    b = LanceDBBackend("l2", {"num_partitions": 2})
    b.build(IndexInput(x, "l2", "float32"))
    b.prepare({"ef": 4, "nprobes": 2})
    ids, scores = b.search(x[:3], 20)  # Lance itself raises on ef=4 < k=20
    assert (ids[:, 0] == np.arange(3)).all() and (scores[:, 0] > -1e-4).all()
    b.close()
