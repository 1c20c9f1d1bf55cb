"""NGT (ANNG) on small clustered data: recall against exact search, exact-scale scores,
the search parameter reaching the library, empty slots and its files' size."""

from __future__ import annotations

import os

import numpy as np
import pytest
from test_backends import clustered, make
from test_faiss_rabitq_nsg import recall_of

pytest.importorskip("ngtpy")


@pytest.mark.parametrize("metric", ["ip", "l2"])
def test_recall_and_scores_against_exact(metric):
    docs, queries = clustered()
    be = make("ngt", metric, {"edge_size_for_creation": 20}, {"epsilon": 0.5}, docs=docs)
    rec, scores, found = recall_of(be, docs, queries, metric)
    assert rec >= 0.97, rec
    np.testing.assert_allclose(scores, found, atol=1e-4)
    low = make("ngt", metric, {"edge_size_for_creation": 2, "edge_size_for_search": 2},
               {"epsilon": -0.5}, docs=docs)
    assert recall_of(low, docs, queries, metric)[0] < rec  # the parameters reach the library


def test_fewer_documents_than_k_size_and_cleanup():
    docs, queries = clustered(n=5, nq=3)
    ids, scores = make("ngt", "ip", docs=docs).search(queries, 10)
    assert (ids[:, 5:] == -1).all() and np.isneginf(scores[:, 5:]).all()
    be = make("ngt", "l2", docs=clustered()[0])
    # the objects (32 float32) and at least one 8-byte edge (id, distance) a document
    assert be.memory().per_doc == be.disk_bytes() / 2000 > 4 * 32 + 8
    assert be.nbytes() == be.disk_bytes()
    path = be.scratch.path
    be.scratch.close()
    assert not os.path.exists(path)


@pytest.mark.parametrize("metric", ["ip", "l2"])
def test_onng_recall_scores_and_edges(metric):
    docs, queries = clustered()
    onng = {"graph": "onng", "edge_size_for_creation": 60, "outdegree": 10, "indegree": 30}
    be = make("ngt", metric, onng, {"epsilon": 0.3}, docs=docs)
    rec, scores, found = recall_of(be, docs, queries, metric)
    assert rec >= 0.95, rec
    np.testing.assert_allclose(scores, found, atol=1e-4)
    # the ONNG replaces the ANNG in the scratch folder
    assert os.listdir(be.scratch.path) == ["onng"]
    anng = make("ngt", metric, {"edge_size_for_creation": 60}, {"epsilon": 0.3}, docs=docs)
    # the optimizer re-shaped the graph: its graph file differs from the ANNG it started from
    assert be.disk_bytes() != anng.disk_bytes()
    low = make("ngt", metric, {**onng, "outdegree": 1, "indegree": 1}, {"epsilon": -0.5},
               docs=docs)
    assert recall_of(low, docs, queries, metric)[0] < rec  # the parameters reach the library
