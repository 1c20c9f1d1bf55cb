"""ann-benchmarks' and VIBE's recall: a returned neighbour counts if its distance is within
epsilon = 1e-3 of the k-th true distance (ann-benchmarks `plotting/metrics.py`, `knn`).

It is computed on distances, not on the harness's scores (higher is better), so scores are
turned back into the distance ann-benchmarks uses for the metric: 'cosine' -> 1 - cos
(angular), 'ip' -> -<q, x>, 'l2' -> the euclidean (not squared) distance, 'hamming' -> the
number of differing bits. The tolerance is absolute, so on dense clusters (many documents
within 1e-3 of the k-th neighbour) it counts near-misses that the tie-aware knn_recall@k
(metrics/knn.py, relative 1e-6) does not: the two differ exactly on such near-ties. As in the
harness's recall, empty slots (-1) and repeated ids count nothing.
"""

from __future__ import annotations

import numpy as np

#: ann-benchmarks' default epsilon (`get_recall_values(..., epsilon=1e-3)`)
EPSILON = 1e-3


def distance_of(scores: np.ndarray, metric: str) -> np.ndarray:
    """The ann-benchmarks distance of harness scores (higher is better), float64."""
    s = np.asarray(scores, dtype=np.float64)
    if metric == "cosine":
        return 1.0 - s
    if metric == "l2":
        return np.sqrt(np.maximum(-s, 0.0))
    return -s  # 'ip' (VIBE's negative dot product) and 'hamming' (minus the differing bits)


def knn_recall_eps(found_ids: np.ndarray, true_scores: np.ndarray,
                   found_true_scores: np.ndarray, k: int, metric: str,
                   epsilon: float = EPSILON) -> np.ndarray:
    """Per-query share of the first k returned ids whose exact distance is <= the k-th true
    distance + epsilon (true_scores: the exact top scores; found_true_scores: the exact
    score of each returned id, -inf for -1)."""
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    found = np.asarray(found_ids)[:, :k]
    dist = distance_of(np.asarray(found_true_scores)[:, :k], metric)
    kth = distance_of(np.asarray(true_scores)[:, k - 1], metric)
    first = np.ones(found.shape, dtype=bool)
    for j in range(1, found.shape[1]):  # a repeated id counts once (k is small)
        first[:, j] = ~(found[:, :j] == found[:, j : j + 1]).any(axis=1)
    ok = (found >= 0) & first & np.isfinite(dist) & (dist <= kth[:, None] + epsilon)
    return ok.sum(axis=1) / float(k)
