"""BM25Index: hand-computed scores, edge cases, and equality with bm25s on a real BEIR folder."""

from __future__ import annotations

import math

import numpy as np
import pytest

pytest.importorskip("bm25s")
pytest.importorskip("Stemmer")

from harness.lexical.bm25 import METHODS, BM25Index, BM25Options
from harness.metrics.ir import qrels_evaluate

PLAIN = BM25Options(stemmer=None, stopwords=None)  # tokens are the lower-cased words
TINY = ["apple banana", "apple apple cherry", "banana"]


def _index(docs, options=PLAIN) -> BM25Index:
    index = BM25Index(options)
    index.build(docs)
    return index


# ---------------------------------------------------------------- hand-computed values


def test_lucene_scores_hand_computed():
    # N = 3, lengths 2, 3, 1 -> avgdl 2; k1 = 1.5, b = 0.75.
    # idf(apple) = idf(banana) = ln(1 + (3 - 2 + 0.5) / (2 + 0.5)) = ln 1.6 (df = 2)
    # idf(cherry) = ln(1 + 2.5 / 1.5) = ln(8/3)                            (df = 1)
    # tf part = tf / (tf + k1 * (1 - b + b * dl / avgdl)):
    #   doc0 (dl 2): 1 / (1 + 1.5) = 0.4;  doc1 (dl 3): apple 2 / (2 + 2.0625), cherry
    #   1 / (1 + 2.0625);  doc2 (dl 1): 1 / (1 + 1.5 * 0.625) = 1 / 1.9375
    ids, scores = _index(TINY).search(["apple", "Apple cherry", "banana"], 3)
    idf1, idf2 = math.log(1.6), math.log(8 / 3)
    np.testing.assert_array_equal(ids, [[1, 0, -1], [1, 0, -1], [2, 0, -1]])
    want = [
        [2 / 4.0625 * idf1, 0.4 * idf1],
        [2 / 4.0625 * idf1 + 1 / 3.0625 * idf2, 0.4 * idf1],
        [1 / 1.9375 * idf1, 0.4 * idf1],
    ]
    np.testing.assert_allclose(scores[:, :2], want, rtol=1e-6)
    assert scores.dtype == np.float32 and ids.dtype == np.int64
    assert np.isneginf(scores[:, 2]).all()  # doc2 / doc1 do not match: not retrieved


def test_ties_cut_by_document_index():
    # docs 0 and 2 are identical: equal scores, taken in index order, also at the cut
    docs = ["red fish", "blue fish", "red fish", "green"]
    index = _index(docs)
    ids, scores = index.search(["red", "fish", "red"], 3)
    np.testing.assert_array_equal(ids[0], [0, 2, -1])
    assert scores[0, 0] == scores[0, 1]
    np.testing.assert_array_equal(ids[1], [0, 1, 2])  # three equal scores
    one, _ = index.search(["red", "fish"], 1)
    np.testing.assert_array_equal(one[:, 0], [0, 0])


def test_queries_with_no_known_token_return_empty_rows():
    index = _index(TINY, BM25Options())  # english stopwords and stemmer
    ids, scores = index.search(["", "the and of", "zzzqx", "   ", "apples"], 4)
    np.testing.assert_array_equal(ids[:4], -1)
    assert np.isneginf(scores[:4]).all()
    assert ids[4, 0] == 1  # "apples" stems to "appl", as the corpus' "apple" does
    # the metrics count such a query as retrieving nothing: every metric is 0
    qrels = {f"q{i}": {"d0": 1} for i in range(5)}
    _, v = qrels_evaluate(ids, scores, ["d0", "d1", "d2"], list(qrels), qrels, ["ndcg@10"])
    np.testing.assert_array_equal(v["ndcg@10"][:4], 0.0)


def test_k_larger_than_corpus():
    ids, scores = _index(TINY).search(["apple banana cherry", "banana"], 7)
    assert ids.shape == scores.shape == (2, 7)
    assert sorted(ids[0, :3].tolist()) == [0, 1, 2]
    np.testing.assert_array_equal(ids[0, 3:], -1)
    np.testing.assert_array_equal(ids[1], [2, 0, -1, -1, -1, -1, -1])


def test_nbytes_counts_matrix_and_vocabulary():
    import sys

    index = _index(TINY)
    m = index._retriever.scores
    # 5 (document, token) pairs: float32 scores and int32 doc indexes; 3 tokens + 1 indptr
    assert m["data"].nbytes == 5 * 4 and m["indices"].nbytes == 5 * 4
    assert len(m["indptr"]) == 4
    vocab = index._retriever.vocab_dict
    vocab_bytes = sys.getsizeof(vocab) + sum(
        sys.getsizeof(t) + sys.getsizeof(i) for t, i in vocab.items()
    )
    assert index.nbytes() == 40 + m["indptr"].nbytes + vocab_bytes
    plus = _index(TINY, BM25Options(stemmer=None, stopwords=None, method="bm25+"))
    assert plus.nbytes() == index.nbytes() + 3 * 4  # + the non-occurrence float32 per token
    assert BM25Index(PLAIN).nbytes() == 0


