"""Each backend on small clustered data: recall against exact, parameters reaching the library,
sizes, score conventions (higher is better, exact search's scale)."""

from __future__ import annotations

import numpy as np
import pytest

from harness.backends.base import IndexInput
from harness.metrics.knn import knn_recall, true_scores_of
from harness.registry import BACKENDS

K = 10


def clustered(n: int = 2000, nq: int = 200, d: int = 32, centers: int = 20, seed: int = 0):
    """Unit vectors from a seeded gaussian mixture: (docs, queries)."""
    rng = np.random.default_rng(seed)
    c = rng.standard_normal((centers, d)).astype(np.float32) * 2
    x = c[rng.integers(0, centers, n + nq)] + rng.standard_normal((n + nq, d)).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    return np.ascontiguousarray(x[:n]), np.ascontiguousarray(x[n:])


@pytest.fixture(scope="module")
def data():
    return clustered()


def make(name, metric, build=None, search=None, precision="float32", docs=None, threads=1):
    cls = BACKENDS.get(name).load()
    be = cls(metric, cls.capabilities.with_defaults("build", build or {}), threads=threads)
    be.build(IndexInput(docs, metric, precision, raw=docs, raw_metric=metric))
    be.prepare(cls.capabilities.with_defaults("search", search or {}))
    return be


def recall(be, docs, queries, metric, k=K):
    exact = make("exact", metric, docs=docs)
    t_ids, t_scores = exact.search(queries, k)
    ids, scores = be.search(queries, k)
    assert ids.dtype == np.int64 and ids.shape == (len(queries), k)
    assert scores.dtype == np.float32 and scores.shape == (len(queries), k)
    found = true_scores_of(ids, queries, docs, metric)
    return float(knn_recall(ids, t_ids, t_scores, found, k).mean()), scores, found


CASES = [
    # name, build, search, precision, min recall@10 (measured >= 0.97 unless noted)
    ("faiss-hnsw", {"M": 16}, {"efSearch": 64}, "float32", 0.97),
    ("faiss-ivf", {"nlist": 16}, {"nprobe": 8}, "float32", 0.97),
    # 6-bit PQ codes alone lose recall (~0.4-0.5 here); refining with float32 recovers it
    ("faiss-ivfpq", {"nlist": 16, "m": 8, "nbits": 6}, {"nprobe": 8}, "float32", 0.3),
    (
        "faiss-ivfpq",
        {"nlist": 16, "m": 8, "nbits": 6, "refine": True},
        {"nprobe": 8, "refine_k": 10},
        "float32",
        0.93,
    ),
    ("faiss-sq", {}, {}, "int8", 0.93),
    ("faiss-sq", {"M": 16}, {"efSearch": 64}, "float16", 0.97),
    ("hnswlib", {"M": 16}, {"ef": 64}, "float32", 0.97),
    ("annoy", {"n_trees": 20}, {"search_k": 4000}, "float32", 0.97),
]


@pytest.mark.parametrize("metric", ["ip", "l2"])
@pytest.mark.parametrize(("name", "build", "search", "precision", "floor"), CASES)
def test_recall_against_exact(data, name, build, search, precision, floor, metric):
    docs, queries = data
    be = make(name, metric, build, search, precision, docs)
    rec, scores, found = recall(be, docs, queries, metric)
    assert rec >= floor, (name, metric, rec)
    # higher is better, on exact search's scale (faiss-sq/PQ scores are approximate)
    assert np.all(np.diff(scores, axis=1) <= 1e-5)
    if not (name == "faiss-ivfpq" and not build.get("refine")):  # PQ-only: coarse estimates
        tol = 0.05 if name == "faiss-sq" else 1e-3
        valid = found > -np.inf
        np.testing.assert_allclose(scores[valid], found[valid], atol=tol)
    assert be.nbytes() > 0


def test_exact_on_binary_codes_is_hamming():
    rng = np.random.default_rng(1)
    codes = rng.integers(0, 256, (500, 8), dtype=np.uint8)  # 64-bit codes
    q = rng.integers(0, 256, (20, 8), dtype=np.uint8)
    be = make("exact", "hamming", docs=codes, precision="binary")
    ids, scores = be.search(q, 5)
    bits = np.unpackbits(codes, axis=1).astype(int)
    qbits = np.unpackbits(q, axis=1).astype(int)
    ham = (qbits[:, None, :] != bits[None, :, :]).sum(axis=2)
    np.testing.assert_array_equal(-np.sort(ham, axis=1)[:, :5], scores)
    np.testing.assert_array_equal(true_scores_of(ids, q, codes, "hamming"), scores)
    assert scores.dtype == np.float32 and be.nbytes() >= 500 * 8


