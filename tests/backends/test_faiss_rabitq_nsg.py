"""faiss RaBitQ (flat, IVF, HNSW) and NSG on small clustered data: recall against a faiss flat
index called directly, parameters reaching the index, scores on exact search's scale, sizes."""

from __future__ import annotations

import numpy as np
import pytest
from test_backends import clustered, make

from harness.metrics.knn import knn_recall, true_scores_of

K = 10


@pytest.fixture(scope="module")
def data():
    return clustered()


def flat_truth(docs, queries, metric, k=K):
    """The reference, straight from faiss (not through the harness's exact backend)."""
    import faiss

    index = faiss.IndexFlatIP(docs.shape[1]) if metric == "ip" else faiss.IndexFlatL2(docs.shape[1])
    index.add(docs)
    dist, ids = index.search(queries, k)
    return ids, (dist if metric == "ip" else -dist)


def recall_of(be, docs, queries, metric):
    t_ids, t_scores = flat_truth(docs, queries, metric)
    ids, scores = be.search(queries, K)
    assert ids.dtype == np.int64 and ids.shape == (len(queries), K)
    assert scores.dtype == np.float32 and scores.shape == (len(queries), K)
    found = true_scores_of(ids, queries, docs, metric)
    return float(knn_recall(ids, t_ids, t_scores, found, K).mean()), scores, found


CASES = [
    # name, build, search, min recall@10 (measured on this data: see the comments)
    ("faiss-rabitq", {"nb_bits": 4}, {}, 0.75),  # 0.83: 4-bit codes alone
    ("faiss-rabitq", {"refine": True}, {"k_factor": 10}, 0.97),  # 1.00
    ("faiss-ivf-rabitq", {"nlist": 16, "nb_bits": 4}, {"nprobe": 8}, 0.8),  # 0.89
    ("faiss-ivf-rabitq", {"nlist": 16, "refine": True}, {"nprobe": 8, "k_factor": 10}, 0.97),
    ("faiss-hnsw-rabitq", {"M": 16, "refine": True}, {"efSearch": 64, "k_factor": 10}, 0.97),
    ("faiss-nsg", {"R": 16}, {"search_L": 64}, 0.97),  # 0.998
]


@pytest.mark.parametrize("metric", ["ip", "l2"])
@pytest.mark.parametrize(("name", "build", "search", "floor"), CASES)
def test_recall_against_faiss_flat(data, name, build, search, floor, metric):
    docs, queries = data
    be = make(name, metric, build, search, docs=docs)
    rec, scores, found = recall_of(be, docs, queries, metric)
    assert rec >= floor, (name, metric, rec)
    assert np.all(np.diff(scores, axis=1) <= 1e-5)  # higher is better, best first
    # re-ranked and graph-on-float scores are exact; code estimates are close
    tol = 1e-4 if build.get("refine") or name == "faiss-nsg" else 0.1
    np.testing.assert_allclose(scores, found, atol=tol)


def test_codes_alone_lose_recall_that_refine_recovers(data):
    docs, queries = data
    be = make("faiss-ivf-rabitq", "ip", {"nlist": 16, "refine": True}, {"nprobe": 16}, docs=docs)
    alone = recall_of(be, docs, queries, "ip")[0]
    be.prepare({"nprobe": 16, "k_factor": 10})
    refined = recall_of(be, docs, queries, "ip")[0]
    assert alone < 0.6 < 0.97 < refined  # 1-bit codes at d=32: ~0.3 alone


def test_rabitq_parameters_reach_the_index(data):
    import faiss

    docs, _ = data
    flat = make("faiss-rabitq", "l2", {"nb_bits": 3}, {"qb": 6, "centered": True}, docs=docs)
    assert isinstance(flat.index, faiss.IndexRaBitQ) and flat.index.rabitq.nb_bits == 3
    assert flat.index.metric_type == faiss.METRIC_L2
    assert isinstance(flat._params, faiss.RaBitQSearchParameters)
    assert (flat._params.qb, flat._params.centered) == (6, True)

    ivf = make(
        "faiss-ivf-rabitq", "ip", {"nlist": 12, "refine": True}, {"nprobe": 5, "qb": 2,
                                                                   "k_factor": 3}, docs=docs
    )
    assert isinstance(ivf.index, faiss.IndexRefineFlat)
    inner = faiss.downcast_index(ivf.index.base_index)
    assert isinstance(inner, faiss.IndexIVFRaBitQ) and inner.nlist == 12
    assert inner.metric_type == faiss.METRIC_INNER_PRODUCT and inner.cp.seed == 1234
    assert isinstance(ivf._params, faiss.IndexRefineSearchParameters)
    assert ivf._params.k_factor == 3
    base = ivf._base_params  # what base_index_params points at
    assert isinstance(base, faiss.IVFRaBitQSearchParameters) and (base.nprobe, base.qb) == (5, 2)

    hnsw = make("faiss-hnsw-rabitq", "ip", {"M": 12, "efConstruction": 33},
                {"efSearch": 77, "qb": 8}, docs=docs)
    assert isinstance(hnsw.index, faiss.IndexHNSWRaBitQ)
    assert hnsw.index.metric_type == faiss.METRIC_L2  # the inner product searched through L2
    assert hnsw.index.d == docs.shape[1] + 1  # ... with one more coordinate
    assert hnsw.index.hnsw.efConstruction == 33 and hnsw.index.hnsw.nb_neighbors(1) == 12
    assert hnsw._params.efSearch == 77 and faiss.downcast_index(hnsw.index.storage).qb == 8


