"""Low-bit codes and rotations against numpy references written here, on small fixed arrays:
fitted on the corpus, applied unchanged to queries (per_batch excepted)."""

import numpy as np
import pytest

from harness.backends.base import LOWBIT_PRECISIONS
from harness.embeddings.lowbit import (
    Float8Scaled,
    PerBatchInt8,
    Rotated,
    ScalarCode,
    ThresholdBinary,
    calibration_range,
    round_e5m2,
)
from harness.embeddings.transforms import Int8
from harness.registry import PRECISIONS

DOCS = np.array([[0.0, -1.0, 0.5], [0.3, 1.0, 0.25], [0.6, 0.0, -0.5], [0.9, 0.5, 0.0]],
                dtype=np.float32)
QUERIES = np.array([[0.45, 2.0, 0.1], [-0.2, -0.4, 0.3]], dtype=np.float32)


def test_int4_minmax_and_packing_by_hand():
    code = ScalarCode(4).fit(DOCS)
    # dim 0: low 0, scale 0.9/15 = 0.06; 0.45 -> 7.5 -> 8 (ties to even) -> 0.48; -0.2 -> 0
    # dim 1: low -1, scale 2/15; 2.0 clips to 15 -> 1.0; -0.4 -> 4.5 -> 4 -> -1 + 8/15
    # dim 2: low -0.5, scale 1/15; 0.1 -> 9 -> 0.1; 0.3 -> 12 -> 0.3
    codes = code.encode(QUERIES)
    assert codes.tolist() == [[8, 15, 9], [0, 4, 12]]
    np.testing.assert_allclose(code.apply(QUERIES),
                               [[0.48, 1.0, 0.1], [0.0, -1 + 8 / 15, 0.3]], atol=1e-6)
    assert code.pack(codes).tolist() == [[8 * 16 + 15, 9 * 16], [4, 12 * 16]]
    assert code.bytes_per_vector(768) == 384


def test_int2_packs_four_per_byte():
    code = ScalarCode(2).fit(DOCS)
    codes = code.encode(DOCS)  # dim 0: scale 0.3 -> [0, 1, 2, 3]
    assert codes[:, 0].tolist() == [0, 1, 2, 3]
    packed = code.pack(codes)
    expected = [(c[0] << 6) | (c[1] << 4) | (c[2] << 2) for c in codes.tolist()]
    assert packed[:, 0].tolist() == expected and code.bytes_per_vector(768) == 192


def test_int8_scalar_code_matches_shipped_int8_values():
    # The same 255-step grid as transforms.Int8 (which stores code - 128).
    np.testing.assert_allclose(ScalarCode(8).fit(DOCS).apply(QUERIES),
                               Int8().fit(DOCS).apply(QUERIES), atol=1e-6)


def test_percentile_and_sample_calibration():
    low, high = calibration_range(DOCS, "percentile", (25, 75))
    np.testing.assert_allclose(low, np.percentile(DOCS, 25, axis=0), atol=1e-7)
    np.testing.assert_allclose(high, np.percentile(DOCS, 75, axis=0), atol=1e-7)
    rows = np.sort(np.random.default_rng(0).choice(4, 2, replace=False))
    low, high = calibration_range(DOCS, "sample", n=2)
    np.testing.assert_array_equal(low, DOCS[rows].min(axis=0))
    np.testing.assert_array_equal(high, DOCS[rows].max(axis=0))
    with pytest.raises(ValueError, match="unknown calibration"):
        calibration_range(DOCS, "bogus")  # type: ignore[arg-type]


def test_per_batch_calibrates_queries_apart_and_differs():
    fitted = Int8().fit(DOCS)
    per_batch = PerBatchInt8().fit(DOCS)
    np.testing.assert_allclose(per_batch.apply(DOCS), fitted.apply(DOCS), atol=1e-7)
    on_queries = Int8().fit(QUERIES).apply(QUERIES)
    np.testing.assert_allclose(per_batch.apply(QUERIES), on_queries, atol=1e-7)
    assert np.abs(per_batch.apply(QUERIES) - fitted.apply(QUERIES)).max() > 0.1


@pytest.mark.parametrize("threshold, cut", [("zero", np.zeros(3)),
                                            ("median", np.median(DOCS, axis=0)),
                                            ("mean", DOCS.mean(axis=0))])
def test_binary_thresholds(threshold, cut):
    got = ThresholdBinary(threshold).fit(DOCS).apply(QUERIES)
    assert got.tolist() == np.packbits(np.greater(QUERIES, cut), axis=1).tolist()


