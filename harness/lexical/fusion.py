"""Fusion of ranked lists (a dense leg and a lexical leg): RRF, convex combination, DBSF.

Pure numpy kernels. Each leg is a run (ids int [n, w], scores [n, w]) with row i the results
of query i, id -1 for an empty slot (its score is ignored), higher scores better. The output
is a run (ids int64 [n, k], scores float64 [n, k]) padded with -1 / -inf when the legs hold
fewer than k distinct documents. Inputs are never mutated. Fusion depth is whatever the legs
hold: the caller searches each leg at depth k (the cell's k).

Conventions shared by all methods, per query:

- Each leg's row is first put in a canonical order, score descending then document index
  ascending, so that rank_leg(d) (1-based) does not depend on a backend's order among ties.
  A document repeated in a leg counts once, at its best rank.
- The fused list is sorted by fused score descending, then document index ascending; the
  cut at k follows that order, so equal fused scores are resolved deterministically.
  (Metrics re-sort rows in trec_eval order, so only the cut at k can change a metric.)
- Scores are computed in float64 and returned as float64, so that fused scores which differ
  only below float32 precision keep the order used for the cut; keep them float64 until
  metrics are computed.

Formulas (s_leg(d): the leg's score of d, over the documents the leg returned):

- RRF (Cormack et al. 2009): F(d) = sum_leg 1 / (rrf_k + rank_leg(d)); a leg that did not
  return d adds 0.
- convex: F(d) = alpha * N_dense(d) + (1 - alpha) * N_lexical(d), with N one of
    minmax: N(d) = (s(d) - min s) / (max s - min s); 1 for every returned document when
            max s == min s. A document the leg did not return gets 0 (the value of the
            leg's lowest returned document).
    zscore: N(d) = (s(d) - mean s) / std s (population std, ddof=0, as ranx's zmuv);
            0 when std s == 0. A document the leg did not return gets the leg's lowest
            normalised value: it scored at most that in the leg, and 0 (the mean) would
            rank it above the leg's below-mean documents.
    A leg with no results (e.g. a query with no known word) adds 0 to every document.
- DBSF (Qdrant's distribution-based score fusion): per leg, with mu and sigma the mean and
  sample standard deviation (ddof=1) of the returned scores, lo = mu - 3 sigma and
  hi = mu + 3 sigma, N(d) = (s(d) - lo) / (hi - lo), not clipped; N = 0.5 when the leg
  returned one document or sigma == 0. F(d) = sum_leg N_leg(d), a leg that did not return d
  adds 0. (Qdrant computes in float32 with Welford's method; this is the same formula in
  float64.)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

Run = tuple[np.ndarray, np.ndarray]

FUSIONS = ("rrf", "convex", "dbsf")
NORMS = ("minmax", "zscore")


@dataclass(frozen=True)
class FusionOptions:
    """Which fusion and its knobs: rrf_k for RRF, alpha (dense weight) and norm for convex."""

    method: str = "rrf"
    rrf_k: float = 60.0
    alpha: float = 0.5
    norm: str = "minmax"

    def __post_init__(self) -> None:
        if self.method not in FUSIONS:
            raise ValueError(f"fusion {self.method!r}: expected one of {', '.join(FUSIONS)}")
        if self.norm not in NORMS:
            raise ValueError(f"fusion norm {self.norm!r}: expected one of {', '.join(NORMS)}")
        if not 0.0 <= self.alpha <= 1.0:
            raise ValueError(f"fusion alpha={self.alpha!r}: expected a value in [0, 1]")
        if not self.rrf_k >= 0:
            raise ValueError(f"fusion rrf_k={self.rrf_k!r}: expected a value >= 0")


def fuse(dense: Run, lexical: Run, k: int, options: FusionOptions | None = None) -> Run:
    """Fuse a dense and a lexical run with `options` (RRF with rrf_k=60 by default)."""
    o = options or FusionOptions()
    if o.method == "rrf":
        return rrf([dense, lexical], k, rrf_k=o.rrf_k)
    if o.method == "convex":
        return convex(dense, lexical, k, alpha=o.alpha, norm=o.norm)
    return dbsf([dense, lexical], k)


def rrf(legs: Sequence[Run], k: int, rrf_k: float = 60.0) -> Run:
    """Reciprocal rank fusion: F(d) = sum over legs of 1 / (rrf_k + rank_leg(d))."""
    prepared = [_canonical(run) for run in legs]
    values = []
    for _ids, _, valid in prepared:
        rank = np.cumsum(valid, axis=1)  # valid slots come first after _canonical
        values.append(np.where(valid, 1.0 / (rrf_k + np.maximum(rank, 1)), 0.0))
    return _combine(prepared, values, [0.0] * len(legs), None, k)


def convex(dense: Run, lexical: Run, k: int, alpha: float = 0.5, norm: str = "minmax") -> Run:
    """Convex combination: F(d) = alpha * N(dense)(d) + (1 - alpha) * N(lexical)(d)."""
    if norm not in NORMS:
        raise ValueError(f"fusion norm {norm!r}: expected one of {', '.join(NORMS)}")
    prepared = [_canonical(dense), _canonical(lexical)]
    values, missing = [], []
    for _, scores, valid in prepared:
        v, m = _minmax(scores, valid) if norm == "minmax" else _zscore(scores, valid)
        values.append(v)
        missing.append(m)
    return _combine(prepared, values, missing, [alpha, 1.0 - alpha], k)


def dbsf(legs: Sequence[Run], k: int) -> Run:
    """Distribution-based score fusion: sum over legs of (s - (mu - 3 sigma)) / (6 sigma)."""
    prepared = [_canonical(run) for run in legs]
    values = [_distr(scores, valid) for _, scores, valid in prepared]
    return _combine(prepared, values, [0.0] * len(legs), None, k)


def _canonical(run: Run) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(ids, scores, valid) with valid slots first, by score desc then id asc; repeats of a
    document in a row become empty slots (its first, best copy stays)."""
    ids = np.asarray(run[0])
    scores = np.asarray(run[1], dtype=np.float64)
    if ids.ndim != 2 or ids.shape != scores.shape:
        raise ValueError(f"a run needs equal 2-D ids and scores, got {ids.shape}, {scores.shape}")
    ids = ids.astype(np.int64)
    valid = ids >= 0
    if not np.isfinite(scores[valid]).all():
        raise ValueError("fusion: NaN or infinite score for a returned document")
    neg = np.where(valid, -scores, 0.0)
    order = np.lexsort((ids, neg, ~valid), axis=1)
    ids = np.take_along_axis(ids, order, axis=1)
    scores = np.take_along_axis(scores, order, axis=1)
    valid = np.take_along_axis(valid, order, axis=1)
    # a repeated document: keep its first slot (the best score), empty the later ones
    by_id = np.argsort(np.where(valid, ids, -1), axis=1, kind="stable")
    sid = np.take_along_axis(ids, by_id, axis=1)
    sval = np.take_along_axis(valid, by_id, axis=1)
    later = np.zeros_like(valid)
    later[:, 1:] = (sid[:, 1:] == sid[:, :-1]) & sval[:, 1:]
    repeat = np.zeros_like(valid)
    np.put_along_axis(repeat, by_id, later, axis=1)
    if repeat.any():
        return _canonical((np.where(repeat, -1, ids), scores))
    return ids, np.where(valid, scores, 0.0), valid


