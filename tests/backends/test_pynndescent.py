"""pynndescent on small clustered data (cosine only: numba compiles each metric, ~90 s):
recall against exact search, exact-scale scores, epsilon reaching the library, size."""

from __future__ import annotations

import numpy as np
import pytest
from test_backends import clustered, make
from test_faiss_rabitq_nsg import recall_of

pytest.importorskip("pynndescent")


def test_recall_scores_epsilon_and_size():
    docs, queries = clustered()
    be = make("pynndescent", "ip", {}, {"epsilon": 0.6}, docs=docs)
    rec, scores, found = recall_of(be, docs, queries, "ip")
    assert rec >= 0.96, rec  # 0.965 measured; it saturates at epsilon 0.3 here
    np.testing.assert_allclose(scores, found, atol=1e-4)
    low = make("pynndescent", "ip", {"n_neighbors": 2}, {"epsilon": 0.0}, docs=docs)
    assert recall_of(low, docs, queries, "ip")[0] < rec  # the parameters reach the library
    assert be.memory().per_doc == be.nbytes() / 2000 > 4 * 32  # the vector and its links
