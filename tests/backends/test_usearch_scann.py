"""usearch and ScaNN on small clustered data: recall against a faiss flat index called
directly, native precisions (usearch f16 / i8 / b1), parameters reaching the library,
empty slots, threads and sizes."""

from __future__ import annotations

import numpy as np
import pytest
from test_backends import clustered, make
from test_faiss_rabitq_nsg import recall_of

from harness.metrics.knn import knn_recall, true_scores_of

K = 10
pytest.importorskip("usearch")
pytest.importorskip("scann")


@pytest.fixture(scope="module")
def data():
    return clustered()


CASES = [
    # name, build, search, precision, min recall@10 (measured on this data in the comments)
    ("usearch", {}, {"expansion_search": 64}, "float32", 0.97),  # 1.000
    ("usearch", {}, {"expansion_search": 64}, "float16", 0.97),  # 0.997
    ("usearch", {}, {"expansion_search": 64}, "int8", 0.9),  # 0.93-0.95: trunc(127 x)
    ("scann", {"num_leaves": 20}, {"leaves_to_search": 10}, "float32", 0.97),  # 1.000
]


@pytest.mark.parametrize("metric", ["ip", "l2"])
@pytest.mark.parametrize(("name", "build", "search", "precision", "floor"), CASES)
def test_recall_against_faiss_flat(data, name, build, search, precision, floor, metric):
    docs, queries = data
    be = make(name, metric, build, search, precision, docs)
    rec, scores, found = recall_of(be, docs, queries, metric)
    assert rec >= floor, (name, precision, metric, rec)
    assert np.all(np.diff(scores, axis=1) <= 1e-5)
    # exact scale: float32 exactly, f16 / i8 distances approximately (1/127 steps for i8)
    tol = {"float32": 1e-4, "float16": 2e-3, "int8": 0.08}[precision]
    np.testing.assert_allclose(scores, found, atol=tol)


def test_usearch_binary_is_hamming_on_the_harness_sign_bits(data):
    from harness.embeddings.transforms import Binary

    docs, queries = clustered(d=64)
    be = make("usearch", "ip", {}, {"expansion_search": 128}, "binary", docs)
    assert be.dtype == "b1" and str(be.index.metric).endswith("Hamming")
    codes, qcodes = Binary().apply(docs), Binary().apply(queries)
    exact = make("exact", "hamming", docs=codes, precision="binary")
    t_ids, t_scores = exact.search(qcodes, K)
    ids, scores = be.search(queries, K)  # float32 queries in: the backend packs their signs
    found = true_scores_of(ids, qcodes, codes, "hamming")
    np.testing.assert_array_equal(scores, found)
    assert knn_recall(ids, t_ids, t_scores, found, K).mean() >= 0.9  # tie-aware


def test_usearch_parameters_precisions_and_sizes(data):
    docs, queries = data
    be = make("usearch", "l2", {"connectivity": 12, "expansion_add": 40},
              {"expansion_search": 7}, docs=docs, threads=2)
    idx = be.index
    assert (idx.connectivity, idx.expansion_add, idx.expansion_search) == (12, 40, 7)
    assert str(idx.metric).endswith("L2sq") and str(idx.dtype).endswith("F32")
    be.prepare({"expansion_search": 99})
    assert idx.expansion_search == 99
    two = be.search(queries, K)[0]  # the build's 2 threads
    be.set_threads(1)
    np.testing.assert_array_equal(two, be.search(queries, K)[0])
    # storage follows the precision: 4, 2, 1 bytes and 1 bit per dimension
    sizes = {p: make("usearch", "ip", {}, {}, p, docs).nbytes()
             for p in ("float32", "float16", "int8", "binary")}
    assert sizes["binary"] < sizes["int8"] < sizes["float16"] < sizes["float32"]
    graph = sizes["binary"] - len(docs) * docs.shape[1] // 8
    per_dim = (sizes["float32"] - graph) / docs.size
    assert 3.5 < per_dim < 4.5  # float32 vectors plus the graph


def test_usearch_int8_refuses_values_it_would_clip(data):
    docs, _ = data
    with pytest.raises(ValueError, match=r"usearch i8\) stores trunc\(127 \* x\)"):
        make("usearch", "l2", {}, {}, "int8", docs * 3)


@pytest.mark.parametrize("name", ["usearch", "scann"])
def test_fewer_documents_than_k_are_empty_slots(data, name):
    docs, queries = data
    few = docs[:30]
    build = {"num_leaves": 3} if name == "scann" else {}
    be = make(name, "ip", build, {}, docs=few)
    for q in (queries[:5], queries[:1]):  # a batch, and one query (the latency loop's call)
        ids, scores = be.search(q, 40)
        assert ids.shape == (len(q), 40) and ids.dtype == np.int64
        assert (ids[:, 30:] == -1).all() and np.isneginf(scores[:, 30:]).all()
        assert set(ids[0, :30]) == set(range(30))


def test_scann_parameters_reach_the_searcher(data):
    docs, queries = data
    build = {"num_leaves": 25, "dimensions_per_block": 4, "reordering_num_neighbors": 50,
             "anisotropic_quantization_threshold": 0.3}
    be = make("scann", "ip", build, {"leaves_to_search": 1, "pre_reorder_num_neighbors": 10},
              docs=docs)
    config = be.index.config()
    for text in ("num_children: 25", "num_dims_per_block: 4", "approx_num_neighbors: 50",
                 "noise_shaping_threshold: 0.3", "DotProductDistance"):
        assert text in config, text
    low = recall_of(be, docs, queries, "ip")[0]
    be.prepare({"leaves_to_search": 25, "pre_reorder_num_neighbors": 100})
    high = recall_of(be, docs, queries, "ip")[0]
    assert low + 0.05 < high and high >= 0.99  # both search parameters reach search_batched
    one = be.search(queries, K)[0]
    be.set_threads(2)  # batch_qps: search_batched_parallel on ScaNN's pool, same answers
    np.testing.assert_array_equal(be.search(queries, K)[0], one)


def test_scann_without_reordering_scores_are_estimates(data):
    docs, queries = data
    be = make("scann", "l2", {"num_leaves": 20, "reordering_num_neighbors": 0},
              {"leaves_to_search": 20}, docs=docs)
    rec, scores, found = recall_of(be, docs, queries, "l2")
    assert 0.3 < rec < 0.95  # AH codes alone
    assert not np.allclose(scores, found, atol=1e-4)
    with pytest.raises(ValueError, match="num_leaves=20 needs at least as many documents"):
        make("scann", "ip", {"num_leaves": 20}, docs=docs[:10])


@pytest.mark.parametrize(("name", "build"), [("usearch", {}), ("scann", {"num_leaves": 10}),
                                             ("scann", {"num_leaves": 10,
                                                        "reordering_num_neighbors": 0})])
def test_nbytes_grows_with_n(data, name, build):
    docs, _ = data
    small = make(name, "ip", build, docs=docs[:1000]).nbytes()
    large = make(name, "ip", build, docs=docs).nbytes()
    assert 0 < small < large
    per_vector = (large - small) / 1000
    if build.get("reordering_num_neighbors") == 0:  # AH codes only: 4 bits per 2 dimensions
        assert per_vector < docs.shape[1]
    else:  # float32 vectors are stored (usearch f32, ScaNN's re-ranking dataset)
        assert per_vector >= 4 * docs.shape[1]
