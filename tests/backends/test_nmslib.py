"""nmslib (HNSW and SW-graph) on small clustered data: recall against exact search,
exact-scale scores (its l2 distance is squared in hnsw, not in sw-graph), the parameters
reaching the library, empty slots and its saved size."""

from __future__ import annotations

import numpy as np
import pytest
from test_backends import clustered, make
from test_faiss_rabitq_nsg import recall_of

pytest.importorskip("nmslib")


@pytest.mark.parametrize("method", ["hnsw", "sw-graph"])
@pytest.mark.parametrize("metric", ["ip", "l2"])
def test_recall_and_scores_against_exact(metric, method):
    docs, queries = clustered()
    be = make("nmslib", metric, {"method": method}, {"efSearch": 128}, docs=docs)
    rec, scores, found = recall_of(be, docs, queries, metric)
    assert rec >= 0.97, rec
    np.testing.assert_allclose(scores, found, atol=1e-4)
    low = make("nmslib", metric, {"method": method, "M": 2, "NN": 1, "efConstruction": 2},
               {"efSearch": 1}, docs=docs)
    assert recall_of(low, docs, queries, metric)[0] < rec  # the parameters reach the library


def test_fewer_documents_than_k_and_size():
    docs, queries = clustered(n=5, nq=3)
    ids, scores = make("nmslib", "ip", docs=docs).search(queries, 10)
    assert (ids[:, 5:] == -1).all() and np.isneginf(scores[:, 5:]).all()
    be = make("nmslib", "ip", docs=clustered()[0])
    # memory is what the build left allocated: more than the saved files (data + graph)
    assert be.memory().per_doc > be.nbytes() / 2000 > 4 * 32
