"""Exact filtered top-k in float64, found through a float32 screen.

The `pre` strategy's answer (and the filtered ground truth) is defined in float64: each
query's k best passing documents by float64 score, ties broken by the lower document index.
Computing every float64 score and selecting among them cost more than faiss's own bitmap scan
at half the corpus passing (bench/filter_overhead.py: 0.853); the selection, not the
product, took most of it. So the float32 product screens and float64 decides:

1. t32 = fl32(q . x) (ip) or fl32(q . x - |x|^2 / 2) (l2, the same order as the l2 score);
2. every float32 value lies within `margin` of its exact value (a rounding-error bound,
   below), so every document of the float64 top-k (ties at the cut included) has
   t32 >= kth32 - 2 * margin, where kth32 is the k-th best t32;
3. faiss's float32 top-(2k + 16) of each query holds all of them when its k-th and last
   values lie more than 2 * margin apart; a query where they do not falls back to every
   float32 value cut below the k-th best of a column sample (no higher than kth32). The
   candidates alone get float64 scores (the direct path's formula) and a stable sort by
   (score, index).

Bound: a float32 dot product of length d in any summation order is within gamma_d |q||x| of
the exact one (gamma_d = d u / (1 - d u), u = 2^-24); |x|^2 / 2 and the subtraction add
gamma_d M^2 / 2 and u |t|. margin = 2 (d + 4) u (|q| M + M^2), M = max |x|, covers them with a
factor of two to spare. Vectors are float32 (the prepared cell's), so float64 holds them
exactly.
"""

from __future__ import annotations

import numpy as np

U32 = 2.0 ** -24
#: Below this many passing documents the direct float64 path is as fast.
DIRECT_BELOW = 4096
#: Columns sampled for the screening threshold (each query keeps about k * n / SAMPLE).
SAMPLE = 2048
#: Query block so that one block's score matrix stays near 64 MB of float32.
BLOCK_ENTRIES = 1 << 24


def direct_topk(queries: np.ndarray, sub: np.ndarray, metric: str, kk: int
                ) -> tuple[np.ndarray, np.ndarray]:
    """(columns, float64 scores) of each query's kk best rows of sub: every score computed."""
    s = _scores64(queries.astype(np.float64), sub.astype(np.float64), metric)
    order = top_order(s, kk)
    return order, np.take_along_axis(s, order, axis=1)


def screened_topk(queries: np.ndarray, sub: np.ndarray, metric: str, kk: int
                  ) -> tuple[np.ndarray, np.ndarray]:
    """What direct_topk returns, with float64 scores only for the float32 screen's
    candidates. sub: float32 rows (the passing documents)."""
    if len(sub) < DIRECT_BELOW or kk * 16 > len(sub):
        return direct_topk(queries, sub, metric, kk)
    sub = np.ascontiguousarray(sub, dtype=np.float32)
    q32 = np.ascontiguousarray(queries, dtype=np.float32)
    sq = np.einsum("ij,ij->i", sub, sub, dtype=np.float64)
    big = float(np.sqrt(sq.max()))
    qn = np.sqrt(np.einsum("ij,ij->i", q32, q32, dtype=np.float64))
    cols, vals, done = _faiss_screen(q32, sub, metric, kk, _margin(metric, qn, big, sub.shape[1]))
    rest = np.flatnonzero(~done)
    if len(rest):  # near-ties beyond the heap's reach: every score of the sample screen
        cols[rest], vals[rest] = _sampled(q32[rest], sub, metric, kk, qn[rest], big, sq)
    return cols, vals


def _margin(metric: str, qn: np.ndarray, big: float, d: int) -> np.ndarray:
    """Per query, a bound on |float32 value - exact value| of every document's screen value:
    faiss's inner product (<= gamma_d |q| M), or its squared distance |q|^2 + |x|^2 - 2 q.x
    (<= (gamma_d + 2u) (|q| + M)^2); twice the bound, with d + 4 for gamma_d's d."""
    scale = qn * big if metric == "ip" else (qn + big) ** 2
    return 2.0 * (d + 4) * U32 * scale


