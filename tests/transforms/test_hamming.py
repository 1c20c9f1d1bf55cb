"""Hamming search on packed sign bits equals a reference popcount (numpy unpackbits)."""

from __future__ import annotations

import numpy as np
import pytest

from harness.backends.base import IndexInput
from harness.embeddings.prepared import prepare
from harness.metrics.knn import gather_scores, true_scores_of
from harness.registry import BACKENDS


def reference_distances(query_bits: np.ndarray, doc_bits: np.ndarray) -> np.ndarray:
    """Hamming distance of every query to every doc: count of differing unpacked bits."""
    q = np.unpackbits(query_bits, axis=1).astype(bool)
    d = np.unpackbits(doc_bits, axis=1).astype(bool)
    return (q[:, None, :] != d[None, :, :]).sum(axis=2)


def bits_with_ties(n_docs: int, n_queries: int, dim: int, seed: int = 0):
    """Few dimensions, so many documents share a distance (ties at the k-th position)."""
    rng = np.random.default_rng(seed)
    docs = rng.normal(size=(n_docs, dim)).astype(np.float32)
    queries = rng.normal(size=(n_queries, dim)).astype(np.float32)
    prep = prepare(docs, queries, dim=None, metric="cosine", precision="binary")
    return prep


def assert_topk_matches_reference(ids, scores, dist, k):
    """Tie-insensitive: scores are -distances of the returned ids, sorted, and the returned
    distances are the k smallest; ids strictly better than the k-th distance must all be there."""
    for row in range(len(dist)):
        got = ids[row, :k]
        assert len(set(got.tolist())) == k and (got >= 0).all()
        np.testing.assert_array_equal(scores[row, :k], -dist[row, got])
        assert (np.diff(scores[row, :k]) <= 0).all()
        best = np.sort(dist[row])[:k]
        np.testing.assert_array_equal(np.sort(dist[row, got]), best)
        kth = best[-1]
        must = set(np.flatnonzero(dist[row] < kth).tolist())
        assert must <= set(got.tolist())


def test_reference_hamming_scores():
    prep = bits_with_ties(300, 40, 12)
    dist = reference_distances(prep.queries, prep.docs)
    every_doc = np.tile(np.arange(len(prep.docs)), (len(prep.queries), 1))
    scores = gather_scores(every_doc, prep.queries, prep.docs, "hamming")
    np.testing.assert_array_equal(scores, -dist)
    # the bits are the signs of the normalised float vectors
    unpacked = np.unpackbits(prep.docs, axis=1)[:, :12].astype(bool)
    np.testing.assert_array_equal(unpacked, prep.raw_docs > 0)


@pytest.mark.parametrize("dim", [12, 64, 100])
def test_exact_backend_hamming_equals_reference_popcount(dim):
    cls = BACKENDS.get("exact").load()
    if "binary" not in cls.capabilities.precisions:
        pytest.skip("the exact backend does not support binary (hamming) yet")
    prep = bits_with_ties(400, 30, dim, seed=dim)
    backend = cls("hamming", {}, threads=1)
    backend.build(IndexInput(prep.docs, "hamming", "binary"))
    k = 25
    ids, scores = backend.search(prep.queries, k)
    dist = reference_distances(prep.queries, prep.docs)
    if dim == 12:
        assert any(np.sort(d)[k - 1] == np.sort(d)[k] for d in dist)  # really has ties at k
    assert_topk_matches_reference(np.asarray(ids), np.asarray(scores), dist, k)


def test_knn_true_scores_for_hamming():
    prep = bits_with_ties(100, 10, 20)
    ids = np.tile(np.arange(10), (10, 1))
    ids[0, 3] = -1
    got = true_scores_of(ids, prep.queries, prep.docs, "hamming")
    dist = reference_distances(prep.queries, prep.docs)
    expected = -dist[:, :10].astype(float)
    expected[0, 3] = -np.inf
    np.testing.assert_array_equal(got, expected)
