"""The float32-screened exact top-k against every float64 score computed and stably sorted."""

import numpy as np
import pytest

from harness.backends import screened_topk as st
from harness.backends.filter_search import pre_search


def _reference(q: np.ndarray, x: np.ndarray, metric: str, kk: int):
    q64, x64 = q.astype(np.float64), x.astype(np.float64)
    s = q64 @ x64.T
    if metric == "l2":
        s = 2 * s - (x64 * x64).sum(1)[None, :] - (q64 * q64).sum(1)[:, None]
    order = np.argsort(-s, axis=1, kind="stable")[:, :kk]  # ties: lower column first
    return order, np.take_along_axis(s, order, axis=1)


def _near_ties(rng: np.random.Generator, n: int, d: int) -> np.ndarray:
    """Clusters of 8 documents one float32 ulp apart per coordinate (or exact duplicates),
    with norms from 0.2 to 5: the float32 screen cannot order a cluster, float64 can."""
    base = rng.normal(size=(n // 8, d)) * rng.uniform(0.2, 5.0, size=(n // 8, 1))
    x = np.repeat(base.astype(np.float32), 8, axis=0)
    bump = rng.integers(-1, 2, size=x.shape)
    up = np.nextafter(x, np.float32(np.inf))
    down = np.nextafter(x, np.float32(-np.inf))
    return np.where(bump > 0, up, np.where(bump < 0, down, x)).astype(np.float32)


@pytest.mark.parametrize("metric", ["ip", "l2"])
@pytest.mark.parametrize("kk", [1, 10, 100])
def test_screened_equals_every_score_sorted(metric, kk):
    rng = np.random.default_rng(kk)
    x = _near_ties(rng, 12_000, 24)
    q = np.concatenate([rng.normal(size=(30, 24)), x[:10] * 1.5]).astype(np.float32)
    assert len(x) >= st.DIRECT_BELOW and kk * 16 <= len(x)  # the screened path runs
    cols, vals = st.screened_topk(q, x, metric, kk)
    want_cols, want_vals = _reference(q, x, metric, kk)
    np.testing.assert_array_equal(cols, want_cols)
    np.testing.assert_allclose(vals, want_vals, rtol=1e-12, atol=1e-9)


def test_screened_blocks_of_queries_and_a_tied_corpus(monkeypatch):
    """Every score equal (a constant corpus): all rows are candidates, ties go to the lowest
    columns; small query blocks give the same answer as one block."""
    monkeypatch.setattr(st, "BLOCK_ENTRIES", 5000 * 3)  # three queries per block
    x = np.ones((5000, 8), dtype=np.float32)
    q = np.random.default_rng(0).normal(size=(7, 8)).astype(np.float32)
    cols, vals = st.screened_topk(q, x, "l2", 5)
    np.testing.assert_array_equal(cols, np.tile(np.arange(5), (7, 1)))
    np.testing.assert_array_equal(vals, _reference(q, x, "l2", 5)[1])


def test_pre_search_maps_screened_columns_to_document_ids():
    rng = np.random.default_rng(3)
    docs = rng.normal(size=(20_000, 16)).astype(np.float32)
    q = rng.normal(size=(12, 16)).astype(np.float32)
    allowed = rng.random(len(docs)) < 0.5
    ids, scores = pre_search(q, docs, "l2", allowed, 10)
    rows = np.flatnonzero(allowed)
    order, vals = _reference(q, docs[rows], "l2", 10)
    np.testing.assert_array_equal(ids, rows[order])
    np.testing.assert_array_equal(scores, vals.astype(np.float32))
    assert allowed[ids].all()


@pytest.mark.parametrize("metric", ["ip", "l2"])
def test_the_sample_screen_when_the_heap_cannot_decide(monkeypatch, metric):
    """A margin wider than any gap sends every query to the column-sample screen: the same
    answer. With the true margin, random data is decided by faiss's heap alone."""
    rng = np.random.default_rng(9)
    x = _near_ties(rng, 8000, 16)
    q = rng.normal(size=(9, 16)).astype(np.float32)
    want = _reference(q, x, metric, 10)
    seen = {}
    real = st._faiss_screen

    def spy(*args):
        cols, vals, done = real(*args)
        seen["done"] = done
        return cols, vals, done

    monkeypatch.setattr(st, "_faiss_screen", spy)
    cols, _ = st.screened_topk(q, x, metric, 10)
    assert seen["done"].all()
    np.testing.assert_array_equal(cols, want[0])
    monkeypatch.setattr(st, "_margin", lambda m, qn, big, d: np.full(len(qn), 1e30))
    cols, vals = st.screened_topk(q, x, metric, 10)
    assert not seen["done"].any()
    np.testing.assert_array_equal(cols, want[0])
    np.testing.assert_allclose(vals, want[1], rtol=1e-12, atol=1e-9)
