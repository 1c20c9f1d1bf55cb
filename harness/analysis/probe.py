"""Data probing after Iceberg: meta-features of a vector set and the method recommendation.

All features are computed on a seeded sample so they stay cheap on large corpora:

- dbi_euclidean / dbi_cosine: Davies-Bouldin index of the label clusters (lower = better
  separated) on the vectors as they are, and on L2-normalised vectors (angular geometry).
- norm_cv: coefficient of variation of the vector norms (std / mean).
- relative_contrast: mean over queries of mean-distance / nearest-distance (He et al. 2012);
  close to 1 means neighbours are barely nearer than anything else (hard for graphs).
- relative_angle: mean angle in degrees between a query and its k nearest neighbours
  (Euclidean). This is the harness's operational definition of Iceberg's RA: large angles
  mean the neighbourhood is not a tight cone around the query.
- lid: local intrinsic dimensionality, MLE estimator (Levina-Bickel) over k neighbours.
- hubness: skewness of the k-occurrence distribution (Radovanovic et al. 2010).

- ip_cosine_overlap: mean share of a query's k cosine neighbours that inner product also
  returns; low means the vector lengths reshape the neighbourhoods, even when their CV is small
  (averaged word vectors: norm CV 0.04, but all directions within a narrow cone).

The decision tree is Iceberg's, extended with a cosine branch (see README):

- distance: *cosine* if DBI_cosine < DBI_euclidean and the lengths matter (norm CV > 0.1 or
  ip_cosine_overlap < 0.5): the labels follow the direction better than the raw geometry, and
  the length, which inner product and Euclidean both rank by, is noise for the task.
  Otherwise the published branches: inner product if DBI_euclidean >= DBI_cosine and norm CV
  <= 0.1, else Euclidean. Without labels: inner product if norm CV <= 0.1, else Euclidean.
  The published tree never chooses cosine, so on unnormalised vectors whose direction carries
  the labels it picks a distance that ranks by length (measured: GloVe on bbc-news, label
  recall 0.60 with inner product vs 0.79 with cosine).
- index family: partition-based if RA >= 60 degrees or RC < 1.5, else graph-based.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np

from harness.datasets.base import Dataset

# how the CLI and the report name a recommended distance
DISTANCE_NAMES = {"cosine": "cosine", "ip": "inner product", "l2": "Euclidean"}


def _unit(x: np.ndarray) -> np.ndarray:
    n = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.where(n > 0, n, 1.0)


def davies_bouldin(x: np.ndarray, labels: Sequence, geometry: str = "euclidean") -> float:
    """Davies-Bouldin index of label clusters.

    `geometry='cosine'` measures the same index on L2-normalised vectors (chordal distance,
    monotone in the angle), so both values share a scale and can be compared directly.
    """
    x = np.asarray(x, dtype=np.float64)
    labels = np.asarray(labels)
    classes = np.unique(labels)
    if len(classes) < 2:
        raise ValueError("the Davies-Bouldin index needs at least two label clusters")
    if geometry == "cosine":
        x = _unit(x)
    elif geometry != "euclidean":
        raise ValueError(f"unknown geometry '{geometry}' (expected euclidean or cosine)")
    cents = np.stack([x[labels == c].mean(axis=0) for c in classes])
    scatter = np.array([np.mean(np.linalg.norm(x[labels == c] - cents[i], axis=1))
                        for i, c in enumerate(classes)])
    sep = np.linalg.norm(cents[:, None, :] - cents[None, :, :], axis=2)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = (scatter[:, None] + scatter[None, :]) / sep
    np.fill_diagonal(ratio, -np.inf)
    ratio = np.where(np.isnan(ratio), np.inf, ratio)
    return float(np.mean(np.max(ratio, axis=1)))


def norm_cv(x: np.ndarray) -> float:
    norms = np.linalg.norm(np.asarray(x, dtype=np.float64), axis=1)
    mean = norms.mean()
    return float(norms.std() / mean) if mean > 0 else float("nan")


def _sq_dists(q: np.ndarray, x: np.ndarray) -> np.ndarray:
    d = (q * q).sum(1)[:, None] - 2.0 * q @ x.T + (x * x).sum(1)[None, :]
    return np.maximum(d, 0.0)


def relative_contrast(queries: np.ndarray, docs: np.ndarray) -> float:
    """mean_q( mean distance to docs / nearest distance ), Euclidean; exact-duplicate
    neighbours (distance 0) are ignored for the nearest distance."""
    d = np.sqrt(_sq_dists(np.asarray(queries, np.float64), np.asarray(docs, np.float64)))
    masked = np.where(d > 1e-12, d, np.inf)
    nearest = masked.min(axis=1)
    ok = np.isfinite(nearest)
    return float(np.mean(d[ok].mean(axis=1) / nearest[ok]))


def _knn(queries: np.ndarray, docs: np.ndarray, k: int, exclude_self: bool) -> np.ndarray:
    d = _sq_dists(queries, docs)
    if exclude_self:
        np.fill_diagonal(d, np.inf)
    idx = np.argpartition(d, k - 1, axis=1)[:, :k]
    order = np.take_along_axis(d, idx, axis=1).argsort(axis=1)
    return np.take_along_axis(idx, order, axis=1)


def relative_angle(queries: np.ndarray, docs: np.ndarray, k: int = 10) -> float:
    """Mean angle (degrees) between each query and its k Euclidean nearest neighbours."""
    q, x = np.asarray(queries, np.float64), np.asarray(docs, np.float64)
    nn = _knn(q, x, min(k, len(x)), exclude_self=False)
    cos = np.einsum("qd,qkd->qk", _unit(q), _unit(x)[nn])
    return float(np.degrees(np.arccos(np.clip(cos, -1.0, 1.0))).mean())


def lid_mle(queries: np.ndarray, docs: np.ndarray, k: int = 20) -> float:
    """Mean MLE local intrinsic dimensionality: -1 / mean(log(d_i / d_k)), i < k."""
    d = np.sqrt(_sq_dists(np.asarray(queries, np.float64), np.asarray(docs, np.float64)))
    d = np.where(d > 1e-12, d, np.inf)  # ignore the query itself / duplicates
    d.sort(axis=1)
    dk = d[:, k - 1 : k]
    logs = np.log(d[:, : k - 1] / dk)
    m = logs.mean(axis=1)
    ok = np.isfinite(m) & (m < 0)
    return float(np.mean(-1.0 / m[ok]))


def ip_cosine_overlap(queries: np.ndarray, docs: np.ndarray, k: int = 10) -> float:
    """Mean share of each query's k cosine neighbours that inner product also returns."""
    q, x = np.asarray(queries, np.float64), np.asarray(docs, np.float64)
    k = min(k, len(x))
    ip = q @ x.T
    norms = np.linalg.norm(x, axis=1)
    cos = ip / np.where(norms > 0, norms, 1.0)[None, :]  # the query's norm ranks nothing
    top_ip = np.argpartition(-ip, k - 1, axis=1)[:, :k]
    top_cos = np.argpartition(-cos, k - 1, axis=1)[:, :k]
    return float(np.mean([len(np.intersect1d(a, b)) / k
                          for a, b in zip(top_ip, top_cos, strict=True)]))