def test_rabitq_refuses_what_it_cannot_do(data):
    docs, _ = data
    be = make("faiss-rabitq", "ip", {}, docs=docs)
    with pytest.raises(ValueError, match="k_factor=4 needs the build parameter refine: true"):
        be.prepare({"k_factor": 4})
    refined = make("faiss-rabitq", "ip", {"refine": True}, docs=docs)
    with pytest.raises(ValueError, match=r"k_factor must be 0 \(off\) or >= 1, got 0.5"):
        refined.prepare({"k_factor": 0.5})


def test_nsg_parameters_reach_the_index(data):
    import faiss

    docs, queries = data
    be = make("faiss-nsg", "l2", {"R": 12, "GK": 24}, {"search_L": 5}, docs=docs)
    assert isinstance(be.index, faiss.IndexNSGFlat) and be.index.metric_type == faiss.METRIC_L2
    assert (be.index.nsg.R, be.index.GK, be.index.nsg.search_L) == (12, 24, 5)
    low = recall_of(be, docs, queries, "l2")[0]
    be.prepare({"search_L": 100})
    assert be.index.nsg.search_L == 100
    assert low < 0.95 < recall_of(be, docs, queries, "l2")[0]  # search_L reaches the search
    with pytest.raises(ValueError, match="GK=64 needs more than GK vectors"):
        make("faiss-nsg", "ip", {}, docs=docs[:50])


@pytest.mark.parametrize(
    ("name", "build"),
    [
        ("faiss-rabitq", {}),
        ("faiss-rabitq", {"refine": True}),
        ("faiss-ivf-rabitq", {"nlist": 8}),
        ("faiss-hnsw-rabitq", {"M": 8}),
        ("faiss-nsg", {"R": 8}),
    ],
)
def test_nbytes_grows_with_n(data, name, build):
    docs, _ = data
    small = make(name, "l2", build, docs=docs[:1000]).nbytes()
    large = make(name, "l2", build, docs=docs).nbytes()
    assert 0 < small < large
    per_vector = (large - small) / 1000
    if name == "faiss-rabitq" and not build:
        # 1-bit codes: d/8 bytes + a few float32 factors per vector, far below float32's 4*d
        assert docs.shape[1] / 8 <= per_vector < docs.shape[1]
    if build.get("refine"):
        assert per_vector >= 4 * docs.shape[1]  # the float32 copy is counted


def test_hnsw_rabitq_inner_product_on_any_norms(data):
    """IndexHNSWRaBitQ is L2-only: the inner product goes through the reduction to L2, which
    ranks exactly as the inner product whatever the document norms (no unit-vector shortcut)."""
    docs, queries = data
    scaled = docs * np.linspace(0.5, 2.0, len(docs), dtype=np.float32)[:, None]
    be = make("faiss-hnsw-rabitq", "ip", {"M": 16, "refine": True},
              {"efSearch": 64, "k_factor": 10}, docs=scaled)
    rec, scores, found = recall_of(be, scaled, queries, "ip")
    assert rec >= 0.9  # 0.94 measured: norms 0.5-2 make the graph search harder
    np.testing.assert_allclose(scores, found, atol=1e-4)
    # the reduction matters: the same index searched by plain L2 ranks by distance instead
    t_ids = flat_truth(scaled, queries, "ip")[0]
    l2 = make("faiss-hnsw-rabitq", "l2", {"M": 16, "refine": True},
              {"efSearch": 64, "k_factor": 10}, docs=scaled)
    l2_ids = l2.search(queries, K)[0]
    overlap = np.mean([len(set(a) & set(b)) / K for a, b in zip(l2_ids, t_ids, strict=True)])
    assert overlap < 0.8
