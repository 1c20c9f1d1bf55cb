"""Meta-features on constructed data with known values, and every decision-tree branch."""

from __future__ import annotations

import numpy as np
import pytest

from harness.analysis.probe import (
    MetaFeatures,
    davies_bouldin,
    hubness,
    ip_cosine_overlap,
    lid_mle,
    norm_cv,
    probe,
    recommend,
    relative_angle,
    relative_contrast,
)


def test_dbi_euclidean_matches_sklearn_and_hand_value():
    sklearn_metrics = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(0)
    x = rng.normal(size=(300, 5)) + np.repeat(np.eye(5)[:3] * 4, 100, axis=0)
    labels = np.repeat([0, 1, 2], 100)
    assert davies_bouldin(x, labels) == pytest.approx(
        sklearn_metrics.davies_bouldin_score(x, labels), rel=1e-9
    )
    # two clusters {0, 2} and {10, 12} on a line: scatter 1 each, centroids 10 apart
    pts = np.array([[0.0], [2.0], [10.0], [12.0]])
    assert davies_bouldin(pts, [0, 0, 1, 1]) == pytest.approx((1 + 1) / 10)


def test_dbi_cosine_ignores_norms():
    # clusters along two directions; scaling vectors changes Euclidean DBI, not cosine DBI
    rng = np.random.default_rng(1)
    a = np.array([1.0, 0.1]) + rng.normal(scale=0.05, size=(50, 2))
    b = np.array([0.1, 1.0]) + rng.normal(scale=0.05, size=(50, 2))
    x = np.vstack([a, b])
    labels = np.repeat([0, 1], 50)
    scaled = x * rng.uniform(0.5, 5.0, size=(100, 1))
    assert davies_bouldin(scaled, labels, "cosine") == pytest.approx(
        davies_bouldin(x, labels, "cosine"), rel=1e-9
    )
    assert davies_bouldin(scaled, labels) > 2 * davies_bouldin(x, labels)


def test_norm_cv_known_value():
    x = np.array([[3.0, 4.0], [6.0, 8.0]])  # norms 5 and 10: mean 7.5, std 2.5
    assert norm_cv(x) == pytest.approx(2.5 / 7.5)
    assert norm_cv(np.eye(4)) == pytest.approx(0.0)


def test_relative_contrast_known_value():
    docs = np.array([[1.0, 0.0], [3.0, 0.0], [5.0, 0.0]])
    q = np.array([[0.0, 0.0]])  # distances 1, 3, 5: mean 3, nearest 1
    assert relative_contrast(q, docs) == pytest.approx(3.0)


def test_relative_angle_known_value():
    docs = np.array([[1.0, 0.0], [0.0, 1.0], [10.0, 10.0]])
    q = np.array([[1.0, 1.0]])  # 2 nearest: (1,0) and (0,1), both at 45 degrees
    assert relative_angle(q, docs, k=2) == pytest.approx(45.0)


def test_lid_of_uniform_cube_tracks_dimension():
    rng = np.random.default_rng(2)
    low = lid_mle(rng.random((100, 2)), rng.random((4000, 2)), k=20)
    high = lid_mle(rng.random((100, 8)), rng.random((4000, 8)), k=20)
    assert 1.5 < low < 2.6 and 6 < high < 10


def test_hubness_grows_with_dimension():
    rng = np.random.default_rng(3)
    h_low = hubness(rng.normal(size=(1000, 3)), k=10)
    h_high = hubness(rng.normal(size=(1000, 200)), k=10)
    assert h_high > h_low + 0.5


def feats(**kw) -> MetaFeatures:
    base = dict(
        n_docs=10,
        n_queries=5,
        dim=4,
        dbi_euclidean=1.0,
        dbi_cosine=1.0,
        norm_cv=0.05,
        relative_contrast=2.0,
        relative_angle=30.0,
        lid=5.0,
        hubness=0.5,
    )
    base.update(kw)
    return MetaFeatures(**base)


