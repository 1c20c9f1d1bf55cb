"""The second stage against hand-written pipelines: bm25s + numpy cosine + pytrec_eval, and
sentence-transformers' CrossEncoder called directly on the same pairs."""

from __future__ import annotations

import numpy as np
import pytest

from harness.execution.reranking import BiEncoderReranker, CrossEncoderReranker

DOCS = [
    "the cat sat on the mat", "dogs chase cats in the park", "stock markets fell sharply today",
    "the central bank raised interest rates", "a cat and a dog became friends",
    "football team wins the league", "new phone released with a better camera",
    "rates of inflation slow down", "the park opens a new playground", "league title race tightens",
]
QUERIES = ["cat on a mat", "interest rates and inflation", "league football", "dog in the park"]
QRELS = {"q0": {"d0": 1, "d4": 1}, "q1": {"d3": 1, "d7": 1}, "q2": {"d5": 1, "d9": 1},
         "q3": {"d1": 1, "d8": 1}}


def _vectors(n: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((n, 16)).astype(np.float32)


def _ndcg(ids: np.ndarray, scores: np.ndarray) -> dict[str, float]:
    import pytrec_eval

    run = {f"q{i}": {f"d{int(d)}": float(s) for d, s in zip(row, srow, strict=True) if d >= 0}
           for i, (row, srow) in enumerate(zip(ids, scores, strict=True))}
    ev = pytrec_eval.RelevanceEvaluator(QRELS, {"ndcg_cut.3"})
    return {q: m["ndcg_cut_3"] for q, m in ev.evaluate(run).items()}


def test_bi_encoder_rerank_of_bm25_equals_a_hand_written_pipeline():
    bm25s = pytest.importorskip("bm25s")
    from harness.lexical.bm25 import BM25Index

    n, k = 6, 3
    qv, dv = _vectors(len(QUERIES), 1), _vectors(len(DOCS), 2)
    # by hand: bm25s top-n, cosine of the second model, best k, pytrec_eval
    import Stemmer

    stem = Stemmer.Stemmer("english")
    retriever = bm25s.BM25()

    def tokens(texts: list[str]):
        return bm25s.tokenize(texts, stopwords="en", stemmer=stem, show_progress=False)

    retriever.index(tokens(DOCS), show_progress=False)
    top, lexical = retriever.retrieve(tokens(QUERIES), k=n, show_progress=False)
    top = np.where(lexical > 0, top, -1)  # bm25s pads with unmatched documents; drop them
    qn = qv / np.linalg.norm(qv, axis=1, keepdims=True)
    dn = dv / np.linalg.norm(dv, axis=1, keepdims=True)
    cos = np.einsum("qd,qnd->qn", qn.astype(np.float64), dn[top].astype(np.float64))
    cos[top < 0] = -np.inf
    order = np.argsort(-cos, axis=1, kind="stable")[:, :k]
    want_ids = np.take_along_axis(top, order, axis=1)
    want = _ndcg(want_ids, np.take_along_axis(cos, order, axis=1))

    first = BM25Index()
    first.build(DOCS)
    cand, _ = first.search(QUERIES, n)
    np.testing.assert_array_equal(np.sort(cand, axis=1), np.sort(top, axis=1))
    ids, scores = BiEncoderReranker(qv, dv, "cosine")(np.arange(len(QUERIES)), cand, k)
    np.testing.assert_array_equal(ids, want_ids)
    np.testing.assert_allclose(scores, np.take_along_axis(cos, order, axis=1), atol=1e-6)
    assert (ids < 0).any() and (ids >= 0).sum() > len(QUERIES)  # padding sorts last
    got = _ndcg(ids, scores)
    assert got.keys() == want.keys() and max(abs(got[q] - want[q]) for q in got) <= 1e-9
    assert 0 < sum(got.values()) < len(got)  # a real mix of hits and misses
    assert BiEncoderReranker(qv, dv).bytes_per_doc() == 16 * 4


@pytest.fixture(scope="module")
def tiny_cross_encoder(tmp_path_factory):
    """A random 2-layer BERT with one output label, saved with a word-level vocabulary."""
    pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    folder = tmp_path_factory.mktemp("tiny-ce")
    words = sorted({w for t in DOCS + QUERIES for w in t.split()})
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *words]
    (folder / "vocab.txt").write_text("\n".join(vocab) + "\n")
    transformers.BertTokenizer(str(folder / "vocab.txt")).save_pretrained(folder)
    config = transformers.BertConfig(vocab_size=len(vocab), hidden_size=32, num_hidden_layers=2,
                                     num_attention_heads=2, intermediate_size=64, num_labels=1,
                                     initializer_range=0.5)
    import torch

    torch.manual_seed(0)
    transformers.BertForSequenceClassification(config).save_pretrained(folder)
    return folder