@pytest.mark.parametrize("build", [{}, {"M": 16, "efConstruction": 64}])
def test_faiss_binary_against_exact_hamming(build):
    import faiss

    docs, queries = clustered(d=64)
    codes, qcodes = np.packbits(docs > 0, axis=1), np.packbits(queries > 0, axis=1)
    be = make("faiss-binary", "hamming", build, {"efSearch": 64}, "binary", codes)
    exact = make("exact", "hamming", docs=codes, precision="binary")
    t_ids, t_scores = exact.search(qcodes, K)
    ids, scores = be.search(qcodes, K)
    found = true_scores_of(ids, qcodes, codes, "hamming")
    # Hamming distances tie a lot: tie-aware recall is what makes this comparison fair
    rec = knn_recall(ids, t_ids, t_scores, found, K).mean()
    assert rec >= (1.0 if not build else 0.9)
    np.testing.assert_array_equal(scores, found)
    if build:
        assert isinstance(be.index, faiss.IndexBinaryHNSW)
        assert be.index.hnsw.efSearch == 64 and be.index.hnsw.efConstruction == 64
    else:
        assert isinstance(be.index, faiss.IndexBinaryFlat)
    with pytest.raises(ValueError, match="packed binary codes"):
        make("faiss-binary", "ip", docs=docs, precision="float32")


def test_faiss_parameters_reach_the_index(data):
    import faiss

    docs, _ = data
    hnsw = make("faiss-hnsw", "ip", {"M": 12, "efConstruction": 33}, {"efSearch": 77}, docs=docs)
    assert isinstance(hnsw.index, faiss.IndexHNSWFlat)
    assert hnsw.index.metric_type == faiss.METRIC_INNER_PRODUCT
    assert hnsw.index.hnsw.efSearch == 77 and hnsw.index.hnsw.efConstruction == 33
    assert hnsw.index.hnsw.nb_neighbors(1) == 12  # faiss keeps 2*M links on level 0
    hnsw.prepare({"efSearch": 5})
    assert hnsw.index.hnsw.efSearch == 5

    ivf = make("faiss-ivf", "l2", {"nlist": 24}, {"nprobe": 3}, docs=docs)
    assert isinstance(ivf.index, faiss.IndexIVFFlat) and ivf.index.metric_type == faiss.METRIC_L2
    assert ivf.index.nlist == 24 and ivf.index.nprobe == 3 and ivf.index.ntotal == len(docs)

    pq = make(
        "faiss-ivfpq",
        "ip",
        {"nlist": 8, "m": 4, "nbits": 6, "refine": True},
        {"nprobe": 5, "refine_k": 3},
        docs=docs,
    )
    assert isinstance(pq.index, faiss.IndexRefineFlat) and pq.index.k_factor == 3
    inner = faiss.downcast_index(pq.index.base_index)
    assert isinstance(inner, faiss.IndexIVFPQ)
    assert (inner.nlist, inner.nprobe, inner.pq.M, inner.pq.nbits) == (8, 5, 4, 6)
    assert inner.cp.seed == 1234  # seeded training: reproducible builds

    sq8 = make("faiss-sq", "ip", {}, {}, "int8", docs)
    assert isinstance(sq8.index, faiss.IndexScalarQuantizer)
    assert sq8.index.sq.qtype == faiss.ScalarQuantizer.QT_8bit
    sq16 = make("faiss-sq", "l2", {"M": 8}, {"efSearch": 21}, "float16", docs)
    assert isinstance(sq16.index, faiss.IndexHNSWSQ)
    assert sq16.index.hnsw.efSearch == 21
    assert faiss.downcast_index(sq16.index.storage).sq.qtype == faiss.ScalarQuantizer.QT_fp16
    # 1 byte per dimension vs 2: the native quantization shows in the measured size
    assert sq8.nbytes() < make("faiss-sq", "ip", {}, {}, "float16", docs).nbytes()
    # int4 natively: QT_4bit, two codes a byte (half of SQ8's code size)
    sq4 = make("faiss-sq", "ip", {}, {}, "int4", docs)
    assert sq4.index.sq.qtype == faiss.ScalarQuantizer.QT_4bit
    assert 2 * sq4.index.sa_code_size() == sq8.index.sa_code_size() == docs.shape[1]


def test_builds_are_deterministic(data):
    docs, queries = data
    for name, build in (
        ("faiss-ivfpq", {"nlist": 16, "m": 8, "nbits": 6}),
        ("annoy", {"n_trees": 5}),
        ("hnswlib", {"M": 8}),
    ):
        a = make(name, "ip", build, docs=docs).search(queries, K)[0]
        b = make(name, "ip", build, docs=docs).search(queries, K)[0]
        np.testing.assert_array_equal(a, b, err_msg=name)


