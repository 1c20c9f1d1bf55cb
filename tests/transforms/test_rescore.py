"""Rescoring: oversample with the quantized index, re-rank with float32 or int8 documents."""

from __future__ import annotations

import numpy as np
import pytest

from harness.backends.base import HARNESS_SEARCH_PARAMS, IndexInput, IndexMemory
from harness.embeddings.prepared import prepare
from harness.embeddings.transforms import Int8
from harness.execution.searcher import Searcher, rerank
from harness.registry import BACKENDS


def float_topk(prep, k):
    scores = prep.raw_queries @ prep.raw_docs.T
    return np.argsort(-scores, axis=1, kind="stable")[:, :k]


def recall(ids, truth):
    return np.mean([len(set(a) & set(b)) / len(b) for a, b in zip(ids, truth, strict=True)])


def binary_case():
    """Every document has the same sign pattern: Hamming cannot tell them apart at all."""
    rng = np.random.default_rng(0)
    docs = rng.uniform(0.05, 1.0, size=(60, 16)).astype(np.float32)
    queries = docs[:10] + rng.uniform(0, 0.02, size=(10, 16)).astype(np.float32)
    prep = prepare(docs, queries, dim=None, metric="cosine", precision="binary")
    backend = BACKENDS.get("exact").load()(prep.metric, {}, threads=1)
    backend.build(IndexInput(prep.docs, prep.metric, prep.precision))
    return prep, backend


@pytest.mark.parametrize("rescore_with", ["float32", "int8"])
def test_rescoring_recovers_binary_recall(rescore_with):
    prep, backend = binary_case()
    k = 5
    truth = float_topk(prep, k)
    plain = Searcher(backend, prep, prep.queries, k)
    ids, _ = plain(plain.whole())
    rescored = Searcher(backend, prep, prep.queries, k, rescore=12, rescore_with=rescore_with)
    assert rescored.fetch == 60  # k * 12, capped at the corpus size
    r_ids, r_scores = rescored(rescored.whole())
    assert recall(ids, truth) < 0.5
    assert recall(r_ids, truth) == 1.0
    assert (np.diff(r_scores, axis=1) <= 1e-7).all()
    # single-query rows give the same answer as the batch
    one = rescored(rescored.rows()[3])
    np.testing.assert_array_equal(one[0][0], r_ids[3])


def test_rescore_one_reorders_without_oversampling():
    prep, backend = binary_case()
    s = Searcher(backend, prep, prep.queries, 5, rescore=1)
    assert s.fetch == 5
    ids, scores = s(s.whole())
    base, _ = backend.search(prep.queries, 5)
    assert [set(a) for a in ids] == [set(b) for b in base]  # same candidates, re-ordered
    assert (np.diff(scores, axis=1) <= 1e-7).all()


def test_rescore_with_int8_scores_dequantized_corpus_vectors():
    rng = np.random.default_rng(4)
    docs = rng.normal(size=(40, 8)).astype(np.float32)
    queries = rng.normal(size=(3, 8)).astype(np.float32)
    prep = prepare(docs, queries, dim=None, metric="cosine", precision="binary")
    codes, quantizer = prep.int8_docs()
    assert codes.dtype == np.int8 and codes.shape == (40, 8) and quantizer.fit_calls == 1
    assert prep.int8_docs()[0] is codes  # fitted once per prepared cell
    cand = np.tile(np.arange(40), (3, 1))
    cand[:, -1] = -1  # an empty slot sorts last
    ids, scores = rerank(cand, prep.raw_queries, codes, "ip", 10, int8=quantizer)
    expected = prep.raw_queries @ quantizer.decode(codes).T
    expected[:, 39] = -np.inf
    top = np.argsort(-expected, axis=1, kind="stable")[:, :10]
    np.testing.assert_array_equal(ids, top)
    np.testing.assert_allclose(scores, np.take_along_axis(expected, top, axis=1), rtol=1e-5)
    # an int8 cell reuses its own quantizer for int8 rescoring
    p8 = prepare(docs, queries, dim=None, metric="cosine", precision="int8")
    assert p8.int8_docs()[1] is p8.quantizer
    assert isinstance(p8.quantizer, Int8)
    # a per-batch cell's quantizer was last fitted on the queries: rescoring fits the corpus
    pb = prepare(docs, queries, dim=None, metric="cosine", precision="int8-per-batch")
    codes_pb, q_pb = pb.int8_docs()
    assert q_pb is not pb.quantizer
    low = pb.raw_docs.min(axis=0)
    scale = (pb.raw_docs.max(axis=0) - low) / 255.0
    expected_codes = (np.clip(np.rint((pb.raw_docs - low) / scale), 0, 255) - 128).astype(np.int8)
    np.testing.assert_array_equal(codes_pb, expected_codes)


def test_rerank_l2():
    rng = np.random.default_rng(5)
    docs = rng.normal(size=(30, 4)).astype(np.float32)
    q = rng.normal(size=(2, 4)).astype(np.float32)
    cand = np.tile(np.arange(30), (2, 1))
    ids, scores = rerank(cand, q, docs, "l2", 3)
    d2 = ((q[:, None, :] - docs[None]) ** 2).sum(axis=2)
    np.testing.assert_array_equal(ids, np.argsort(d2, axis=1)[:, :3])
    np.testing.assert_allclose(scores, -np.sort(d2, axis=1)[:, :3], rtol=1e-5)


def test_search_params_are_declared():
    assert HARNESS_SEARCH_PARAMS["rescore_with"].problem("int8") is None
    assert "expected one of" in HARNESS_SEARCH_PARAMS["rescore_with"].problem("int4")
    assert HARNESS_SEARCH_PARAMS["rescore"].problem(-1)
    with pytest.raises(ValueError):
        prep, backend = binary_case()
        Searcher(backend, prep, prep.queries, 5, rescore=2, rescore_with="int4")


def test_memory_columns_add_rescoring_vectors_and_the_lexical_leg():
    from harness.execution.lexical_leg import HybridSearcher, LexicalLeg
    from harness.execution.memory import memory_columns

    prep, backend = binary_case()  # 60 documents, 16 dims: 2 code bytes each
    index = backend.memory()
    assert index == IndexMemory(2.0, 0)

    def columns(searcher):
        return memory_columns(index, searcher, len(prep.docs))

    off = columns(Searcher(backend, prep, prep.queries, 5))
    assert off == {"bytes_per_doc": 2.0, "index_fixed_bytes": 0, "rescore_bytes_per_doc": 0.0}
    f32 = columns(Searcher(backend, prep, prep.queries, 5, rescore=4))
    assert f32 == {"bytes_per_doc": 2.0 + 4 * 16, "index_fixed_bytes": 0,
                   "rescore_bytes_per_doc": 4 * 16}
    # int8 rescoring: a byte a dimension, and its fitted range (low, scale) once
    i8 = columns(Searcher(backend, prep, prep.queries, 5, rescore=4, rescore_with="int8"))
    assert i8 == {"bytes_per_doc": 2.0 + 16, "index_fixed_bytes": 2 * 4 * 16,
                  "rescore_bytes_per_doc": 16}
    # a hybrid setting holds its lexical index too: 6,000 bytes over 60 documents
    leg = LexicalLeg(index=None, build_s=0.0, nbytes=6000)
    dense = Searcher(backend, prep, prep.queries, 5, rescore=4)
    hybrid = columns(HybridSearcher(dense, leg, np.array(["q"] * 10, dtype=object), {}))
    assert hybrid["bytes_per_doc"] == 2.0 + 4 * 16 + 100
    assert hybrid["rescore_bytes_per_doc"] == 4 * 16
