"""The ann-benchmarks recall columns of a result row, `knn_recall_eps@k` (metrics/knn_eps.py),
written beside the tie-aware `knn_recall@k` at the same k."""

from __future__ import annotations

import numpy as np

from harness.metrics.knn_eps import knn_recall_eps


def eps_recall_columns(ids: np.ndarray, true_scores: np.ndarray, found_true: np.ndarray,
                       ks: list[int], metric: str) -> dict[str, np.ndarray]:
    """Per-query knn_recall_eps@k for each k (the row holds their means)."""
    return {f"knn_recall_eps@{kk}": knn_recall_eps(ids, true_scores, found_true, kk, metric)
            for kk in ks}