def hubness(x: np.ndarray, k: int = 10) -> float:
    """Skewness of how often each point occurs among the others' k nearest neighbours."""
    x = np.asarray(x, np.float64)
    nn = _knn(x, x, min(k, len(x) - 1), exclude_self=True)
    counts = np.bincount(nn.ravel(), minlength=len(x)).astype(np.float64)
    mu, sd = counts.mean(), counts.std()
    return float(np.mean(((counts - mu) / sd) ** 3)) if sd > 0 else 0.0


@dataclass(frozen=True)
class MetaFeatures:
    n_docs: int
    n_queries: int
    dim: int
    dbi_euclidean: float | None
    dbi_cosine: float | None
    norm_cv: float
    relative_contrast: float
    relative_angle: float
    lid: float
    hubness: float
    ip_cosine_overlap: float | None = None  # None: a probe stored before the feature existed

    def as_dict(self) -> dict[str, float | int | None]:
        return asdict(self)


@dataclass(frozen=True)
class Recommendation:
    metric: str  # "cosine", "ip" or "l2"
    index_family: str  # "graph" or "partition"
    metric_reason: str
    index_reason: str


def probe(
    docs: np.ndarray,
    queries: np.ndarray,
    labels: Sequence | None,
    *,
    sample: int = 2000,
    k: int = 10,
    seed: int = 0,
) -> MetaFeatures:
    """Meta-features of a corpus (and its queries) on a seeded sample."""
    rng = np.random.default_rng(seed)
    di = np.sort(rng.choice(len(docs), size=min(sample, len(docs)), replace=False))
    qi = np.sort(rng.choice(len(queries), size=min(sample // 4 or 1, len(queries)), replace=False))
    # sample first, then float64: a copy of the sample, never of the corpus
    xs = np.asarray(docs[di], np.float64)
    qs = np.asarray(queries[qi], np.float64)
    dbi_e = dbi_c = None
    if labels is not None:
        lab = np.asarray(labels)[di]
        if len(np.unique(lab)) >= 2:
            dbi_e = davies_bouldin(xs, lab, "euclidean")
            dbi_c = davies_bouldin(xs, lab, "cosine")
    kk = max(2, min(k, len(xs) - 1))
    return MetaFeatures(
        n_docs=len(docs),
        n_queries=len(queries),
        dim=docs.shape[1],
        dbi_euclidean=dbi_e,
        dbi_cosine=dbi_c,
        norm_cv=norm_cv(xs),
        relative_contrast=relative_contrast(qs, xs),
        relative_angle=relative_angle(qs, xs, kk),
        lid=lid_mle(qs, xs, max(3, min(20, len(xs) - 1))),
        hubness=hubness(xs, kk),
        ip_cosine_overlap=ip_cosine_overlap(qs, xs, kk),
    )


def _at_least(a: float, b: float) -> bool:
    """a >= b up to float noise (on unit vectors both DBIs are equal in exact arithmetic)."""
    return a >= b - 1e-9 * max(1.0, abs(b))


def recommend(f: MetaFeatures) -> Recommendation:
    """The decision tree (Iceberg's, with the cosine branch), with the reason for each branch."""
    metric, m_reason = _distance(f)
    family, i_reason = _family(f)
    return Recommendation(metric, family, m_reason, i_reason)


def _lengths_matter(f: MetaFeatures) -> list[str]:
    """Why the vector lengths change the ranking (empty: they do not)."""
    why = [f"norm CV {f.norm_cv:.3f} > 0.1"] if f.norm_cv > 0.1 else []
    if f.ip_cosine_overlap is not None and f.ip_cosine_overlap < 0.5:
        why.append(f"ip/cosine top-k overlap {f.ip_cosine_overlap:.2f} < 0.5")
    return why


def _distance(f: MetaFeatures) -> tuple[str, str]:
    if f.dbi_euclidean is None or f.dbi_cosine is None:
        metric = "ip" if f.norm_cv <= 0.1 else "l2"
        return metric, (
            f"no labels for DBI; norm CV {f.norm_cv:.3f} {'<=' if metric == 'ip' else '>'} 0.1"
        )
    dbi = f"DBI_euclidean {f.dbi_euclidean:.3f}"
    lengths = _lengths_matter(f)
    if not _at_least(f.dbi_cosine, f.dbi_euclidean) and lengths:
        return "cosine", f"DBI_cosine {f.dbi_cosine:.3f} < {dbi} and " + " or ".join(lengths)
    if _at_least(f.dbi_euclidean, f.dbi_cosine) and f.norm_cv <= 0.1:
        return "ip", (f"{dbi} >= DBI_cosine {f.dbi_cosine:.3f} "
                      f"and norm CV {f.norm_cv:.3f} <= 0.1")
    why = []
    if not _at_least(f.dbi_euclidean, f.dbi_cosine):
        why.append(f"{dbi} < DBI_cosine {f.dbi_cosine:.3f}")
    if f.norm_cv > 0.1:
        why.append(f"norm CV {f.norm_cv:.3f} > 0.1")
    return "l2", " and ".join(why)


def _family(f: MetaFeatures) -> tuple[str, str]:
    if f.relative_angle >= 60 or f.relative_contrast < 1.5:
        why = []
        if f.relative_angle >= 60:
            why.append(f"relative angle {f.relative_angle:.1f} deg >= 60")
        if f.relative_contrast < 1.5:
            why.append(f"relative contrast {f.relative_contrast:.3f} < 1.5")
        return "partition", " or ".join(why)
    return "graph", (f"relative angle {f.relative_angle:.1f} deg < 60 and relative contrast "
                     f"{f.relative_contrast:.3f} >= 1.5")


def probe_inputs(ds: Dataset, docs: np.ndarray) -> tuple[np.ndarray, Sequence | None]:
    """The documents and labels the probe measures DBI on, the same for `harness probe` and
    the run's recommendation: the dataset's labels, else qrels-derived clusters (a document
    takes the id of the first query judging it relevant; unjudged documents are left out)."""
    if ds.doc_labels is not None or ds.qrels is None:
        return docs, ds.doc_labels
    first: dict[str, str] = {}
    for q in ds.query_ids:
        for d, r in ds.qrels.get(q, {}).items():
            if r > 0:
                first.setdefault(d, q)
    keep = np.array([d in first for d in ds.doc_ids])
    if keep.sum() < 4:
        return docs, None
    return docs[keep], tuple(first[d] for d, k in zip(ds.doc_ids, keep, strict=True) if k)
