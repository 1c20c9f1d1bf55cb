"""Per-query difficulty and shift: each statistic against a direct numpy computation, and the
issue's done-when (difficulty and shift known by construction order as constructed)."""

from __future__ import annotations

import numpy as np
import pytest

from harness.datasets.base import Dataset
from harness.datasets.vectors import load_synthetic
from harness.embeddings.prepared import prepare
from harness.execution.difficulty_search import measure
from harness.metrics import query_difficulty as D


def _dataset(docs: np.ndarray, queries: np.ndarray, *, self_ids: bool = False) -> Dataset:
    doc_ids = tuple(f"d{i}" for i in range(len(docs)))
    query_ids = doc_ids[: len(queries)] if self_ids else tuple(f"q{i}" for i in range(len(queries)))
    return Dataset(name="t", fingerprint="t", doc_ids=doc_ids, query_ids=query_ids,
                   doc_vectors=docs, query_vectors=queries, ignore_identical_ids=self_ids)


def _direct(dist: np.ndarray, k: int) -> dict[str, np.ndarray]:
    """The published formulas, row by row, on a full [n_queries, n_docs] distance matrix."""
    near = np.sort(dist, axis=1)
    lid = np.array([-1.0 / np.mean([np.log(r[i] / r[k - 1]) for i in range(k)]) for r in near])
    return {"rc": dist.mean(axis=1) / near[:, k - 1], "lid": lid,
            "expansion": near[:, 2 * k - 1] / near[:, k - 1], "nn": near[:, 0]}


def _spacing(docs_dist: np.ndarray) -> float:
    d = docs_dist.copy()
    np.fill_diagonal(d, np.inf)
    return float(np.median(d.min(axis=1)))


@pytest.mark.parametrize("metric", ["l2", "cosine", "ip"])
def test_statistics_match_a_direct_computation(metric):
    rng = np.random.default_rng(1)
    docs = (rng.standard_normal((300, 8)) * rng.uniform(0.5, 2, (300, 1))).astype(np.float32)
    queries = rng.standard_normal((40, 8)).astype(np.float32)
    prep = prepare(docs, queries, dim=None, metric=metric, precision="float32")
    got = measure(prep, _dataset(docs, queries), k=5, seed=0)  # 300 docs < SAMPLE: every one
    d, q = prep.docs.astype(np.float64), prep.queries.astype(np.float64)
    if metric != "l2":  # Bachrach et al.: docs get sqrt(M^2 - |x|^2), queries 0; then l2
        norms = np.linalg.norm(d, axis=1)
        d = np.hstack([d, np.sqrt(norms.max() ** 2 - norms**2)[:, None]])
        q = np.hstack([q, np.zeros((len(q), 1))])
    dist = np.linalg.norm(q[:, None, :] - d[None, :, :], axis=2)
    want = _direct(dist, 5)
    np.testing.assert_allclose(got.rc, want["rc"], rtol=1e-4)
    np.testing.assert_allclose(got.lid, want["lid"], rtol=1e-3)
    np.testing.assert_allclose(got.expansion, want["expansion"], rtol=1e-4)
    # the sampled documents asked as queries (the query side of the reduction), self left out
    as_q = np.hstack([prep.docs, np.zeros((len(d), d.shape[1] - prep.docs.shape[1]))])
    spacing = _spacing(np.linalg.norm(as_q[:, None, :] - d[None, :, :], axis=2))
    assert got.doc_spacing == pytest.approx(spacing, rel=1e-4)
    np.testing.assert_allclose(got.shift, want["nn"] / spacing, rtol=1e-3)


def test_hamming_distances_count_differing_bits():
    rng = np.random.default_rng(2)
    a = rng.integers(0, 256, (5, 4), dtype=np.uint8)
    b = rng.integers(0, 256, (7, 4), dtype=np.uint8)
    bits = np.unpackbits(a, axis=1)[:, None, :] != np.unpackbits(b, axis=1)[None, :, :]
    np.testing.assert_array_equal(D.pairwise(a, b, "hamming", 0.0), bits.sum(axis=2))


