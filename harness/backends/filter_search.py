"""Filtered search strategies over a built index: arrays (a boolean mask of allowed docs) in.

- `pre`: exact search over the passing documents only (float64 scores, ties broken by the
  lower document index, found through a float32 screen: screened_topk.py); it is also the
  filtered ground truth.
- `in`: the library's own filtering during search: faiss `SearchParameters(sel=
  IDSelectorBitmap)` for flat, HNSW and IVF indexes (keeping the index's efSearch / nprobe),
  hnswlib's `filter` callable. Only these index types can; others are skipped at plan time.
- `post`: search k * oversample with the index unchanged, drop failing documents, keep k.

Every strategy returns (ids int64 with -1 for empty slots, scores float32, higher is better)
of shape (n_queries, k); fewer than k passing results leave -1 slots (the shortfall metric).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from harness.backends._faiss import to_scores
from harness.backends.screened_topk import screened_topk

STRATEGIES = ("pre", "in", "post", "partition")  # partition: backends/partitioned.py
#: Backends whose library filters inside the search (the `in` strategy).
IN_FILTER_BACKENDS = frozenset({"exact", "faiss-hnsw", "faiss-ivf", "hnswlib"})

SearchFn = Callable[[np.ndarray, int], tuple[np.ndarray, np.ndarray]]


def pre_search(queries: np.ndarray, docs: np.ndarray, metric: str, allowed: np.ndarray,
               k: int) -> tuple[np.ndarray, np.ndarray]:
    """Exact top-k of each query among docs[allowed] (allowed: a bool mask), by float64
    score, ties to the lower index (screened_topk.py: a float32 screen finds the candidates)."""
    rows = np.flatnonzero(allowed)
    ids = np.full((len(queries), k), -1, dtype=np.int64)
    scores = np.full((len(queries), k), -np.inf, dtype=np.float32)
    if len(rows) == 0:
        return ids, scores
    sub = docs if len(rows) == len(docs) else docs[rows]
    kk = min(k, len(rows))
    order, vals = screened_topk(queries, sub, metric, kk)
    ids[:, :kk] = rows[order]
    scores[:, :kk] = vals
    return ids, scores


def in_search(index: Any, metric: str, queries: np.ndarray, allowed: np.ndarray, k: int
              ) -> tuple[np.ndarray, np.ndarray]:
    """The library's own filtered search on `index` (a faiss index or an hnswlib.Index)."""
    import faiss

    if isinstance(index, faiss.Index):
        return _faiss_in(faiss, index, metric, queries, allowed, k)
    return _hnswlib_in(index, metric, queries, allowed, k)


def faiss_params(faiss: Any, index: Any, allowed: np.ndarray) -> tuple[Any, np.ndarray]:
    """The SearchParameters carrying a bitmap selector, and the bitmap (keep it alive)."""
    bits = np.packbits(allowed, bitorder="little")
    sel = faiss.IDSelectorBitmap(len(allowed), faiss.swig_ptr(bits))
    if isinstance(index, faiss.IndexHNSW):
        return faiss.SearchParametersHNSW(sel=sel, efSearch=index.hnsw.efSearch), bits
    if isinstance(index, faiss.IndexIVF):
        return faiss.SearchParametersIVF(sel=sel, nprobe=index.nprobe), bits
    if isinstance(index, faiss.IndexFlat):
        return faiss.SearchParameters(sel=sel), bits
    raise ValueError(f"faiss {type(index).__name__} has no in-search filter in the harness")


def _faiss_in(faiss: Any, index: Any, metric: str, queries: np.ndarray, allowed: np.ndarray,
              k: int) -> tuple[np.ndarray, np.ndarray]:
    params, _bits = faiss_params(faiss, index, allowed)
    dist, ids = index.search(np.ascontiguousarray(queries, dtype=np.float32), k, params=params)
    return ids.astype(np.int64), to_scores(dist, metric).astype(np.float32)


def _hnswlib_in(index: Any, metric: str, queries: np.ndarray, allowed: np.ndarray, k: int
                ) -> tuple[np.ndarray, np.ndarray]:
    ids = np.full((len(queries), k), -1, dtype=np.int64)
    scores = np.full((len(queries), k), -np.inf, dtype=np.float32)
    kk = min(k, int(allowed.sum()))
    if kk == 0:
        return ids, scores
    passes = allowed.__getitem__  # hnswlib calls filter(label) -> bool for each candidate
    x = np.ascontiguousarray(queries, dtype=np.float32)
    try:
        labels, dist = index.knn_query(x, k=kk, filter=passes, num_threads=1)
        found = [(labels[i], dist[i]) for i in range(len(x))]
    except RuntimeError:  # some query found fewer than kk: hnswlib refuses a ragged batch
        found = [_hnswlib_one(index, x[i:i + 1], kk, passes) for i in range(len(x))]
    for i, (lab, d) in enumerate(found):
        ids[i, :len(lab)] = lab
        scores[i, :len(lab)] = 1.0 - d if metric == "ip" else -d
    return ids, scores


def _hnswlib_one(index: Any, q: np.ndarray, k: int, passes: Callable[[int], bool]
                 ) -> tuple[np.ndarray, np.ndarray]:
    """One query's results, asking for fewer until hnswlib can return them (its shortfall)."""
    while k > 0:
        try:
            labels, dist = index.knn_query(q, k=k, filter=passes, num_threads=1)
            return labels[0], dist[0]
        except RuntimeError:
            k //= 2
    return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32)


def post_search(search: SearchFn, queries: np.ndarray, allowed: np.ndarray, k: int,
                oversample: int) -> tuple[np.ndarray, np.ndarray]:
    """Search k * oversample unfiltered, keep the first k passing results of each query."""
    got_ids, got_scores = search(queries, k * oversample)
    ok = (got_ids >= 0) & allowed[np.maximum(got_ids, 0)]
    ids = np.full((len(queries), k), -1, dtype=np.int64)
    scores = np.full((len(queries), k), -np.inf, dtype=np.float32)
    for i in range(len(queries)):
        keep = np.flatnonzero(ok[i])[:k]
        ids[i, :len(keep)] = got_ids[i, keep]
        scores[i, :len(keep)] = got_scores[i, keep]
    return ids, scores
