"""Dimension reduction: truncation + re-normalisation, PCA fitted on the corpus, labels."""

from __future__ import annotations

import numpy as np
import pytest

from harness import api
from harness.embeddings.prepared import prepare
from harness.embeddings.transforms import PCA, dim_method, l2_normalize
from harness.errors import UserErrors
from harness.suite.axes import dim_reducer, dim_size


def data(n=300, d=32, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, d)).astype(np.float32), rng.normal(size=(12, d)).astype(np.float32)


def test_truncation_keeps_the_first_dims_and_renormalises_for_cosine():
    docs, queries = data()
    prep = prepare(docs, queries, dim=8, metric="cosine", precision="float32")
    np.testing.assert_allclose(np.linalg.norm(prep.docs, axis=1), 1.0, rtol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(prep.queries, axis=1), 1.0, rtol=1e-5)
    expected = l2_normalize(l2_normalize(docs)[:, :8])
    np.testing.assert_allclose(prep.docs, expected, rtol=1e-5, atol=1e-6)
    assert prep.dim == 8 and prep.metric == "ip" and prep.bytes_per_vector == 32
    # the same direction as the plain prefix: normalisation only rescales
    cos = np.sum(prep.docs * docs[:, :8], axis=1) / np.linalg.norm(docs[:, :8], axis=1)
    np.testing.assert_allclose(cos, 1.0, rtol=1e-5)


def test_truncation_for_l2_and_ip_does_not_normalise():
    docs, queries = data()
    for metric in ("l2", "ip"):
        prep = prepare(docs, queries, dim=5, metric=metric, precision="float32")
        np.testing.assert_array_equal(prep.docs, docs[:, :5])
        assert prep.raw_metric == ("l2" if metric == "l2" else "ip")


def test_dim_above_native_is_an_error_and_native_is_unchanged():
    docs, queries = data(d=16)
    with pytest.raises(ValueError, match="larger than"):
        prepare(docs, queries, dim=17, metric="cosine", precision="float32")
    with pytest.raises(ValueError, match="larger than"):
        prepare(docs, queries, dim="pca:17", metric="cosine", precision="float32")
    same = prepare(docs, queries, dim=16, metric="ip", precision="float32")
    np.testing.assert_array_equal(same.docs, docs)
    assert same.dim_method == "native"


def test_pca_is_fitted_on_the_corpus_and_applied_unchanged_to_queries():
    rng = np.random.default_rng(1)
    # a corpus that lives (almost) in a 3-d subspace of 20-d, with an offset
    basis = np.linalg.qr(rng.normal(size=(20, 3)))[0].T
    docs = (rng.normal(size=(500, 3)) * [5, 3, 2]) @ basis + 4.0
    docs += 0.01 * rng.normal(size=docs.shape)
    queries = rng.normal(size=(7, 20)) * 10  # a different distribution on purpose
    pca = PCA.fit(docs, 3)
    comps = pca.components
    np.testing.assert_allclose(comps @ comps.T, np.eye(3), atol=1e-8)
    np.testing.assert_allclose(pca.mean, docs.mean(axis=0), atol=1e-9)
    assert (np.diff(pca.explained_variance_ratio) <= 0).all()
    assert pca.explained_variance_ratio.sum() > 0.999
    # the principal subspace is the corpus's: projecting the basis loses nothing
    np.testing.assert_allclose(np.linalg.svd(basis @ comps.T)[1], 1.0, atol=1e-3)
    # queries are projected with the corpus's mean and components (not re-fitted on them)
    np.testing.assert_allclose(pca.apply(queries), (queries - docs.mean(axis=0)) @ comps.T,
                               rtol=1e-5, atol=1e-4)
    # deterministic, with a fixed sign convention
    again = PCA.fit(docs.copy(), 3)
    np.testing.assert_array_equal(again.components, comps)


def test_prepare_with_pca_dim():
    docs, queries = data(d=24)
    prep = prepare(docs, queries, dim="pca:6", metric="cosine", precision="float32")
    assert prep.dim == 6 and prep.dim_method == "pca" and prep.bytes_per_vector == 24
    unit = l2_normalize(docs)
    pca = PCA.fit(unit, 6)
    np.testing.assert_allclose(prep.docs, l2_normalize(pca.apply(unit)), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(
        prep.queries, l2_normalize(pca.apply(l2_normalize(queries))), rtol=1e-5, atol=1e-6
    )
    # PCA keeps more of the corpus's similarity structure than truncation at the same size
    # when the variance is not in the first dims
    rng = np.random.default_rng(2)
    skewed = rng.normal(size=(400, 24)) * np.r_[np.full(18, 0.1), np.full(6, 3.0)]
    full = l2_normalize(skewed.astype(np.float32))
    sims = full @ full.T
    for dim, worse in (("pca:6", False), (6, True)):
        p = prepare(skewed, skewed[:5], dim=dim, metric="cosine", precision="float32")
        err = np.abs(p.docs @ p.docs.T - sims).mean()
        assert (err > 0.2) == worse, (dim, err)


def test_dim_method_labels():
    assert dim_method(None, 384) == "native"
    assert dim_method(384, 384) == "native"
    assert dim_method(128, 384) == "truncate(non-matryoshka)"
    assert dim_method(128, 768, (512, 256, 128)) == "truncate"
    assert dim_method(100, 768, (512, 256, 128)) == "truncate(non-matryoshka)"
    assert dim_method("pca:128", 384) == "pca"
    assert dim_size("pca:128") == 128 and dim_reducer("pca:128") == "pca"
    assert dim_size(64) == 64 and dim_reducer(64) == "truncate" and dim_size(None) is None


SUITE = """\
schema_version: 1
name: dims
datasets: [beir:{beir}]
models: [hash:32]
dims: {dims}
k: 10
repeats: 1
warmup: 0
"""


def test_suite_accepts_pca_dims_and_labels_cells(write_suite, tiny_beir):
    plan = api.plan(write_suite(SUITE.format(beir=tiny_beir, dims='[null, 8, "pca:8"]')))
    labels = [c.label for c in plan.cells]
    assert any("dim=pca:8" in x for x in labels) and any("dim=8 " in x for x in labels)
    assert len({c.cell_id for c in plan.cells}) == 3


@pytest.mark.parametrize(
    ("dims", "message"),
    [
        ('["pca8"]', "a dim must be a positive integer, null (native) or 'pca:N'"),
        ('["pca:0"]', "a dim must be a positive integer"),
        ('["pca:64"]', "dim pca:64 is larger than model 'hash:32''s native dim 32"),
    ],
)
def test_bad_dims_are_plan_time_errors(write_suite, tiny_beir, dims, message):
    with pytest.raises(UserErrors) as info:
        api.plan(write_suite(SUITE.format(beir=tiny_beir, dims=dims)))
    assert message in str(info.value)


def test_pca_and_truncation_rows_in_results(write_suite, tiny_beir, tmp_path):
    path = write_suite(SUITE.format(beir=tiny_beir, dims='[null, 8, "pca:8"]'))
    out = api.run(path, api.RunOptions(output=tmp_path / "r", cache_dir=tmp_path / "c",
                                       progress=False))
    df = out.frame.sort_values("dim_method")
    assert out.n_failed == 0
    assert df["dim_method"].tolist() == ["native", "pca", "truncate(non-matryoshka)"]
    assert df["dim"].tolist() == [32, 8, 8]
    assert (df["code_bytes_per_vector"] == df["dim"] * 4).all()
