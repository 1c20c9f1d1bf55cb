"""`in` filtering (faiss selector, hnswlib filter callable) against the `pre` ground truth."""

from __future__ import annotations

import numpy as np
import pytest

from harness.backends.base import IndexInput
from harness.backends.filter_search import in_search, post_search, pre_search
from harness.backends.screened_topk import top_order as _top_order
from harness.registry import BACKENDS


@pytest.mark.parametrize("name,search", [("exact", {}), ("faiss-hnsw", {"efSearch": 256}),
                                         ("hnswlib", {"ef": 256}), ("faiss-ivf", {"nprobe": 32})])
def test_in_filter_recall_at_10pct_selectivity(name, search):
    rng = np.random.default_rng(7)
    docs = rng.normal(size=(5000, 16)).astype(np.float32)
    q = rng.normal(size=(50, 16)).astype(np.float32)
    allowed = rng.random(5000) < 0.1
    build = {"nlist": 32} if name == "faiss-ivf" else {}
    be = BACKENDS.get(name).load()("l2", build)
    be.build(IndexInput(docs, "l2", "float32"))
    be.prepare(search)
    ids, scores = in_search(be.index, "l2", q, allowed, 10)
    truth, t_scores = pre_search(q, docs, "l2", allowed, 10)
    assert allowed[ids[ids >= 0]].all()
    recall = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(ids, truth, strict=True)])
    assert recall >= (1.0 if name == "exact" else 0.95)
    if name == "exact":  # same scores as numpy's float64 exact search
        np.testing.assert_allclose(scores, t_scores, rtol=1e-4, atol=1e-3)
    post, _ = post_search(be.search, q, allowed, 10, oversample=1)
    assert (post >= 0).sum() < (ids >= 0).sum()  # post-filter falls short at k x 1


def test_pre_top_order_equals_a_stable_full_sort_with_ties():
    rng = np.random.default_rng(3)
    s = rng.integers(0, 4, size=(50, 40)).astype(np.float64)  # many ties at every cut
    for kk in (1, 5, 39, 40):
        want = np.argsort(-s, axis=1, kind="stable")[:, :kk]
        assert np.array_equal(_top_order(s, kk), want)
