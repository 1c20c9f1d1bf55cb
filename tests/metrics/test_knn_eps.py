"""knn_recall_eps@k (ann-benchmarks' definition) on hand-built near-ties, against the
tie-aware knn_recall@k and a loop written here the way ann-benchmarks writes it."""

from __future__ import annotations

import numpy as np
import pytest

from harness.metrics.knn import knn_recall, true_scores_of
from harness.metrics.knn_eps import distance_of, knn_recall_eps

# one query at the origin; documents on the x axis at euclidean distances 1, 2, 3, 3.0005, 3.1
DOCS = np.array([[1.0, 0], [2.0, 0], [3.0, 0], [3.0005, 0], [3.1, 0]])
QUERY = np.zeros((1, 2))
TRUE_IDS = np.array([[0, 1, 2]])


def scores(ids):
    return true_scores_of(np.asarray(ids), QUERY, DOCS, "l2")


def test_near_tie_counts_for_eps_recall_only():
    # returned 0, 1 and 3: doc 3 is 0.0005 farther than the 3rd true neighbour (3.0)
    found = np.array([[0, 1, 3]])
    t, f = scores(TRUE_IDS), scores(found)
    assert knn_recall_eps(found, t, f, 3, "l2")[0] == pytest.approx(3 / 3)
    assert knn_recall(found, TRUE_IDS, t, f, 3)[0] == pytest.approx(2 / 3)
    # doc 4 (3.1) is 0.1 beyond: a miss for both definitions
    far = np.array([[0, 1, 4]])
    assert knn_recall_eps(far, t, scores(far), 3, "l2")[0] == pytest.approx(2 / 3)
    assert knn_recall(far, TRUE_IDS, t, scores(far), 3)[0] == pytest.approx(2 / 3)


def test_empty_slots_and_repeats_count_nothing():
    found = np.array([[0, 0, -1]])
    assert knn_recall_eps(found, scores(TRUE_IDS), scores(found), 3, "l2")[0] == 1 / 3


def test_distance_units_follow_ann_benchmarks():
    s = np.array([0.8, -9.0, -4.0])
    assert distance_of(s[:1], "cosine")[0] == pytest.approx(0.2)  # angular: 1 - cos
    assert distance_of(s[1:2], "l2")[0] == pytest.approx(3.0)  # euclidean, not squared
    assert distance_of(s[2:], "hamming")[0] == 4.0  # differing bits


def ann_benchmarks_recall(true_dist, run_dist, k, eps=1e-3):
    """ann-benchmarks plotting/metrics.py get_recall_values, per query."""
    out = []
    for td, rd in zip(true_dist, run_dist, strict=True):
        t = td[k - 1] + eps
        out.append(sum(1 for d in rd[:k] if d <= t) / k)
    return np.array(out)


def test_matches_the_ann_benchmarks_loop_on_dense_clusters():
    rng = np.random.default_rng(3)
    docs = rng.normal(size=(400, 8)) * 0.002 + rng.integers(0, 4, size=(400, 1))  # tight piles
    queries = docs[rng.choice(400, 30)] + 0.001
    d2 = ((queries[:, None] - docs[None]) ** 2).sum(-1)
    true_ids = np.argsort(d2, axis=1)[:, :10]
    found = np.stack([rng.permutation(row)[:10] for row in np.argsort(d2, axis=1)[:, :40]])
    t = true_scores_of(true_ids, queries, docs, "l2")
    f = true_scores_of(found, queries, docs, "l2")
    expected = ann_benchmarks_recall(np.sqrt(-t), np.sqrt(-f), 10)
    np.testing.assert_allclose(knn_recall_eps(found, t, f, 10, "l2"), expected)
    assert expected.mean() > knn_recall(found, true_ids, t, f, 10).mean()  # near-ties differ
