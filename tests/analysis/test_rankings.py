"""Pareto frontiers, budgets, rankings and Kendall's tau on hand-made tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from harness.analysis.frontier import Budget, best_under, pareto_mask
from harness.analysis.rankings import kendall_tau, rankings


def table() -> pd.DataFrame:
    return pd.DataFrame({
        "cell_id": ["a", "b", "c", "d"], "setting": [0, 0, 0, 1], "status": ["ok"] * 4,
        "dataset": ["d"] * 4, "model": ["m"] * 4, "dim": [8] * 4, "precision": ["float32"] * 4,
        "metric": ["cosine"] * 4, "backend": ["exact", "hnsw", "ivf", "ivf"],
        "build_params": ["{}"] * 4, "search_params": ["{}", "{}", "{\"n\": 1}", "{\"n\": 4}"],
        "ndcg@10": [0.80, 0.78, 0.82, 0.70], "knn_recall@10": [1.0, 0.9, 0.5, 0.7],
        "qps": [100.0, 1000.0, 500.0, 400.0], "latency_p99_ms": [10.0, 1.0, 2.0, 3.0],
        "bytes_per_doc": [32.0, 32.0, 8.0, 8.0],
    })


def test_pareto_quality_vs_qps():
    # a (0.80, 100) is beaten by c (0.82, 500); d (0.70, 400) by c; b and c are the frontier
    assert pareto_mask(table(), ["ndcg@10", "qps"]).tolist() == [False, True, True, False]
    assert pareto_mask(table(), ["ndcg@10"], ["bytes_per_doc"]).tolist() == [
        False, False, True, False]


def test_budgets():
    got = best_under(table(), "ndcg@10", Budget(max_p99_ms=2.5))
    assert got["cell_id"].tolist() == ["c", "b"]
    assert best_under(table(), "ndcg@10", Budget(max_bytes_per_doc=4)).empty
    assert best_under(table(), "ndcg@10", Budget(max_bytes_per_doc=8)).cell_id.tolist() == [
        "c", "d"]
    got = best_under(table(), "ndcg@10", Budget(max_bytes_per_doc=32, min_qps=450))
    assert got["cell_id"].tolist() == ["c", "b"]


def test_kendall_tau_and_inversions():
    assert kendall_tau([1, 2, 3], [1, 2, 3]) == pytest.approx(1.0)
    assert kendall_tau([1, 2, 3], [3, 2, 1]) == pytest.approx(-1.0)
    (r,) = rankings(table(), "ndcg@10")
    # higher recall but lower ndcg than c (recall 0.5, ndcg 0.82): a, b and d; nothing else
    assert sorted(r.inversions["higher_recall"].str.split().str[0]) == ["exact", "hnsw", "ivf"]
    assert set(r.inversions["lower_recall"]) == {'ivf {} {"n": 1}'}
    assert r.inversions["task_gap"].round(2).tolist() == [0.02, 0.04, 0.12]
    # with per-query arrays, an inversion inside the noise is dropped
    rng = np.random.default_rng(0)
    noisy = {k: rng.random(50) for k in "abcd"}
    (r2,) = rankings(table(), "ndcg@10", perquery=lambda row: noisy[row["cell_id"]])
    assert len(r2.inversions) <= len(r.inversions)


def test_rankings_at_matched_speed():
    from harness.analysis.rankings import rankings_at_speed

    t = table()
    # ANN builds: hnsw (max qps 1000) and ivf (500, 400); floor 500: hnsw keeps recall 0.9 /
    # ndcg 0.78, ivf only its nprobe=1 setting (0.5 / 0.82): the winners disagree
    (row,) = rankings_at_speed(t, "ndcg@10").to_dict("records")
    assert row["builds"] == 2 and row["speed_floor_qps"] == 500.0
    assert row["best_by_recall"].startswith("hnsw") and row["best_by_task"].startswith("ivf")
    assert not row["same_winner"] and row["kendall_tau"] == pytest.approx(-1.0)