def test_options_and_fingerprint():
    base = BM25Options()
    assert base.fingerprint() == BM25Options(delta=2.0).fingerprint()  # lucene ignores delta
    assert base.fingerprint() != BM25Options(k1=1.2).fingerprint()
    assert base.fingerprint() != BM25Options(stemmer=None).fingerprint()
    plus = BM25Options(method="bm25+")
    assert plus.fingerprint() != BM25Options(method="bm25+", delta=1.0).fingerprint()
    assert BM25Index(base).fingerprint() == base.fingerprint()
    for bad, field in [
        ({"method": "bm26"}, "method"),
        ({"b": 1.5}, "b="),
        ({"k1": -1}, "k1="),
        ({"delta": -0.1}, "delta="),
    ]:
        with pytest.raises(ValueError, match=field):
            BM25Options(**bad)
    with pytest.raises(ValueError, match="stemmer"):
        BM25Index(BM25Options(stemmer="klingon"))
    with pytest.raises(ValueError, match="stopwords"):
        BM25Index(BM25Options(stopwords="klingon"))


def test_errors():
    with pytest.raises(RuntimeError, match="before build"):
        BM25Index(PLAIN).search(["apple"], 1)
    with pytest.raises(ValueError, match="empty"):
        BM25Index(PLAIN).build([])
    with pytest.raises(ValueError, match="indexable"):
        BM25Index(BM25Options()).build(["the", "a"])  # only stopwords


# ---------------------------------------------------------------- equality with bm25s


def _bm25s_direct(ds, method: str):
    """bm25s used as its README shows, with the same settings; full score vectors too."""
    import bm25s
    import Stemmer

    stemmer = Stemmer.Stemmer("english")
    retriever = bm25s.BM25(k1=1.5, b=0.75, delta=0.5, method=method)
    corpus = bm25s.tokenize(list(ds.docs), stopwords="en", stemmer=stemmer, show_progress=False)
    retriever.index(corpus, show_progress=False)
    queries = bm25s.tokenize(list(ds.queries), stopwords="en", stemmer=stemmer,
                             show_progress=False)
    docs, scores = retriever.retrieve(queries, k=10, n_threads=0, show_progress=False)
    as_words = bm25s.tokenize(list(ds.queries), stopwords="en", stemmer=stemmer,
                              return_ids=False, show_progress=False)
    doc_words = bm25s.tokenize(list(ds.docs), stopwords="en", stemmer=stemmer,
                               return_ids=False, show_progress=False)
    return retriever, docs, scores, as_words, doc_words


def _reference_top10(retriever, words, postings, n_docs):
    """Score desc, index asc over the documents holding a query word, from bm25s's scores."""
    known = [w for w in words if w in retriever.vocab_dict]
    if not known:
        return np.empty(0, dtype=np.int64)
    full = retriever.get_scores(known)
    matched = np.array(sorted(set().union(*(postings[w] for w in known))), dtype=np.int64)
    order = np.lexsort((matched, -full[matched]))
    return matched[order][:10]


def _ndcg_both_ways(ds, ids, scores):
    import pytrec_eval

    qids, ours = qrels_evaluate(ids, scores, ds.doc_ids, ds.query_ids, ds.qrels, ["ndcg@10"])
    run = {
        q: {ds.doc_ids[d]: float(s) for d, s in zip(ids[i], scores[i], strict=True) if d >= 0}
        for i, q in enumerate(ds.query_ids)
    }
    ref = pytrec_eval.RelevanceEvaluator(ds.qrels, {"ndcg_cut.10"}).evaluate(run)
    trec = np.array([ref[q]["ndcg_cut_10"] if q in ref else 0.0 for q in qids])
    np.testing.assert_allclose(ours["ndcg@10"], trec, rtol=0, atol=1e-9)
    return ours["ndcg@10"]


@pytest.mark.parametrize("method", METHODS)
def test_equals_bm25s_on_bbc_beir(bbc_beir, method):
    ds = bbc_beir
    retriever, b_ids, b_scores, words, doc_words = _bm25s_direct(ds, method)
    index = BM25Index(BM25Options(method=method))
    index.build(ds.docs)
    ids, scores = index.search(ds.queries, 10)

    postings: dict[str, set[int]] = {}
    for d, toks in enumerate(doc_words):
        for t in toks:
            postings.setdefault(t, set()).add(d)
    for i in range(ds.n_queries):
        want = _reference_top10(retriever, words[i], postings, ds.n_docs)
        n = len(want)
        np.testing.assert_array_equal(ids[i, :n], want)
        np.testing.assert_array_equal(ids[i, n:], -1)
        # the scores of our slots are bm25s's, bit for bit, in bm25s's own top-10 order
        np.testing.assert_array_equal(scores[i, :n], b_scores[i, :n])
    # bm25s's own top-10, tie order made canonical, is ours wherever every slot matched and
    # no tie straddles the 10th score (there bm25s's pick among equals is arbitrary)
    canon = np.take_along_axis(b_ids, np.lexsort((b_ids, -b_scores), axis=1), axis=1)
    full = (ids >= 0).all(axis=1)
    same = (canon == ids).all(axis=1)
    assert same[full].mean() > 0.99
    for i in np.flatnonzero(full & ~same):  # differences only among equal scores at the cut
        diff = canon[i] != ids[i]
        assert (b_scores[i][diff] == b_scores[i, 9]).all()

    ndcg_ours = _ndcg_both_ways(ds, ids, scores)
    ndcg_bm25s = _ndcg_both_ways(ds, b_ids, b_scores)
    np.testing.assert_allclose(ndcg_ours, ndcg_bm25s, rtol=0, atol=1e-9)
    assert abs(ndcg_ours.mean() - ndcg_bm25s.mean()) <= 1e-9
    assert 0.8 < ndcg_ours.mean() < 0.86  # headline -> article body is easy for BM25