def test_two_bit_thermometer_codes_and_hamming():
    code = ThresholdBinary(bits=2).fit(DOCS)
    cuts = np.percentile(DOCS, [100 / 3, 200 / 3], axis=0)
    bits = np.stack([np.greater(QUERIES, c) for c in cuts], axis=2).reshape(2, -1)
    got = code.apply(QUERIES)
    assert got.tolist() == np.packbits(bits, axis=1).tolist()
    levels = (QUERIES[:, :, None] > cuts.T[None]).sum(axis=2)
    hamming = np.unpackbits(got[0] ^ got[1]).sum()
    assert hamming == np.abs(levels[0] - levels[1]).sum()
    assert code.bytes_per_vector(768) == 192
    with pytest.raises(ValueError, match="bits 1, 2 or 4"):
        ThresholdBinary(bits=3)


def test_e5m2_rounding_by_hand():
    x = np.array([1.0, 1.1, 1.2, 0.3, 2.0**-16, 1e5, -3.3], dtype=np.float32)
    # 1.1 -> grid step 0.25 -> 1.0; 1.2 -> 1.25; 0.3 in [0.25, 0.5) step 1/16 -> 0.3125;
    # 1e5 saturates at 57344; -3.3 in [2, 4) step 0.5 -> -3.5
    np.testing.assert_array_equal(round_e5m2(x),
                                  np.float32([1.0, 1.0, 1.25, 0.3125, 2.0**-16, 57344, -3.5]))


def test_scaled_e4m3_uses_full_range_per_dimension():
    q = Float8Scaled("e4m3").fit(DOCS)
    s = np.abs(DOCS).max(axis=0) / 448.0
    big = np.array([[0.9, 1.0, 0.5]], dtype=np.float32)  # the corpus maxima land on 448
    np.testing.assert_allclose(q.apply(big), big, rtol=1e-6)
    ref = np.float32(0.45) / s[0]  # 224 -> exact in e4m3
    np.testing.assert_allclose(q.apply(QUERIES)[0, 0], ref * s[0], rtol=1e-6)


def test_random_rotation_is_orthogonal_and_queries_use_the_corpus_fit():
    rotated = Rotated(ScalarCode(4), "random", seed=3).fit(DOCS)
    m = rotated.matrix
    np.testing.assert_allclose(m @ m.T, np.eye(3), atol=1e-5)
    ref = ScalarCode(4).fit(DOCS @ m.T).apply(QUERIES @ m.T)
    np.testing.assert_allclose(rotated.apply(QUERIES), ref, atol=1e-6)


def test_pca_rotation_is_the_corpus_principal_basis_uncentred():
    rotated = Rotated(Int8(), "pca").fit(DOCS)
    centered = DOCS.astype(np.float64) - DOCS.mean(axis=0)
    values, vectors = np.linalg.eigh(centered.T @ centered / 3)
    top = vectors[:, np.argmax(values)]
    assert abs(abs(float(rotated.matrix[0] @ top)) - 1) < 1e-5
    # A rotation keeps inner products: the float scores are unchanged before quantization.
    np.testing.assert_allclose(rotated.turn(QUERIES) @ rotated.turn(DOCS).T, QUERIES @ DOCS.T,
                               atol=1e-5)


def test_named_variants_load_from_the_registry_and_equal_their_parameters():
    same = {"int4": ScalarCode(4), "int2": ScalarCode(2), "int8-per-batch": PerBatchInt8(),
            "int8-percentile": ScalarCode(8, "percentile", (0.5, 99.5)),
            "int8-sample": ScalarCode(8, "sample", n=1000),
            "binary-median": ThresholdBinary("median"), "binary-mean": ThresholdBinary("mean"),
            "binary-2bit": ThresholdBinary(bits=2), "float8-scaled": Float8Scaled("e4m3")}
    assert set(same) | {"float8-e5m2"} == LOWBIT_PRECISIONS
    for name, reference in same.items():
        got = PRECISIONS.get(name).load()().fit(DOCS).apply(QUERIES)
        np.testing.assert_array_equal(got, reference.fit(DOCS).apply(QUERIES), err_msg=name)
    e5m2 = PRECISIONS.get("float8-e5m2").load()().fit(DOCS).apply(QUERIES)
    np.testing.assert_array_equal(e5m2, round_e5m2(QUERIES))
