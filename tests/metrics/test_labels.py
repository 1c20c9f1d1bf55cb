"""Label metrics against hand-computed cases."""

from __future__ import annotations

import numpy as np
import pytest

from harness.metrics.ir import MetricName, parse_metric, qrels_evaluate
from harness.metrics.labels import evaluable, label_evaluate

# corpus: 0:a 1:a 2:b 3:b 4:b 5:c
DOC_LABELS = ["a", "a", "b", "b", "b", "c"]


def _ev(ids, query_labels, metrics):
    return label_evaluate(np.array(ids), DOC_LABELS, query_labels, metrics)


def test_parse_label_metric_names():
    assert parse_metric("label_recall@10") == MetricName("label_recall", 10)
    assert parse_metric("KNN_Accuracy@1").name == "knn_accuracy@1"
    assert parse_metric("knn_accuracy@5").kind == "labels"
    assert parse_metric("ndcg@10").kind == "qrels"
    with pytest.raises(ValueError, match="did you mean 'knn_accuracy'"):
        parse_metric("knn_acuracy@1")
    with pytest.raises(ValueError, match="label metric, not a qrels metric"):
        qrels_evaluate(np.zeros((1, 1), int), np.zeros((1, 1)), ["d"], ["q"], {"q": {"d": 1}},
                       ["knn_accuracy@1"])
    with pytest.raises(ValueError, match="not a label metric"):
        _ev([[0]], ["a"], ["ndcg@10"])


def test_label_recall_by_hand():
    ids = [
        [2, 0, 3, 5],  # query b: b at ranks 1, 3 -> @2: 1/min(2,3); @4: 2/min(4,3)
        [0, 1, 2, 3],  # query a: a at ranks 1, 2 -> @2: 2/2; @4: 2/min(4,2) = 1
        [5, -1, -1, -1],  # query c: one c doc, found first; empty slots are misses
        [4, 3, 2, 0],  # query b: all three b first
    ]
    got = _ev(ids, ["b", "a", "c", "b"], ["label_recall@2", "label_recall@4", "label_recall@1"])
    np.testing.assert_allclose(got["label_recall@2"], [1 / 2, 1.0, 1.0, 1.0])
    np.testing.assert_allclose(got["label_recall@4"], [2 / 3, 1.0, 1.0, 1.0])
    np.testing.assert_allclose(got["label_recall@1"], [1.0, 1.0, 1.0, 1.0])
    # k deeper than what was returned: the denominator still uses k, not the width
    np.testing.assert_allclose(_ev([[2, 0]], ["b"], ["label_recall@10"])["label_recall@10"],
                               [1 / 3])


def test_knn_accuracy_majority_and_ties_by_hand():
    ids = [
        [2, 0, 1, 3],  # b a a b: @1 b; @3 a (2 vs 1); @4 tie a=2, b=2 -> b (ranked first)
        [0, 2, 3, 1],  # a b b a: @3 b; @4 tie -> a (ranked first)
        [5, 2, 0, -1],  # c b a: @3 three-way tie -> c (nearest)
        [-1, -1, -1, -1],  # nothing returned: wrong
    ]
    queries = ["b", "a", "c", "a"]
    got = _ev(ids, queries, ["knn_accuracy@1", "knn_accuracy@3", "knn_accuracy@4"])
    np.testing.assert_array_equal(got["knn_accuracy@1"], [1, 1, 1, 0])
    np.testing.assert_array_equal(got["knn_accuracy@3"], [0, 0, 1, 0])
    np.testing.assert_array_equal(got["knn_accuracy@4"], [1, 1, 1, 0])


def test_evaluable_and_label_coding():
    mask = evaluable(DOC_LABELS, ["a", "z", "c"])
    assert mask.tolist() == [True, False, True]
    with pytest.raises(ValueError, match="not in the corpus"):
        _ev([[0]], ["z"], ["knn_accuracy@1"])
    # labels may be any strings, including numbers written differently from their codes
    got = label_evaluate(np.array([[1, 0]]), ["10", "2"], ["2"], ["knn_accuracy@1"])
    assert got["knn_accuracy@1"].tolist() == [1.0]


def test_one_nn_matches_a_direct_computation():
    rng = np.random.default_rng(0)
    docs, queries = rng.normal(size=(200, 5)), rng.normal(size=(50, 5))
    doc_labels = [str(v) for v in rng.integers(0, 4, 200)]
    query_labels = [str(v) for v in rng.integers(0, 4, 50)]
    d2 = ((queries[:, None, :] - docs[None]) ** 2).sum(-1)
    order = np.argsort(d2, axis=1)[:, :7]
    got = label_evaluate(order, doc_labels, query_labels, ["knn_accuracy@1", "label_recall@7"])
    expect_acc = [doc_labels[order[i, 0]] == query_labels[i] for i in range(50)]
    np.testing.assert_array_equal(got["knn_accuracy@1"], np.array(expect_acc, dtype=float))
    counts = {lab: doc_labels.count(lab) for lab in set(doc_labels)}
    expect_rec = [
        sum(doc_labels[j] == query_labels[i] for j in order[i]) / min(7, counts[query_labels[i]])
        for i in range(50)
    ]
    np.testing.assert_allclose(got["label_recall@7"], expect_rec)