@pytest.mark.parametrize(
    ("kw", "metric", "family"),
    [
        ({}, "ip", "graph"),  # DBI_e >= DBI_c, CV <= 0.1; RA < 60, RC >= 1.5
        ({"dbi_euclidean": 0.8}, "l2", "graph"),  # Euclidean separates labels better
        ({"norm_cv": 0.3}, "l2", "graph"),  # norms vary, DBIs equal: published branch
        ({"dbi_cosine": 0.8}, "ip", "graph"),  # direction separates, lengths do not matter
        ({"dbi_cosine": 0.8, "norm_cv": 0.3}, "cosine", "graph"),  # lengths are noise
        # norm CV small, but inner product changes the neighbours (averaged word vectors)
        ({"dbi_cosine": 0.8, "ip_cosine_overlap": 0.2}, "cosine", "graph"),
        ({"dbi_euclidean": 0.8, "ip_cosine_overlap": 0.2}, "l2", "graph"),
        ({"dbi_euclidean": None, "dbi_cosine": None, "norm_cv": 0.3}, "l2", "graph"),
        ({"relative_angle": 75.0}, "ip", "partition"),
        ({"relative_contrast": 1.2}, "ip", "partition"),
        ({"dbi_euclidean": None, "dbi_cosine": None, "norm_cv": 0.01}, "ip", "graph"),
    ],
)
def test_decision_tree_branches(kw, metric, family):
    rec = recommend(feats(**kw))
    assert (rec.metric, rec.index_family) == (metric, family)
    assert rec.metric_reason and rec.index_reason


def test_probe_on_constructed_clusters():
    rng = np.random.default_rng(4)
    centers = rng.normal(size=(4, 16)) * 5
    labels = np.repeat(np.arange(4), 250)
    docs = centers[labels] + rng.normal(size=(1000, 16))
    queries = centers[np.repeat(np.arange(4), 25)] + rng.normal(size=(100, 16))
    f = probe(docs, queries, labels, sample=800, seed=0)
    assert f.n_docs == 1000 and f.dim == 16
    assert f.dbi_euclidean is not None and f.dbi_euclidean < 1.0  # well separated
    assert f.relative_contrast > 1.0 and 0 < f.relative_angle < 90
    again = probe(docs, queries, labels, sample=800, seed=0)
    assert f == again  # seeded


def test_ip_cosine_overlap_known_value():
    # q=(1,0.1). ip: (5,5) 5.5, (0.99,0.14) 1.004, (1,0) 1.0;
    # cosine: (0.99,0.14) 0.999, (1,0) 0.995, (5,5) 0.774
    docs = np.array([[1.0, 0.0], [0.99, 0.14], [5.0, 5.0]])
    q = np.array([[1.0, 0.1]])
    assert ip_cosine_overlap(q, docs, k=1) == 0.0  # {2} vs {1}
    assert ip_cosine_overlap(q, docs, k=2) == pytest.approx(0.5)  # {2,1} vs {1,0}
    assert ip_cosine_overlap(q, docs / np.linalg.norm(docs, axis=1)[:, None], k=2) == 1.0


def _label_precision(queries, docs, q_lab, d_lab, distance: str, k: int = 10) -> float:
    """Exact search by one distance; share of the top k with the query's label."""
    if distance == "cosine":
        queries = queries / np.linalg.norm(queries, axis=1, keepdims=True)
        docs = docs / np.linalg.norm(docs, axis=1, keepdims=True)
    if distance == "l2":
        score = -((queries[:, None, :] - docs[None, :, :]) ** 2).sum(axis=2)
    else:
        score = queries @ docs.T
    top = np.argsort(-score, axis=1)[:, :k]
    return float(np.mean(d_lab[top] == q_lab[:, None]))


def test_cosine_branch_on_data_that_needs_it():
    # labels live in the direction (6 clusters of directions); the norms are log-normal noise
    # drawn independently of the labels, so ranking by length (ip) or by raw position (l2)
    # mixes the labels, and only the angle (cosine) keeps them
    rng = np.random.default_rng(5)
    dirs = rng.normal(size=(6, 16))

    def draw(n: int) -> tuple[np.ndarray, np.ndarray]:
        lab = rng.integers(0, 6, size=n)
        v = dirs[lab] + rng.normal(scale=1.0, size=(n, 16))
        v /= np.linalg.norm(v, axis=1, keepdims=True)
        return v * rng.lognormal(sigma=2.0, size=(n, 1)), lab

    docs, d_lab = draw(1500)
    queries, q_lab = draw(200)
    f = probe(docs, queries, d_lab, sample=1500, seed=0)
    assert f.norm_cv > 0.5 and f.dbi_cosine < f.dbi_euclidean
    rec = recommend(f)
    assert rec.metric == "cosine" and "DBI_cosine" in rec.metric_reason
    measured = {m: _label_precision(queries, docs, q_lab, d_lab, m) for m in ("cosine", "ip", "l2")}
    # seeded values: cosine 0.881, ip 0.4845, l2 0.8075
    assert max(measured, key=measured.get) == "cosine"
    assert measured["cosine"] > measured["ip"] + 0.3 and measured["cosine"] > measured["l2"] + 0.05
    unit = (docs / np.linalg.norm(docs, axis=1, keepdims=True),
            queries / np.linalg.norm(queries, axis=1, keepdims=True))
    assert _label_precision(unit[1], unit[0], q_lab, d_lab, "l2") == measured["cosine"]