def _faiss_screen(q32: np.ndarray, sub: np.ndarray, metric: str, kk: int, margin: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """faiss's float32 top-(2kk + 16) (BLAS and a heap), rescored in float64. `done` marks the
    queries whose kk-th and last float32 values are more than 2 margins apart: no document
    outside the heap can then be in the float64 top-kk, ties included."""
    import faiss

    wide = min(len(sub), 2 * kk + 16)
    kind = faiss.METRIC_INNER_PRODUCT if metric == "ip" else faiss.METRIC_L2
    d32, cand = faiss.knn(q32, sub, wide, metric=kind)
    gap = d32[:, kk - 1] - d32[:, -1] if metric == "ip" else d32[:, -1] - d32[:, kk - 1]
    done = (wide == len(sub)) | (gap.astype(np.float64) > 2.0 * margin)
    r = np.repeat(np.arange(len(q32)), wide)
    c = cand.reshape(-1)
    cols, vals = _best(r, c, _pair_scores64(q32, sub, r, c, metric), len(q32), kk)
    return cols, vals, done


def _sampled(q32: np.ndarray, sub: np.ndarray, metric: str, kk: int, qn: np.ndarray,
             big: float, sq: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The fallback screen: every float32 value, cut below the k-th best of a column sample."""
    half = (0.5 * sq).astype(np.float32)
    margin = 2.0 * (sub.shape[1] + 4) * U32 * (qn * big + big * big)
    cols = np.empty((len(q32), kk), dtype=np.int64)
    vals = np.empty((len(q32), kk), dtype=np.float64)
    step = max(1, BLOCK_ENTRIES // len(sub))
    for a in range(0, len(q32), step):
        b = slice(a, a + step)
        cols[b], vals[b] = _block(q32[b], sub, half if metric == "l2" else None,
                                  margin[b], kk, metric)
    return cols, vals


def _best(r: np.ndarray, c: np.ndarray, s: np.ndarray, n: int, kk: int
          ) -> tuple[np.ndarray, np.ndarray]:
    """Each query's kk best (column, score) pairs: by score descending, then column."""
    order = np.lexsort((c, -s, r))
    r, c, s = r[order], c[order], s[order]
    take = np.searchsorted(r, np.arange(n))[:, None] + np.arange(kk)[None, :]
    return c[take], s[take]


def _block(q32: np.ndarray, sub: np.ndarray, half: np.ndarray | None, margin: np.ndarray,
           kk: int, metric: str) -> tuple[np.ndarray, np.ndarray]:
    t = q32 @ sub.T
    if half is not None:
        t -= half
    stride = max(1, len(sub) // max(SAMPLE, 8 * kk))
    sample = t[:, ::stride]
    cut = -np.partition(-sample, kk - 1, axis=1)[:, kk - 1]  # <= each row's kth32
    r, c = np.nonzero(t >= (cut - 2.0 * margin).astype(np.float32)[:, None])
    return _best(r, c, _pair_scores64(q32, sub, r, c, metric), len(q32), kk)


def _scores64(q: np.ndarray, x: np.ndarray, metric: str) -> np.ndarray:
    s = q @ x.T
    if metric == "l2":
        s = 2 * s - (x * x).sum(1)[None, :] - (q * q).sum(1)[:, None]
    return s


def _pair_scores64(q32: np.ndarray, sub: np.ndarray, r: np.ndarray, c: np.ndarray,
                   metric: str) -> np.ndarray:
    """_scores64 for the (query r, row c) pairs only."""
    q, x = q32.astype(np.float64)[r], sub[c].astype(np.float64)
    s = (q * x).sum(1)
    if metric == "l2":
        s = 2 * s - (x * x).sum(1) - (q * q).sum(1)
    return s


def top_order(s: np.ndarray, kk: int) -> np.ndarray:
    """Each row's kk best columns by score, then by column index: what a stable sort of -s
    gives, from the columns scoring at least the kk-th best (every tie at the cut kept)."""
    if kk >= s.shape[1]:
        return np.argsort(-s, axis=1, kind="stable")[:, :kk]
    kth = -np.partition(-s, kk - 1, axis=1)[:, kk - 1]
    out = np.empty((len(s), kk), dtype=np.int64)
    for i in range(len(s)):
        cand = np.flatnonzero(s[i] >= kth[i])  # increasing column order
        out[i] = cand[np.argsort(-s[i, cand], kind="stable")[:kk]]
    return out
