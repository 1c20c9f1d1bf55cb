"""voyager on small clustered data: recall against exact search, exact-scale scores,
parameters reaching the library, empty slots and its serialized size."""

from __future__ import annotations

import numpy as np
import pytest
from test_backends import clustered, make
from test_faiss_rabitq_nsg import recall_of

pytest.importorskip("voyager")


@pytest.mark.parametrize("metric", ["ip", "l2"])
def test_recall_and_scores_against_exact(metric):
    docs, queries = clustered()
    be = make("voyager", metric, {"M": 16}, {"query_ef": 128}, docs=docs)
    rec, scores, found = recall_of(be, docs, queries, metric)
    assert rec >= 0.97, rec
    np.testing.assert_allclose(scores, found, atol=1e-4)
    low = make("voyager", metric, {"M": 4, "ef_construction": 8}, {"query_ef": 1}, docs=docs)
    assert recall_of(low, docs, queries, metric)[0] < rec  # the parameters reach the library


def test_fewer_documents_than_k_and_size():
    docs, queries = clustered(n=5, nq=3)
    ids, scores = make("voyager", "ip", docs=docs).search(queries, 10)
    assert (ids[:, 5:] == -1).all() and np.isneginf(scores[:, 5:]).all()
    be = make("voyager", "ip", docs=clustered()[0])
    # the serialized element (vector, links, label) and hnswlib's in-memory extras
    assert be.memory().per_doc == be.nbytes() / 2000 + 8 + 40 + 2 + 44
    assert be.nbytes() / 2000 > 4 * 32 and be.memory().fixed == 65536 * 40
