"""Recall of an approximate index against exact kNN, tie-aware.

Convention everywhere in this module: a score is a similarity, HIGHER IS BETTER. Inner product
and cosine are used as is; for l2 the score is the negative squared euclidean distance.

Why tie-aware: when several documents share the k-th best exact score (duplicates in the corpus,
quantised vectors, integer embeddings), exact search keeps an arbitrary subset of them. An index
that returns a different, equally good document is not wrong, and counting it as a miss would
make recall depend on tie order rather than on index quality.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

KNN_METRICS = ("ip", "cosine", "l2", "hamming")

#: Bits set in each byte value, for Hamming distances of packed uint8 codes.
POPCOUNT = np.array([bin(i).count("1") for i in range(256)], dtype=np.int64)


def gather_scores(
    ids: np.ndarray,
    queries: np.ndarray,
    docs: np.ndarray,
    metric: str,
    *,
    dtype: type = np.float64,
    block: int = 4_000_000,
    decode: Callable[[np.ndarray], np.ndarray] | None = None,
) -> np.ndarray:
    """Similarity (higher is better) of docs[ids[i, j]] to queries[i]; -inf where ids is -1.

    "l2" gives minus the squared euclidean distance, "hamming" (packed uint8 bits) minus the
    number of differing bits, anything else the dot product. Float vectors are compared in
    `dtype` (float64 for knn_recall; float32, the vectors' own type, for rescoring) and the
    result has that type. Candidates are gathered per chunk of queries, so the (chunk, ids per
    row, dim) block stays near `block` entries and the corpus is never copied; `decode` turns a
    gathered block of codes into float vectors first (int8 rescoring). Inputs are not mutated.
    """
    ids = np.asarray(ids)
    safe = np.where(ids < 0, 0, ids)
    n, c = ids.shape
    out = np.empty((n, c), dtype=dtype)
    step = max(1, block // max(1, c * docs.shape[1]))
    for lo in range(0, n, step):
        cand = docs[safe[lo : lo + step]]
        q = queries[lo : lo + step]
        if metric == "hamming":
            out[lo : lo + step] = -POPCOUNT[np.bitwise_xor(cand, q[:, None])].sum(axis=2)
            continue
        if decode is not None:
            cand = decode(cand)
        cand, q = cand.astype(dtype, copy=False), q.astype(dtype, copy=False)
        if metric == "l2":
            diff = cand - q[:, None, :]
            out[lo : lo + step] = -np.einsum("ncd,ncd->nc", diff, diff)
        else:
            out[lo : lo + step] = np.einsum("ncd,nd->nc", cand, q)
    return np.where(ids < 0, -np.inf, out).astype(dtype, copy=False)


def true_scores_of(
    ids: np.ndarray, queries: np.ndarray, docs: np.ndarray, metric: str
) -> np.ndarray:
    """Exact similarity (higher is better) of each returned doc to its query; -1 -> -inf.

    ids: (n_queries, k) indices into docs. metric "ip" and "cosine" give the dot product (cosine
    assumes already normalised vectors, as the harness stores them); "l2" gives minus the
    squared euclidean distance so that the order matches the other metrics; "hamming" (packed
    uint8 bits, binary precision) gives minus the number of differing bits. Computed in float64
    per chunk of queries (the corpus is not copied); float32 exact-search scores may differ in
    the last bits, which knn_recall's rel_eps absorbs.
    """
    if metric not in KNN_METRICS:
        raise ValueError(f"unknown kNN metric {metric!r}: expected one of {', '.join(KNN_METRICS)}")
    return gather_scores(ids, np.asarray(queries), np.asarray(docs), metric)


def knn_recall(
    found_ids: np.ndarray,
    true_ids: np.ndarray,
    true_scores: np.ndarray,
    found_true_scores: np.ndarray,
    k: int,
    rel_eps: float = 1e-6,
) -> np.ndarray:
    """Per-query recall@k of found_ids against the exact neighbours, counting ties as correct.

    A returned id (first k columns of found_ids; -1 ignored; a repeated id counted once) is
    correct if it is in true_ids[:, :k], or if its exact score (found_true_scores, same shape as
    found_ids, higher is better) is >= the k-th exact score minus rel_eps * max(1, |kth|): any
    document as good as the k-th neighbour is a valid k-th neighbour. The count is divided by k.
    """
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    found = np.asarray(found_ids)[:, :k]
    fscores = np.asarray(found_true_scores, dtype=np.float64)[:, :k]
    true = np.asarray(true_ids)[:, :k]
    tscores = np.asarray(true_scores, dtype=np.float64)
    if tscores.shape[1] < k:
        raise ValueError(f"need at least k={k} exact scores per query, got {tscores.shape[1]}")
    kth = tscores[:, k - 1]
    threshold = kth - rel_eps * np.maximum(1.0, np.abs(kth))

    valid = found >= 0
    # a repeated id counts once: keep only its first occurrence in the row
    order = np.argsort(found, axis=1, kind="stable")
    s = np.take_along_axis(found, order, axis=1)
    repeat_sorted = np.zeros(found.shape, dtype=bool)
    repeat_sorted[:, 1:] = s[:, 1:] == s[:, :-1]
    repeat = np.zeros_like(repeat_sorted)
    np.put_along_axis(repeat, order, repeat_sorted, axis=1)

    # membership of each found id in its own row of true ids, via one flat isin on (row, id) keys
    span = int(max(found.max(initial=0), true.max(initial=0))) + 2
    rows = np.arange(found.shape[0], dtype=np.int64)[:, None] * span
    in_true = np.isin(found.astype(np.int64) + rows, true.astype(np.int64) + rows)
    good_enough = fscores >= threshold[:, None]
    correct = valid & ~repeat & (in_true | good_enough)
    return correct.sum(axis=1) / float(k)
