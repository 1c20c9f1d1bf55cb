"""Precisions: calibration on the corpus only, exact byte sizes, float16/float8/binary values."""

from __future__ import annotations

import math

import numpy as np
import pytest

from harness.embeddings.prepared import prepare
from harness.embeddings.transforms import Binary, Float8, Float16, Int8, round_e4m3
from harness.registry import PRECISIONS


def unit_rows(n: int, d: int, seed: int = 0) -> np.ndarray:
    x = np.random.default_rng(seed).normal(size=(n, d)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def test_int8_is_calibrated_once_on_the_corpus_and_reused_for_queries():
    docs = unit_rows(200, 16)
    queries = unit_rows(20, 16, seed=1) * 3.0  # mostly outside the corpus's per-dim range
    queries[0] = docs[0]
    prep = prepare(docs, queries, dim=None, metric="ip", precision="int8")
    q = prep.quantizer
    assert isinstance(q, Int8) and q.fit_calls == 1
    # the range is the corpus's: per-dimension min/max of the documents
    np.testing.assert_allclose(q.low, docs.min(axis=0))
    np.testing.assert_allclose(q.low + 255 * q.scale, docs.max(axis=0), rtol=1e-5, atol=1e-6)
    # queries outside that range are clipped to it, never re-calibrated
    lo, hi = docs.min(axis=0), docs.max(axis=0)
    assert (prep.queries >= lo - 1e-6).all() and (prep.queries <= hi + 1e-5).all()
    np.testing.assert_allclose(prep.queries[1:], np.clip(prep.queries[1:], lo, hi + 1e-5))
    big = np.where(queries[5] > hi, hi, np.where(queries[5] < lo, lo, np.nan))
    outside = ~np.isnan(big)
    assert outside.any()
    np.testing.assert_allclose(prep.queries[5][outside], big[outside], atol=q.scale.max())
    # a query equal to a document gets exactly that document's codes
    np.testing.assert_array_equal(prep.queries[0], prep.docs[0])
    # applying to queries did not change the parameters
    low_before = q.low.copy()
    q.apply(queries * 10)
    np.testing.assert_array_equal(q.low, low_before)
    assert q.fit_calls == 1


def test_int8_round_trip_error_and_codes():
    docs = unit_rows(500, 32, seed=2)
    q = Int8().fit(docs)
    codes = q.encode(docs)
    assert codes.dtype == np.int8 and codes.min() == -128 and codes.max() == 127
    err = np.abs(q.apply(docs) - docs)
    assert (err <= q.scale / 2 + 1e-6).all()


def test_int8_percentile_calibration_ignores_outliers():
    docs = unit_rows(1000, 4, seed=3)
    docs[0, 0] = 50.0  # one outlier
    minmax = Int8().fit(docs)
    pct = Int8(percentiles=(0.5, 99.5)).fit(docs)
    assert pct.scale[0] < minmax.scale[0] / 10
    assert pct.apply(docs[:1])[0, 0] < 1.0  # the outlier is clipped to the 99.5th percentile
    with pytest.raises(ValueError):
        Int8(percentiles=(90, 10))


def test_constant_dimension_does_not_divide_by_zero():
    docs = np.zeros((5, 3), dtype=np.float32)
    docs[:, 1] = np.arange(5)
    q = Int8().fit(docs)
    out = q.apply(docs)
    assert np.isfinite(out).all()
    np.testing.assert_allclose(out[:, 0], 0.0)


@pytest.mark.parametrize("d", [1, 7, 8, 9, 50, 64, 100, 384])
def test_bytes_per_vector_per_precision(d):
    docs, queries = unit_rows(20, d), unit_rows(3, d, seed=1)
    expected = {
        "float32": 4 * d,
        "float16": 2 * d,
        "int8": d,
        "float8": d,
        "binary": math.ceil(d / 8),
    }
    for precision, nbytes in expected.items():
        prep = prepare(docs, queries, dim=None, metric="cosine", precision=precision)
        assert prep.bytes_per_vector == nbytes, precision
        assert PRECISIONS.get(precision).load()().bytes_per_vector(d) == nbytes
    binary = prepare(docs, queries, dim=None, metric="cosine", precision="binary")
    assert binary.docs.dtype == np.uint8 and binary.docs.shape == (20, math.ceil(d / 8))
    assert binary.docs.nbytes == 20 * math.ceil(d / 8)


def test_binary_is_packed_sign_bits_searched_by_hamming():
    x = np.array([[0.5, -0.1, 0.0, 2.0, -3.0, 1e-9, -1e-9, 0.2, 0.7]], dtype=np.float32)
    bits = Binary().apply(x)
    np.testing.assert_array_equal(bits, np.packbits(x > 0, axis=1))
    assert bits.tolist() == [[0b10010101, 0b10000000]]  # zero counts as negative; padded
    prep = prepare(unit_rows(10, 9), unit_rows(2, 9), dim=None, metric="cosine",
                   precision="binary")
    assert prep.metric == "hamming" and prep.raw_metric == "ip"
    assert prep.raw_docs.dtype == np.float32 and prep.raw_docs.shape == (10, 9)


def test_float16_matches_ieee_half():
    x = unit_rows(50, 16)
    np.testing.assert_array_equal(Float16().apply(x), x.astype(np.float16).astype(np.float32))
    prep = prepare(x, x[:3], dim=None, metric="cosine", precision="float16")
    assert prep.docs.dtype == np.float32 and np.abs(prep.docs - x).max() < 1e-3


def test_float8_e4m3_rounding():
    values = np.array([1.0, 0.3, -0.3, 17.0, 19.0, 448.0, 500.0, -1e6, 2**-9, 0.001, 0.0009, 0.0])
    expected = [1.0, 0.3125, -0.3125, 16.0, 20.0, 448.0, 448.0, -448.0, 2**-9, 2**-9, 0.0, 0.0]
    np.testing.assert_array_equal(round_e4m3(values), np.array(expected, dtype=np.float32))
    # every e4m3fn value is a fixed point (exponents -6..8 with 3 mantissa bits, subnormals)
    normal = [(1 + m / 8) * 2.0**e for e in range(-6, 9) for m in range(8)]
    grid = np.array([m * 2.0**-9 for m in range(8)] + [v for v in normal if v <= 448])
    np.testing.assert_array_equal(round_e4m3(grid), grid.astype(np.float32))
    assert Float8().bytes_per_vector(10) == 10


def test_float8_against_ml_dtypes_if_installed():
    ml_dtypes = pytest.importorskip("ml_dtypes", reason="ml_dtypes is not installed")
    x = np.random.default_rng(0).normal(scale=2.0, size=10_000).astype(np.float32)
    ref = x.astype(ml_dtypes.float8_e4m3fn).astype(np.float32)
    np.testing.assert_array_equal(round_e4m3(np.clip(x, -448, 448)), ref)
