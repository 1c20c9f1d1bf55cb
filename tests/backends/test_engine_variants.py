"""Each #27 library index variant (DiskANN memory and SSD, NGT ANNG and ONNG) on a small
built index against exact search written in numpy: recall@10 at a generous setting, the
scores on the backend's scale, and a size."""

from __future__ import annotations

import numpy as np
import pytest
from test_backends import clustered, make

VARIANTS = [
    # backend, build, search (generous), module
    ("diskann", {"graph_degree": 32}, {"complexity": 128}, "diskannpy"),
    ("diskann-disk", {"graph_degree": 32, "pq_bytes": 16}, {"complexity": 128,
                                                             "beam_width": 4}, "diskannpy"),
    ("ngt", {"edge_size_for_creation": 20}, {"epsilon": 0.5}, "ngtpy"),
    ("ngt", {"graph": "onng", "edge_size_for_creation": 60, "indegree": 30},
     {"epsilon": 0.5}, "ngtpy"),
]


def numpy_truth(docs, queries, metric, k=10):
    """Top-k ids and scores by brute force (higher is better: dot, or -squared l2)."""
    if metric == "ip":
        scores = queries @ docs.T
    else:
        scores = -((queries[:, None, :] - docs[None, :, :]) ** 2).sum(-1)
    ids = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    return ids, np.take_along_axis(scores, ids, axis=1)


@pytest.mark.parametrize("metric", ["ip", "l2"])
@pytest.mark.parametrize(("name", "build", "search", "module"), VARIANTS,
                         ids=["diskann", "diskann-disk", "ngt-anng", "ngt-onng"])
def test_variant_against_numpy(name, build, search, module, metric):
    pytest.importorskip(module)
    docs, queries = clustered()
    be = make(name, metric, build, search, docs=docs)
    ids, scores = be.search(queries, 10)
    t_ids, t_scores = numpy_truth(docs, queries, metric)
    recall = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(ids, t_ids, strict=True)])
    assert recall >= 0.9, recall
    # the first neighbour's score is the exact one wherever the first id is right
    hit = ids[:, 0] == t_ids[:, 0]
    assert hit.mean() >= 0.9
    np.testing.assert_allclose(scores[hit, 0], t_scores[hit, 0], atol=1e-4)
    assert be.nbytes() > 0 and be.memory().per_doc > 0
