"""Per-query difficulty and query/corpus shift: small numpy kernels over nearest-neighbour
distances (the analysis groups queries by them; README "Query difficulty and shift").

Distances are those of the searched vectors, on a scale where they are a true distance:

- l2: the Euclidean distance (faiss returns it squared);
- ip and cosine (cosine is ip on unit vectors): the Euclidean distance after the MIPS-to-NN
  reduction of Bachrach et al. (2014): each document gets one extra coordinate
  sqrt(M^2 - |x|^2) (M the largest document norm), the query 0, so
  d(q, x)^2 = |q|^2 + M^2 - 2 q.x ranks exactly as the inner product does (on unit vectors
  M = 1 and d^2 = 2 - 2 cos, the chord);
- hamming (binary precision): the number of differing bits.

With d_1 <= ... <= d_2k a query's nearest distances (self-hits dropped):

- relative contrast (He, Kumar & Chang 2012, per query at k as in Aumüller & Ceccarello 2021
  and VIBE 2025): RC = mean distance to the corpus / d_k; the mean over a seeded sample of
  documents. Low RC is hard (the k-th neighbour is hardly nearer than a random document).
- local intrinsic dimensionality, the MLE of Levina & Bickel (2004) in the form of Amsaleg et
  al. (2015): LID = -( (1/k) sum_i ln(d_i / d_k) )^-1 over the k nearest (zero distances, i.e.
  duplicates, left out). High LID is hard.
- expansion (Aumüller & Ceccarello 2021): d_2k / d_k. Near 1 is hard (twice as many
  neighbours at almost the same distance).
- shift: d_1(q) / the median of d_1(x) over a seeded sample of documents x asked as queries
  (their nearest other document): how far a query lies from the corpus, in units of the
  corpus's own spacing (about 1 in distribution, well above 1 for out-of-distribution
  queries; cf. the out-of-distribution query sets of VIBE 2025).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SAMPLE = 1000  # documents sampled (seeded) for the mean distance and the corpus spacing


@dataclass(frozen=True)
class QueryDifficulty:
    """Every query's statistics (dataset order, like a PerQuery's all_query_ids)."""

    query_ids: np.ndarray
    rc: np.ndarray
    lid: np.ndarray
    expansion: np.ndarray
    shift: np.ndarray
    k: int  # the neighbours RC and LID use (expansion reads 2k)
    doc_spacing: float  # median nearest-other-document distance of the sampled documents

    def columns(self) -> dict[str, np.ndarray]:
        return {"query_id": self.query_ids, "rc": self.rc, "lid": self.lid,
                "expansion": self.expansion, "shift": self.shift}


def distances(scores: np.ndarray, metric: str, q_sq: np.ndarray, m_sq: float) -> np.ndarray:
    """Exact search's scores (higher is better) -> distances as defined above.

    q_sq: the queries' squared norms (ip only); m_sq: the largest squared document norm."""
    s = np.asarray(scores, dtype=np.float64)
    if metric == "hamming":
        return -s
    if metric == "l2":
        return np.sqrt(np.maximum(-s, 0.0))
    return np.sqrt(np.maximum(np.asarray(q_sq)[:, None] + m_sq - 2.0 * s, 0.0))


def pairwise(queries: np.ndarray, docs: np.ndarray, metric: str, m_sq: float) -> np.ndarray:
    """[n_queries, n_docs] distances, as defined above (hamming: packed uint8 bits)."""
    if metric == "hamming":
        qb = np.unpackbits(queries, axis=1).astype(np.float64)
        db = np.unpackbits(docs, axis=1).astype(np.float64)
        return qb.sum(1)[:, None] + db.sum(1)[None, :] - 2.0 * qb @ db.T
    q = np.asarray(queries, dtype=np.float64)
    d = np.asarray(docs, dtype=np.float64)
    dot = q @ d.T
    q_sq = np.sum(q * q, axis=1)[:, None]
    other = np.sum(d * d, axis=1)[None, :] if metric == "l2" else m_sq
    return np.sqrt(np.maximum(q_sq + other - 2.0 * dot, 0.0))


def lid_mle(dist: np.ndarray) -> np.ndarray:
    """LID per row of [n, k] ascending distances; NaN with fewer than two positive ones,
    inf when the positive ones are all equal."""
    d = np.asarray(dist, dtype=np.float64)
    out = np.full(len(d), np.nan)
    for i, row in enumerate(d):
        pos = row[row > 0]
        if len(pos) < 2:
            continue
        total = np.sum(np.log(pos / pos[-1]))
        out[i] = np.inf if total == 0 else -len(pos) / total
    return out


def relative_contrast(mean_dist: np.ndarray, dist: np.ndarray, k: int) -> np.ndarray:
    """mean distance to the corpus / distance to the k-th nearest (NaN when that is 0)."""
    dk = np.asarray(dist, dtype=np.float64)[:, k - 1]
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(dk > 0, np.asarray(mean_dist, dtype=np.float64) / dk, np.nan)


def expansion(dist: np.ndarray, k: int) -> np.ndarray:
    """d_2k / d_k per row (NaN when d_k is 0 or fewer than 2k distances)."""
    d = np.asarray(dist, dtype=np.float64)
    if d.shape[1] < 2 * k:
        return np.full(len(d), np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(d[:, k - 1] > 0, d[:, 2 * k - 1] / d[:, k - 1], np.nan)


def shift_scores(query_nn: np.ndarray, doc_nn: np.ndarray) -> tuple[np.ndarray, float]:
    """(each query's nearest distance / the median nearest-other-document distance, that
    median)."""
    spacing = float(np.median(doc_nn)) if len(doc_nn) else float("nan")
    q = np.asarray(query_nn, dtype=np.float64)
    return (q / spacing if spacing > 0 else np.full(len(q), np.nan)), spacing


def equal_groups(values: np.ndarray, groups: int) -> np.ndarray:
    """Group 0..groups-1 of each value by rank (ascending, ties in order), in equal parts as
    np.array_split cuts them; -1 for NaN."""
    v = np.asarray(values, dtype=np.float64)
    out = np.full(len(v), -1, dtype=np.int64)
    finite = np.flatnonzero(~np.isnan(v))
    order = finite[np.argsort(v[finite], kind="stable")]
    for g, part in enumerate(np.array_split(order, groups)):
        out[part] = g
    return out