def test_self_hits_are_dropped_as_the_run_drops_them():
    rng = np.random.default_rng(3)
    docs = rng.standard_normal((200, 6)).astype(np.float32)
    prep = prepare(docs, docs[:30], dim=None, metric="l2", precision="float32")
    got = measure(prep, _dataset(docs, docs[:30], self_ids=True), k=4, seed=0)
    dist = np.linalg.norm(docs[:30, None, :].astype(np.float64) - docs[None], axis=2)
    dist[np.arange(30), np.arange(30)] = np.inf  # the query's own document
    near = np.sort(dist, axis=1)
    np.testing.assert_allclose(got.expansion, near[:, 7] / near[:, 3], rtol=1e-4)
    assert np.all(got.shift > 0)


def test_lid_of_uniform_data_is_its_dimension():
    """The MLE's known expectation: points filling a d-dim cube have LID about d."""
    rng = np.random.default_rng(4)
    for dim in (2, 6):
        docs = rng.uniform(size=(20000, dim)).astype(np.float32)
        queries = rng.uniform(0.3, 0.7, size=(200, dim)).astype(np.float32)
        prep = prepare(docs, queries, dim=None, metric="l2", precision="float32")
        lid = measure(prep, _dataset(docs, queries), k=50, seed=0).lid
        assert np.median(lid) == pytest.approx(dim, rel=0.2)


def test_equal_groups_by_rank():
    got = D.equal_groups(np.array([5.0, 1.0, np.nan, 3.0, 2.0, 4.0, 6.0]), 3)
    np.testing.assert_array_equal(got, [2, 0, -1, 1, 0, 1, 2])


def test_difficulty_terciles_order_as_constructed():
    """Query groups with noise 0.5, 1.0, 1.5 (x the points' rms norm): the LID terciles hold
    the low-noise group in the easy third and the high-noise group in the hard third."""
    ds = load_synthetic("n=5000,dim=32,queries=300,noise=1.5,noise_groups=3")
    prep = prepare(ds.doc_vectors, ds.query_vectors, dim=None, metric="l2",
                   precision="float32")
    got = measure(prep, ds, k=10, seed=0)
    built = np.arange(300) * 3 // 300  # the construction group of each query
    tercile = D.equal_groups(got.lid, 3)
    mean_group = [built[tercile == t].mean() for t in range(3)]
    assert mean_group[0] < mean_group[1] < mean_group[2]
    assert np.mean(built[tercile == 0] == 0) > 0.6
    assert np.mean(built[tercile == 2] == 2) > 0.6
    # relative contrast orders the same way (low RC is hard), expansion too (near 1 is hard)
    rc = [np.median(got.rc[built == g]) for g in range(3)]
    ex = [np.median(got.expansion[built == g]) for g in range(3)]
    assert rc[0] > rc[1] > rc[2] and ex[0] > ex[1] > ex[2]


def test_shifted_queries_score_higher():
    ds = load_synthetic("n=4000,dim=32,queries=200,noise=0.5,shift=1.0")
    prep = prepare(ds.doc_vectors, ds.query_vectors, dim=None, metric="cosine",
                   precision="float32")
    got = measure(prep, ds, k=10, seed=0)
    inside, shifted = got.shift[:100], got.shift[100:]
    assert np.median(shifted) > 1.5 * np.median(inside)
    assert np.mean(D.equal_groups(got.shift, 2)[100:] == 1) > 0.9


def test_new_synthetic_knobs_at_defaults_keep_the_fingerprint():
    from harness.datasets.vectors import parse_synthetic

    assert "noise_groups" not in parse_synthetic("n=600,noise=1.5").label
    assert parse_synthetic("n=600,noise_groups=3,shift=0.5").label.endswith(
        "noise_groups=3,shift=0.5")
    plain, grouped = load_synthetic("n=100,queries=9"), load_synthetic("n=100,queries=9,"
                                                                       "noise_groups=1")
    assert plain.fingerprint == grouped.fingerprint