def _row_stats(
    scores: np.ndarray, valid: np.ndarray, ddof: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    count = valid.sum(axis=1)
    mean = np.where(valid, scores, 0.0).sum(axis=1) / np.maximum(count, 1)
    sq = np.where(valid, (scores - mean[:, None]) ** 2, 0.0).sum(axis=1)
    std = np.sqrt(sq / np.maximum(count - ddof, 1))
    return count, mean, std


def _minmax(scores: np.ndarray, valid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    lo = np.where(valid, scores, np.inf).min(axis=1, initial=np.inf)[:, None]
    hi = np.where(valid, scores, -np.inf).max(axis=1, initial=-np.inf)[:, None]
    span = hi - lo
    ok = valid & (span > 0)
    value = np.where(ok, (scores - lo) / np.where(ok, span, 1.0), 1.0)
    return np.where(valid, value, 0.0), np.zeros(len(scores))


def _zscore(scores: np.ndarray, valid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    _, mean, std = _row_stats(scores, valid, ddof=0)
    ok = valid & (std[:, None] > 0)
    value = np.where(ok, (scores - mean[:, None]) / np.where(ok, std[:, None], 1.0), 0.0)
    missing = np.where(valid, value, np.inf).min(axis=1, initial=np.inf)
    return value, np.where(np.isfinite(missing), missing, 0.0)


def _distr(scores: np.ndarray, valid: np.ndarray) -> np.ndarray:
    count, mean, std = _row_stats(scores, valid, ddof=1)
    lo = (mean - 3.0 * std)[:, None]
    hi = (mean + 3.0 * std)[:, None]
    ok = valid & (count[:, None] > 1) & (hi > lo)
    value = np.where(ok, (scores - lo) / np.where(ok, hi - lo, 1.0), 0.5)
    return np.where(valid, value, 0.0)


def _combine(
    prepared: Sequence[tuple[np.ndarray, np.ndarray, np.ndarray]],
    values: Sequence[np.ndarray],
    missing: Sequence[float | np.ndarray],
    weights: Sequence[float] | None,
    k: int,
) -> Run:
    """Sum each document's per-leg values (a leg's `missing` value when it did not return
    the document), optionally weighted, and keep the k best per row."""
    if k < 1:
        raise ValueError(f"fusion: k={k}, expected k >= 1")
    n = prepared[0][0].shape[0]
    if any(p[0].shape[0] != n for p in prepared):
        raise ValueError("fusion: the legs have different numbers of queries")
    span = max((int(p[0].max(initial=-1)) for p in prepared), default=-1) + 1
    rows = np.arange(n, dtype=np.int64)[:, None]
    keys = [(rows * span + ids)[valid] for ids, _, valid in prepared]
    uniq, inverse = np.unique(np.concatenate(keys), return_inverse=True)
    u_row, u_doc = uniq // max(span, 1), uniq % max(span, 1)
    total = np.zeros(len(uniq), dtype=np.float64)
    start = 0
    for j, (_ids, _, valid) in enumerate(prepared):
        leg = np.asarray(missing[j], dtype=np.float64)
        v = np.broadcast_to(leg, (n,))[u_row].copy()
        where = inverse[start : start + len(keys[j])]
        v[where] = values[j][valid]
        start += len(keys[j])
        total += v if weights is None else weights[j] * v
    order = np.lexsort((u_doc, -total, u_row))
    u_row, u_doc, total = u_row[order], u_doc[order], total[order]
    first = np.searchsorted(u_row, np.arange(n))
    pos = np.arange(len(u_row)) - first[u_row]
    keep = pos < k
    out_ids = np.full((n, k), -1, dtype=np.int64)
    out_scores = np.full((n, k), -np.inf, dtype=np.float64)
    out_ids[u_row[keep], pos[keep]] = u_doc[keep]
    out_scores[u_row[keep], pos[keep]] = total[keep]
    return out_ids, out_scores
