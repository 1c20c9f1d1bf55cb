import math

import numpy as np
import pytest

from harness.metrics.tails import TAIL_COLUMNS, robustness, tail_columns, worst_mean
from harness.store.row import better


def test_robustness_counts_queries_reaching_delta():
    v = np.array([1.0, 0.9, 0.5, 0.49, 0.0])
    assert robustness(v, 0.5) == pytest.approx(3 / 5)
    assert robustness(v, 0.9) == pytest.approx(2 / 5)
    assert robustness(v, 1.0) == pytest.approx(1 / 5)
    assert math.isnan(robustness(np.array([]), 0.5))


def test_worst_decile_mean_is_the_lowest_tenth():
    v = np.arange(20, dtype=float) / 20  # worst 2 of 20: 0.0 and 0.05
    assert worst_mean(v) == pytest.approx(0.025)
    assert worst_mean(np.array([0.7, 0.2, 0.9])) == pytest.approx(0.2)  # ceil(0.3) = 1


def test_two_configs_same_mean_different_tail():
    even = np.full(10, 0.5)
    split = np.array([1.0] * 5 + [0.0] * 5)
    assert even.mean() == split.mean()
    a = tail_columns({"ndcg@10": even}, "ndcg@10", 10)
    b = tail_columns({"ndcg@10": split}, "ndcg@10", 10)
    assert a["task_worst10"] == 0.5 and b["task_worst10"] == 0.0
    assert a["task_robust50"] == 1.0 and b["task_robust50"] == 0.5
    assert a["task_robust100"] == 0.0 and b["task_robust100"] == 0.5


def test_tail_columns_match_numpy_and_hand_values():
    rng = np.random.default_rng(3)
    task = rng.random(37)
    knn = np.array([1.0, 0.9, 0.8, 1.0])
    got = tail_columns({"recall@10": task, "knn_recall@10": knn}, "recall@10", 100)
    assert set(got) == set(TAIL_COLUMNS)
    assert got["task_p10"] == pytest.approx(np.percentile(task, 10))
    assert got["task_p25"] == pytest.approx(np.percentile(task, 25))
    assert got["task_median"] == pytest.approx(np.median(task))
    assert got["task_worst10"] == pytest.approx(np.sort(task)[:4].mean())  # ceil(3.7) = 4
    assert got["knn_robust90"] == pytest.approx(3 / 4)
    assert got["knn_robust100"] == pytest.approx(2 / 4)
    assert all(better(c) == 1 for c in TAIL_COLUMNS)


def test_missing_arrays_give_nan_and_small_k_reads_knn_at_k():
    got = tail_columns({"knn_recall@5": np.array([1.0, 0.0])}, "ndcg@10", 5)
    assert math.isnan(got["task_p10"]) and math.isnan(got["task_worst10"])
    assert got["knn_robust100"] == 0.5