def test_cross_encoder_rerank_equals_sentence_transformers_scoring(tiny_cross_encoder):
    from sentence_transformers import CrossEncoder

    from harness.encoders.cross import STCrossEncoder

    cand = np.array([[0, 4, 1, 8, -1], [3, 7, 2, 9, 5]])
    rows, k = np.array([0, 1]), 3
    scorer = STCrossEncoder(tiny_cross_encoder, batch_size=4)
    ids, scores = CrossEncoderReranker(scorer, QUERIES, DOCS)(rows, cand, k)
    direct = CrossEncoder(str(tiny_cross_encoder), device="cpu")
    for r, q in enumerate(rows):
        docs = [int(d) for d in cand[r] if d >= 0]
        s = np.asarray(direct.predict([(QUERIES[q], DOCS[d]) for d in docs]), dtype=np.float32)
        best = np.argsort(-s, kind="stable")[:k]
        assert ids[r].tolist() == [docs[i] for i in best]
        np.testing.assert_allclose(scores[r], s[best], rtol=1e-5, atol=1e-6)
    assert len(set(scores.ravel().tolist())) == scores.size  # random weights, no ties
    assert (ids != cand[:, :k]).any()  # the second stage did re-order the first
    assert scorer.nbytes() == 4 * sum(p.numel() for p in direct.model.parameters()) + sum(
        b.numel() * b.element_size() for b in direct.model.buffers())


class _Hamming:
    """A binary first stage written here: packed sign bits, smallest Hamming distance first."""

    def __init__(self, docs: np.ndarray) -> None:
        self.codes = np.packbits(docs > 0, axis=1)

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        q = np.packbits(queries > 0, axis=1)
        dist = np.unpackbits(q[:, None, :] ^ self.codes[None], axis=2).sum(axis=2)
        ids = np.argsort(dist, axis=1, kind="stable")[:, :k]
        return ids, -np.take_along_axis(dist, ids, axis=1).astype(np.float32)


def test_same_model_float32_rerank_of_a_binary_first_stage_equals_rescore():
    from types import SimpleNamespace

    from harness.embeddings.transforms import l2_normalize
    from harness.execution.searcher import Searcher

    docs, queries = l2_normalize(_vectors(200, 3)), l2_normalize(_vectors(30, 4))
    k, oversample = 5, 4
    prep = SimpleNamespace(raw_queries=queries, raw_docs=docs, raw_metric="cosine")
    first = _Hamming(docs)
    searcher = Searcher(first, prep, queries, k, rescore=oversample)  # type: ignore[arg-type]
    want_ids, want_scores = searcher(searcher.whole())
    cand, _ = first.search(queries, k * oversample)
    ids, scores = BiEncoderReranker(queries, docs)(np.arange(len(queries)), cand, k)
    np.testing.assert_array_equal(ids, want_ids)
    np.testing.assert_allclose(scores, want_scores, rtol=1e-6)
    assert (ids != first.search(queries, k)[0]).any()  # rescoring changed the binary order