def test_ivfpq_rejects_m_not_dividing_d_and_too_few_points(data):
    docs, _ = data
    with pytest.raises(ValueError, match=r"m=7 does not divide the dimension 32 \(choose m"):
        make("faiss-ivfpq", "ip", {"m": 7, "nlist": 4}, docs=docs)
    with pytest.raises(ValueError, match="nlist=5000 needs at least 5000 training vectors"):
        make("faiss-ivf", "ip", {"nlist": 5000}, docs=docs)
    be = make("faiss-ivfpq", "ip", {"nlist": 4, "m": 4}, docs=docs)
    with pytest.raises(ValueError, match="needs the build parameter refine: true"):
        be.prepare({"refine_k": 2})


def test_hnswlib_parameters_and_threads(data):
    docs, queries = data
    be = make("hnswlib", "l2", {"M": 8, "ef_construction": 50}, {"ef": 42}, docs=docs, threads=2)
    idx = be.index
    assert (idx.M, idx.ef_construction, idx.ef, idx.space) == (8, 50, 42, "l2")
    assert idx.num_threads == 2  # the build uses the suite's threads
    be.set_threads(1)
    assert idx.num_threads == 1
    ids, scores = be.search(queries, K)
    ref = -((queries[:, None, :] - docs[ids]) ** 2).sum(axis=2)
    np.testing.assert_allclose(scores, ref, atol=1e-4)


def test_annoy_parameters(data):
    docs, queries = data
    be = make("annoy", "ip", {"n_trees": 7}, {"search_k": 50}, docs=docs)
    assert be.index.get_n_trees() == 7 and be.index.f == docs.shape[1]
    assert be.annoy_metric == "angular"  # unit vectors: angular ranks as the inner product
    low = recall(be, docs, queries, "ip")[0]
    be.prepare({"search_k": 5000})
    assert be.search_k == 5000
    high = recall(be, docs, queries, "ip")[0]
    assert high > low + 0.1  # search_k reaches get_nns_by_vector
    # non-unit vectors: 'dot', scores are inner products
    scaled = docs * np.linspace(0.5, 2.0, len(docs), dtype=np.float32)[:, None]
    dot = make("annoy", "ip", {"n_trees": 10}, {"search_k": 5000}, docs=scaled)
    assert dot.annoy_metric == "dot"
    rec, scores, found = recall(dot, scaled, queries, "ip")
    assert rec >= 0.9
    np.testing.assert_allclose(scores, found, atol=1e-4)
    # batch search on 2 threads returns the same answers
    be.set_threads(2)
    two = be.search(queries, K)[0]
    be.set_threads(1)
    np.testing.assert_array_equal(two, be.search(queries, K)[0])


@pytest.mark.parametrize(
    ("name", "key"), [("faiss-hnsw", "M"), ("hnswlib", "M"), ("annoy", "n_trees")]
)
def test_nbytes_grows_with_graph_size(data, name, key):
    docs, _ = data
    small = make(name, "ip", {key: 4}, docs=docs).nbytes()
    large = make(name, "ip", {key: 32}, docs=docs).nbytes()
    assert 0 < small < large
    assert small >= docs.nbytes  # the vectors themselves are stored


def test_searches_after_nbytes_still_work(data):
    docs, queries = data
    for name in ("annoy", "hnswlib"):
        be = make(name, "ip", {}, docs=docs)
        before = be.search(queries, K)[0]
        be.nbytes()
        np.testing.assert_array_equal(before, be.search(queries, K)[0], err_msg=name)


@pytest.mark.parametrize("metric", ["ip", "ip-scaled", "l2"])
def test_annoy_one_query_equals_its_batch_row(data, metric):
    """The latency loop's one-query path gives the batch path's values bit for bit
    (angular with non-unit queries, dot, euclidean), and pads like it when short."""
    docs, queries = data
    if metric == "ip-scaled":
        docs = docs * np.linspace(0.5, 2.0, len(docs), dtype=np.float32)[:, None]
    queries = queries * np.float32(1.7)  # non-unit: angular scores carry |q|
    be = make("annoy", metric[:2], {"n_trees": 5}, {"search_k": 500}, docs=docs)
    ids, scores = be.search(queries, K)
    for i in range(len(queries)):
        one_ids, one_scores = be.search(queries[i:i + 1], K)
        assert one_ids.dtype == np.int64 and one_scores.dtype == np.float32
        np.testing.assert_array_equal(one_ids, ids[i:i + 1])
        np.testing.assert_array_equal(one_scores, scores[i:i + 1])
    short_ids, short_scores = be.search(queries[:1], len(docs) + 5)  # more than it holds
    assert (short_ids[0, len(docs):] == -1).all() and np.isneginf(short_scores[0, len(docs):]).all()
