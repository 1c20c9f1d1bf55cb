"""Parameterised precisions (issue #26): the suite's mapping form, its canonical names, and
each variant against numpy written here on small fixed arrays (fitted on the corpus, applied
unchanged to queries; per_batch excepted), rotations included, through prepare()."""

import numpy as np
import pytest

from harness.embeddings.prepared import prepare
from harness.embeddings.transforms import l2_normalize
from harness.embeddings.variants import quantizer
from harness.suite.precision import canonical, code_of, problem, spec

DOCS = np.array([[0.0, -1.0, 0.5, 0.2], [0.3, 1.0, 0.25, -0.1], [0.6, 0.0, -0.5, 0.4],
                 [0.9, 0.5, 0.0, 0.0], [0.1, 0.2, 0.3, 0.4]], dtype=np.float32)
QUERIES = np.array([[0.45, 2.0, 0.1, 0.0], [-0.2, -0.4, 0.3, 0.9]], dtype=np.float32)


def scalar_ref(docs, x, bits, low, high):
    """Per-dimension scalar code by hand: 2**bits - 1 steps between low and high."""
    levels = 2**bits - 1
    low, high, x = (np.asarray(a, dtype=np.float32) for a in (low, high, x))  # float32 steps
    scale = np.where(high > low, (high - low) / np.float32(levels), 1.0).astype(np.float32)
    codes = np.clip(np.rint((x - low) / scale), 0, levels)
    return codes * scale + low


@pytest.mark.parametrize("entry, name", [
    ("int8", "int8"),
    ({"int8": {"calibration": "minmax"}}, "int8"),
    ({"int8": {"calibration": "percentile", "low": 0.5, "high": 99.5}}, "int8-percentile"),
    ({"int8": {"calibration": "percentile"}}, "int8-percentile"),
    ({"int8": {"calibration": "sample", "n": 1000}}, "int8-sample"),
    ({"int8": {"calibration": "per_batch"}}, "int8-per-batch"),
    ({"int8": {"calibration": "per_batch", "batch": 50000}}, "int8-per-batch"),
    ({"int8": {"calibration": "per_batch", "batch": 32}}, "int8[calibration=per_batch,batch=32]"),
    ({"binary": {"threshold": "median"}}, "binary-median"),
    ({"binary": {"bits": 2}}, "binary-2bit"),
    ({"binary": {"bits": 1, "threshold": "zero"}}, "binary"),
    ({"float8": {"scale": "per_dimension"}}, "float8-scaled"),
    ({"int8": {"calibration": "percentile", "low": 1, "high": 99}},
     "int8[calibration=percentile,low=1,high=99]"),
    ({"int4": {"calibration": "sample"}}, "int4[calibration=sample,n=1000]"),
    ({"binary": {"bits": 4}}, "binary[bits=4]"),
    ({"int4": {"rotate": "pca"}}, "int4[rotate=pca]"),
    ({"int8-percentile": {"rotate": "random"}}, "int8-percentile[rotate=random]"),
    ({"int4": {"rotate": "none"}}, "int4"),
    ("int8[calibration=percentile,high=99,low=1]", "int8[calibration=percentile,low=1,high=99]"),
])
def test_mapping_form_canonical_names(entry, name):
    assert canonical(entry) == name
    assert canonical(name) == name  # a canonical name is a fixed point


def test_code_of_strips_the_rotation():
    assert code_of("int4[rotate=pca]") == "int4"
    assert code_of("int8[calibration=percentile,low=1,high=99,rotate=random]") == \
        "int8[calibration=percentile,low=1,high=99]"
    assert spec("binary[bits=4,rotate=pca]").bits == 4 and spec("int2").bits == 2


