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


@pytest.mark.parametrize("graph", ["anng", "onng"])
@pytest.mark.parametrize("metric", ["ip", "l2"])
def test_batch_search_answers_as_search_does_per_query(graph, metric):
    """A batch goes through batch_search with the epsilon prepare() set on the index, one
    query through search(epsilon=...): the same ids and scores bit for bit, at every
    epsilon (a changed epsilon reaches batch_search)."""
    docs, queries = clustered()
    build = {"edge_size_for_creation": 20} if graph == "anng" else {
        "graph": "onng", "edge_size_for_creation": 60, "outdegree": 10, "indegree": 30}
    be = make("ngt", metric, build, {"epsilon": 0.1}, docs=docs)
    answers = []
    for eps in (-0.5, 0.1, 0.5):
        be.prepare({"epsilon": eps})
        ids, scores = be.search(queries, 10)
        for i in range(len(queries)):
            one_ids, one_scores = be.search(queries[i:i + 1], 10)
            np.testing.assert_array_equal(one_ids, ids[i:i + 1])
            np.testing.assert_array_equal(one_scores, scores[i:i + 1])
        answers.append(ids)
    assert not np.array_equal(answers[0], answers[2])


def test_batch_pads_queries_that_got_fewer_than_k():
    docs, queries = clustered(n=5, nq=4)
    be = make("ngt", "l2", docs=docs)
    ids, scores = be.search(queries, 10)  # a batch: 5 documents, k = 10
    assert ids.shape == (4, 10) and (ids[:, 5:] == -1).all() and (ids[:, :5] >= 0).all()
    assert np.isneginf(scores[:, 5:]).all()
    found = be._index  # a ragged batch_search result, padded per query by its offsets
    fake = _Ragged([[3, 1], [2], [4, 0, 1]], [[0.5, 0.7], [0.2], [0.1, 0.3, 0.9]])
    be._results = lambda: fake
    be._index = _Batch(found)
    ids, scores = be.search(queries[:3], 3)
    np.testing.assert_array_equal(ids, [[3, 1, -1], [2, -1, -1], [4, 0, 1]])
    np.testing.assert_allclose(scores[0, :2], [-0.25, -0.49], rtol=1e-6)
    assert np.isneginf(scores[1, 1:]).all()


class _Ragged:
    """ngtpy.BatchResults' flat form: indexed ids and distances, with each query's start."""

    def __init__(self, ids, dist):
        self.ids, self.dist = ids, dist

    def get_indexed_ids(self):
        return [i for row in self.ids for i in row]

    def get_indexed_distances(self):
        return [d for row in self.dist for d in row]

    def get_index(self):
        return list(np.cumsum([0] + [len(r) for r in self.ids[:-1]]))


class _Batch:
    def __init__(self, index):
        self.index = index

    def batch_search(self, q, found, k):
        return None
