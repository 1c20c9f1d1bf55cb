"""Tie-aware kNN recall and exact scores (higher is better everywhere)."""

from __future__ import annotations

import numpy as np
import pytest

from harness.metrics.knn import knn_recall, true_scores_of


def test_exact_match_and_misses():
    true_ids = np.array([[0, 1, 2], [3, 4, 5]])
    true_scores = np.array([[0.9, 0.8, 0.7], [0.9, 0.8, 0.7]])
    found = np.array([[2, 1, 0], [3, 9, 8]])
    # row 1: 9 and 8 score below the k-th (0.7) -> 1 of 3 correct
    found_true = np.array([[0.7, 0.8, 0.9], [0.9, 0.5, 0.1]])
    r = knn_recall(found, true_ids, true_scores, found_true, k=3)
    np.testing.assert_allclose(r, [1.0, 1 / 3])


def test_ties_at_kth_position_count():
    # docs 2, 7, 8 all share the k-th exact score 0.5; exact search kept doc 2.
    true_ids = np.array([[0, 1, 2]])
    true_scores = np.array([[0.9, 0.6, 0.5]])
    found = np.array([[0, 1, 7]])  # returned 7 instead of 2: equally good -> correct
    r = knn_recall(found, true_ids, true_scores, np.array([[0.9, 0.6, 0.5]]), k=3)
    assert r[0] == 1.0
    found = np.array([[0, 8, 7]])  # 8 and 7 both tie the 3rd score: 3/3 though 1 is absent
    r = knn_recall(found, true_ids, true_scores, np.array([[0.9, 0.5, 0.5]]), k=3)
    assert r[0] == 1.0
    # within rel_eps: 0.5 - 1e-6 * max(1, 0.5) = 0.499999 is the threshold
    r = knn_recall(found, true_ids, true_scores, np.array([[0.9, 0.4999995, 0.4999]]), k=3)
    assert r[0] == pytest.approx(2 / 3)
    # large scores: eps is relative, 1000 - 1e-6 * 1000 = 999.999
    big = knn_recall(
        np.array([[5]]), np.array([[4]]), np.array([[1000.0]]), np.array([[999.9995]]), k=1
    )
    assert big[0] == 1.0


def test_duplicates_and_empty_slots():
    true_ids = np.array([[0, 1, 2, 3]])
    true_scores = np.array([[4.0, 3.0, 2.0, 1.0]])
    found = np.array([[0, 0, -1, 1, 2]])  # duplicate 0 counts once, -1 ignored, col 5 beyond k
    found_true = true_scores_of(found, np.ones((1, 1)), np.array([[4.0], [3.0], [2.0]]), "ip")
    assert found_true[0, 2] == -np.inf
    r = knn_recall(found, true_ids, true_scores, found_true, k=4)
    assert r[0] == pytest.approx(2 / 4)  # 0 and 1 within the first 4 columns; 2 is in column 5


def test_true_scores_sign_conventions():
    q = np.array([[1.0, 0.0]])
    docs = np.array([[1.0, 0.0], [0.0, 2.0], [3.0, 4.0]])
    ids = np.array([[0, 1, 2, -1]])
    ip = true_scores_of(ids, q, docs, "ip")
    np.testing.assert_allclose(ip, [[1.0, 0.0, 3.0, -np.inf]])
    np.testing.assert_allclose(true_scores_of(ids, q, docs, "cosine"), ip)
    l2 = true_scores_of(ids, q, docs, "l2")
    # -(squared distance): doc0 0, doc1 1+4=5, doc2 4+16=20 -> nearest has the highest score
    np.testing.assert_allclose(l2, [[0.0, -5.0, -20.0, -np.inf]])
    assert np.argmax(l2[0]) == 0
    with pytest.raises(ValueError, match="expected one of"):
        true_scores_of(ids, q, docs, "dot")


def test_l2_recall_uses_higher_is_better():
    rng = np.random.default_rng(0)
    docs = rng.normal(size=(50, 8))
    q = rng.normal(size=(3, 8))
    all_ids = np.tile(np.arange(50), (3, 1))
    exact = true_scores_of(all_ids, q, docs, "l2")
    true_ids = np.argsort(-exact, axis=1)[:, :5]
    true_scores = np.take_along_axis(exact, true_ids, axis=1)
    worst = np.argsort(-exact, axis=1)[:, -5:]  # the five farthest docs
    r_good = knn_recall(true_ids, true_ids, true_scores, true_scores, k=5)
    r_bad = knn_recall(worst, true_ids, true_scores, true_scores_of(worst, q, docs, "l2"), k=5)
    np.testing.assert_array_equal(r_good, 1.0)
    np.testing.assert_array_equal(r_bad, 0.0)