@pytest.mark.parametrize("name, says", [
    ("int8[calibration=percentile,low=-1,high=99]", "0..100"),
    ("int8[calibration=percentile,low=1,high=101]", "0..100"),
    ("int4[calibration=percentile,low=50,high=50]", "low < high"),
    ("binary[bits=3]", "1, 2 or 4"),
    ("int8[calibration=kmeans]", "unknown calibration 'kmeans'"),
    ("int4[calibration=per_batch]", "unknown calibration 'per_batch'"),
    ("float32[rotate=pca]", "float32 cannot take a rotation"),
    ("int4[rotate=hadamard]", "rotate must be none, random or pca"),
    ("binary[bits=2,threshold=median]", "bits 1 only"),
    ("int8[low=1]", "calibration: percentile only"),
    ("int8[calibration=sample,n=0]", "positive integer"),
    ("int8[calibration=per_batch,batch=0]", "batch must be a positive integer"),
    ("int8[calibration=per_batch,batch=2.5]", "batch must be a positive integer"),
    ("int8[batch=32]", "calibration: per_batch only"),
    ("int4[batch=32]", "takes no parameter 'batch'"),
    ("float8[format=e3m4]", "e4m3, e5m2"),
    ("binary[colour=red]", "takes no parameter 'colour'"),
])
def test_bad_parameters_are_one_line(name, says):
    msg = problem(name)
    assert msg is not None and says in msg and "\n" not in msg


def test_int4_percentile_equals_numpy():
    got = quantizer("int4[calibration=percentile,low=10,high=90]").fit(DOCS).apply(QUERIES)
    low, high = np.percentile(DOCS, [10, 90], axis=0)
    np.testing.assert_allclose(got, scalar_ref(DOCS, QUERIES, 4, low, high), atol=1e-6)


def test_int2_sample_equals_numpy():
    got = quantizer("int2[calibration=sample,n=3]").fit(DOCS).apply(QUERIES)
    rows = np.sort(np.random.default_rng(0).choice(5, 3, replace=False))
    ref = scalar_ref(DOCS, QUERIES, 2, DOCS[rows].min(axis=0), DOCS[rows].max(axis=0))
    np.testing.assert_allclose(got, ref, atol=1e-6)


def test_int8_percentile_equals_numpy():
    got = quantizer("int8[calibration=percentile,low=2,high=98]").fit(DOCS).apply(QUERIES)
    low, high = np.percentile(DOCS, [2, 98], axis=0)
    np.testing.assert_allclose(got, scalar_ref(DOCS, QUERIES, 8, low, high), atol=1e-6)


def test_four_bit_binary_thermometer_equals_numpy():
    got = quantizer("binary[bits=4]").fit(DOCS).apply(QUERIES)
    cuts = np.percentile(DOCS, [20, 40, 60, 80], axis=0)  # (4 cuts, 4 dims)
    bits = np.stack([np.greater(QUERIES, c) for c in cuts], axis=2).reshape(2, -1)  # dim-major
    assert got.tolist() == np.packbits(bits, axis=1).tolist() and got.shape == (2, 2)


def test_scaled_e5m2_keeps_the_corpus_maxima():
    q = quantizer("float8[format=e5m2,scale=per_dimension]").fit(DOCS)
    peaks = np.abs(DOCS).max(axis=0)[None]
    np.testing.assert_allclose(q.apply(peaks), peaks, rtol=1e-6)  # land on 57344 exactly


def test_rotated_precision_through_prepare_equals_numpy():
    d, q = l2_normalize(DOCS), l2_normalize(QUERIES)
    # random: QR of a seeded Gaussian with R's diagonal signs folded into Q
    g = np.random.default_rng(0).standard_normal((4, 4))
    qr, r = np.linalg.qr(g)
    m = qr * np.sign(np.diag(r))
    prep = prepare(DOCS, QUERIES, dim=None, metric="cosine", precision="int4[rotate=random]")
    dr, qrot = d @ m.T, q @ m.T
    ref = scalar_ref(dr, qrot, 4, dr.min(axis=0), dr.max(axis=0))
    np.testing.assert_allclose(prep.queries, ref, atol=1e-5)
    np.testing.assert_allclose(prep.raw_docs, dr, atol=1e-6)  # native backends see it turned
    np.testing.assert_allclose(prep.raw_queries @ prep.raw_docs.T, q @ d.T, atol=1e-6)
    assert prep.bytes_per_vector == 2 and prep.precision == "int4[rotate=random]"
    plain = prepare(DOCS, QUERIES, dim=None, metric="cosine", precision="int4")
    assert np.abs(plain.queries - ref).max() > 0.01  # the rotation changed the code


