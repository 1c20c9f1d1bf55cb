"""Meta-features on constructed data with known values, and every decision-tree branch."""

from __future__ import annotations

import numpy as np
import pytest

from harness.analysis.probe import (
    MetaFeatures,
    davies_bouldin,
    hubness,
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
        ({"norm_cv": 0.3}, "l2", "graph"),  # norms vary
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