def test_pca_rotation_through_prepare_is_the_corpus_eigenbasis():
    d = l2_normalize(DOCS).astype(np.float64)
    c = d - d.mean(axis=0)
    values, vectors = np.linalg.eigh(c.T @ c / 4)
    top = vectors[:, np.argmax(values)]
    prep = prepare(DOCS, QUERIES, dim=None, metric="cosine", precision="binary-median[rotate=pca]")
    first = prep.raw_docs[:, 0]
    np.testing.assert_allclose(np.abs(first), np.abs(d @ top), atol=1e-5)
    cut = np.median(prep.raw_docs, axis=0)
    assert prep.docs.tolist() == np.packbits(prep.raw_docs > cut, axis=1).tolist()
    assert prep.metric == "hamming"


def test_per_batch_visibly_differs_through_prepare():
    fitted = prepare(DOCS, QUERIES, dim=None, metric="cosine", precision="int8")
    batch = prepare(DOCS, QUERIES, dim=None, metric="cosine", precision="int8-per-batch")
    np.testing.assert_allclose(batch.docs, fitted.docs, atol=1e-7)  # the corpus: one batch
    q = l2_normalize(QUERIES)
    np.testing.assert_allclose(batch.queries, scalar_ref(q, q, 8, q.min(0), q.max(0)),
                               atol=1e-6)  # the queries: calibrated on themselves
    assert np.abs(batch.queries - fitted.queries).max() > 0.05


def test_mapping_and_named_forms_plan_the_same_cells(write_suite, tiny_beir):
    from harness.plan.expand import expand
    from harness.suite.schema import load_suite

    head = f"schema_version: 1\nname: s\ndatasets: [beir:{tiny_beir}]\nmodels: [hash:32]\n"

    def ids(precisions: str) -> list[str]:
        plan = expand(load_suite(write_suite(head + f"precisions: {precisions}\n")))
        return [c.cell_id for c in plan.cells]

    named = ids("[int8, int8-percentile, binary-2bit, int4]")
    mapped = ids("[{int8: {calibration: minmax}}, {int8: {calibration: percentile, low: 0.5, "
                 "high: 99.5}}, {binary: {bits: 2}}, {int4: {rotate: none}}]")
    assert named == mapped and len(set(named)) == 4
    rotated = ids("[int4, {int4: {rotate: pca}}, {int4: {rotate: random}}]")
    assert rotated[0] == named[3] and len(set(rotated)) == 3  # the rotation is in the key


def test_per_batch_calibrates_each_batch_of_documents_on_itself():
    # batch 2: documents 0-1, 2-3 and 4 are three encode() calls, each its own min/max
    prep = prepare(DOCS, QUERIES, dim=None, metric="l2",
                   precision="int8[calibration=per_batch,batch=2]")
    for a, b in ((0, 2), (2, 4), (4, 5)):
        part = DOCS[a:b]
        np.testing.assert_allclose(prep.docs[a:b],
                                   scalar_ref(part, part, 8, part.min(0), part.max(0)),
                                   atol=1e-6)
    whole = prepare(DOCS, QUERIES, dim=None, metric="l2", precision="int8-per-batch")
    # a batch's own min and max are its values: batches of 2 (and 1) give them back exactly,
    # while one batch of 5 rounds them to 255 steps of the corpus range
    np.testing.assert_allclose(prep.docs, DOCS, atol=1e-6)
    assert np.abs(whole.docs - DOCS).max() > 1e-3
    np.testing.assert_allclose(prep.queries, whole.queries)  # queries: one call either way
