"""Two-stage cells through the runner (api.run): against hand-written pipelines, against
`rescore`, and against sentence-transformers' CrossEncoder on the same candidates."""

from __future__ import annotations

import numpy as np
import pytest

from harness import api
from harness.store.runs import RunStore

BM25 = "{ref: bm25, params: {k1: 1.5, b: 0.75, method: lucene, stemmer: english, stopwords: en}}"
SUITE = """\
schema_version: 1
name: two
datasets: [beir:{beir}]
models: [{models}]
precisions: [{precision}]
k: 5
repeats: 1
warmup: 0
evaluate: [ndcg@5]
{extra}
"""


def _run(write_suite, tmp_path, beir, models, extra, precision="float32"):
    text = SUITE.format(beir=beir, models=models, extra=extra, precision=precision)
    opts = api.RunOptions(output=tmp_path / "results", cache_dir=tmp_path / "cache",
                          progress=False, executor="inline", analysis=False, report=False)
    out = api.run(write_suite(text), opts)
    assert out.n_failed == 0
    return out, RunStore(out.run_dir)


def _ranking(store: RunStore, cell_id: str) -> tuple[np.ndarray, np.ndarray]:
    got = store.perquery(cell_id).ranking(0)
    assert got is not None
    return got


def _unit(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)


def test_bi_encoder_rerank_of_bm25_through_the_runner_equals_a_hand_written_pipeline(
        write_suite, tiny_beir, tmp_path):
    pytrec_eval = pytest.importorskip("pytrec_eval")
    pytest.importorskip("bm25s")
    from harness.datasets.beir import load_beir
    from harness.encoders.hashing import HashEncoder, HashOptions
    from harness.execution.lexical_leg import options_of
    from harness.lexical.bm25 import BM25Index

    extra = "rerank: [none, {model: 'hash:64', candidates: 12}]"
    out, store = _run(write_suite, tmp_path, tiny_beir, BM25, extra)
    df = out.frame
    two = df[df["rerank"].notna()].iloc[0]
    one = df[df["rerank"].isna()].iloc[0]
    # by hand: bm25 top-12 (the harness's bm25s index, checked against bm25s itself in
    # test_reranking.py), cosine of the hash encoder's vectors, best 5, pytrec_eval
    ds = load_beir(tiny_beir)
    first = BM25Index(options_of({"k1": 1.5, "b": 0.75, "method": "lucene",
                                  "stemmer": "english", "stopwords": "en"}))
    first.build(list(ds.docs))
    cand, _ = first.search(list(ds.queries), 12)
    enc = HashEncoder(HashOptions(dim=64))
    d = _unit(enc.encode(list(ds.docs), role="document"))
    q = _unit(enc.encode(list(ds.queries), role="query"))
    cos = np.where(cand >= 0, np.einsum("qd,qnd->qn", q, d[np.maximum(cand, 0)]), -np.inf)
    order = np.argsort(-cos, axis=1, kind="stable")[:, :5]
    want_ids = np.take_along_axis(cand, order, axis=1)
    run_dict = {qid: {ds.doc_ids[j]: float(cos[i, o]) for j, o in zip(want_ids[i], order[i],
                                                                      strict=True) if j >= 0}
                for i, qid in enumerate(ds.query_ids)}
    ev = pytrec_eval.RelevanceEvaluator({k: dict(v) for k, v in ds.qrels.items()},
                                        {"ndcg_cut.5"})
    want = np.mean([r["ndcg_cut_5"] for r in ev.evaluate(run_dict).values()])
    assert abs(two["ndcg@5"] - want) <= 1e-9
    ids, _ = _ranking(store, two["cell_id"])
    names = np.asarray(ds.doc_ids)
    assert ids.tolist() == [[str(names[j]) if j >= 0 else "" for j in r] for r in want_ids]
    assert two["ndcg@5"] != one["ndcg@5"]  # the second stage changed the ranking
    assert two["rerank_candidates"] == 12 and two["rerank"] == "hash:64"
    # the re-ranker's float32 vectors are held per document, on top of the bm25 index
    assert two["rerank_bytes_per_doc"] == 64 * 4
    assert two["bytes_per_doc"] == pytest.approx(one["bytes_per_doc"] + 64 * 4)
    assert 0 < two["rerank_ms_p50"] <= two["rerank_ms_p99"]
    assert two["rerank_ms_p50"] < two["latency_p50_ms"]  # a part of the timed call


def test_same_model_float32_rerank_of_a_binary_first_stage_equals_rescore(
        write_suite, tiny_beir, tmp_path):
    extra = ("backends: [{name: exact, search: {rescore: [0, 4]}}]\n"
             "rerank: [none, {model: 'hash:64', candidates: 20}]")
    out, store = _run(write_suite, tmp_path, tiny_beir, "'hash:64'", extra, "binary")
    df = out.frame
    rescored = df[df["rerank"].isna() & df["search_params"].str.contains('"rescore": 4')]
    reranked = df[df["rerank"].notna() & df["search_params"].str.contains('"rescore": 0')]
    assert len(rescored) == 1 and len(reranked) == 1
    a, b = rescored.iloc[0], reranked.iloc[0]
    assert a["ndcg@5"] == b["ndcg@5"]
    ids_a, scores_a = store.perquery(a["cell_id"]).ranking(int(a["setting"]))
    ids_b, scores_b = store.perquery(b["cell_id"]).ranking(int(b["setting"]))
    np.testing.assert_array_equal(ids_a, ids_b)
    np.testing.assert_allclose(scores_a, scores_b, rtol=1e-6)
    plain = df[df["rerank"].isna() & df["search_params"].str.contains('"rescore": 0')].iloc[0]
    ids_p, _ = store.perquery(plain["cell_id"]).ranking(int(plain["setting"]))
    assert (ids_p != ids_b).any()  # the binary order alone differs


@pytest.fixture
def tiny_ce(tmp_path, tiny_beir):
    """A random 2-layer BERT cross-encoder whose vocabulary holds the tiny BEIR words."""
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    from harness.datasets.beir import load_beir

    ds = load_beir(tiny_beir)
    words = sorted({w.lower() for t in [*ds.docs, *ds.queries] for w in t.split()})
    folder = tmp_path / "tiny-ce"
    folder.mkdir()
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *words]
    (folder / "vocab.txt").write_text("\n".join(vocab) + "\n")
    transformers.BertTokenizerFast(str(folder / "vocab.txt")).save_pretrained(folder)
    config = transformers.BertConfig(vocab_size=len(vocab), hidden_size=32, num_hidden_layers=2,
                                     num_attention_heads=2, intermediate_size=64, num_labels=1,
                                     initializer_range=0.5)
    torch.manual_seed(0)
    transformers.BertForSequenceClassification(config).save_pretrained(folder)
    return folder


def test_cross_encoder_rerank_through_the_runner_equals_sentence_transformers(
        write_suite, tiny_beir, tmp_path, tiny_ce):
    from sentence_transformers import CrossEncoder

    from harness.datasets.beir import load_beir

    extra = f"rerank: [none, {{model: 'ce:{tiny_ce}', candidates: 10, batch_size: 4}}]"
    out, store = _run(write_suite, tmp_path, tiny_beir, BM25, extra)
    df = out.frame
    one, two = df[df["rerank"].isna()].iloc[0], df[df["rerank"].notna()].iloc[0]
    ds = load_beir(tiny_beir)
    first_ids, _ = store.perquery(one["cell_id"]).ranking(0)  # bm25's top 5 of the run
    got_ids, got_scores = _ranking(store, two["cell_id"])
    from harness.execution.lexical_leg import options_of
    from harness.lexical.bm25 import BM25Index

    bm25 = BM25Index(options_of({"k1": 1.5, "b": 0.75, "method": "lucene",
                                 "stemmer": "english", "stopwords": "en"}))
    bm25.build(list(ds.docs))
    cand, _ = bm25.search(list(ds.queries), 10)
    assert [[ds.doc_ids[j] for j in r[:5] if j >= 0] for r in cand] == [
        [x for x in r if x] for r in first_ids.tolist()]
    direct = CrossEncoder(str(tiny_ce), device="cpu")
    changed = False
    for i, query in enumerate(ds.queries):
        docs = [int(j) for j in cand[i] if j >= 0]
        s = np.asarray(direct.predict([(query, ds.docs[j]) for j in docs]), dtype=np.float32)
        best = np.argsort(-s, kind="stable")[:5]
        want = [ds.doc_ids[docs[b]] for b in best]
        assert [x for x in got_ids[i].tolist() if x] == want
        np.testing.assert_allclose(got_scores[i][: len(want)], s[best], rtol=1e-5, atol=1e-6)
        changed |= want != [x for x in first_ids[i].tolist() if x][: len(want)]
    assert changed
    params = sum(p.numel() * p.element_size() for p in direct.model.parameters())
    buffers = sum(b.numel() * b.element_size() for b in direct.model.buffers())
    assert two["rerank_model_bytes"] == params + buffers
    assert two["rerank_bytes_per_doc"] == 0 and two["bytes_per_doc"] == one["bytes_per_doc"]


def test_onnx_cross_encoder_folder_scores_as_sentence_transformers(tiny_ce, tmp_path):
    torch = pytest.importorskip("torch")
    pytest.importorskip("onnxruntime")
    import shutil

    from sentence_transformers import CrossEncoder

    from harness.encoders.cross import OnnxCrossEncoder, load_cross_encoder

    direct = CrossEncoder(str(tiny_ce), device="cpu")
    folder = tmp_path / "tiny-ce-onnx"
    folder.mkdir()
    for name in ("tokenizer.json", "config.json"):
        shutil.copy(tiny_ce / name, folder / name)
    model = direct.model.eval()
    ids = torch.ones((1, 6), dtype=torch.long)
    torch.onnx.export(model, (ids, ids, torch.zeros_like(ids)), str(folder / "model.onnx"),
                      input_names=["input_ids", "attention_mask", "token_type_ids"],
                      output_names=["logits"], dynamo=False,
                      dynamic_axes={n: {0: "b", 1: "t"} for n in
                                    ("input_ids", "attention_mask", "token_type_ids")})
    scorer = load_cross_encoder(folder, batch_size=3)
    assert isinstance(scorer, OnnxCrossEncoder)
    pairs = [("apple orchard", "apple fruit orchard harvest sweet"),
             ("car road", "ocean waves sea water fish"), ("music band", "guitar song melody"),
             ("space star", "rocket planet orbit star"), ("bread", "bakery flour oven loaf")]
    want = np.asarray(direct.predict(pairs), dtype=np.float32)
    got = scorer.score(pairs)
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)
    assert np.argsort(-got).tolist() == np.argsort(-want).tolist()
    assert scorer.nbytes() >= (folder / "model.onnx").stat().st_size


def test_hybrid_and_hnsw_first_stages_are_re_ranked_by_the_second_model(
        write_suite, tiny_beir, tmp_path):
    pytest.importorskip("bm25s")
    from harness.datasets.beir import load_beir
    from harness.encoders.hashing import HashEncoder, HashOptions
    from harness.execution.lexical_leg import options_of
    from harness.lexical.bm25 import BM25Index
    from harness.lexical.fusion import FusionOptions, fuse

    extra = ("backends:\n  - {name: exact, search: {hybrid: bm25, fusion: rrf, rrf_k: 60}}\n"
             "  - {name: faiss-hnsw, build: {M: 16, efConstruction: 100}, "
             "search: {efSearch: 64}}\n"
             "rerank: [{model: 'hash:32', candidates: 12}]")
    out, store = _run(write_suite, tmp_path, tiny_beir, "'hash:64'", extra)
    ds = load_beir(tiny_beir)
    enc = {d: HashEncoder(HashOptions(dim=d)) for d in (32, 64)}
    vec = {d: (_unit(e.encode(list(ds.docs), role="document")),
               _unit(e.encode(list(ds.queries), role="query"))) for d, e in enc.items()}
    d64, q64 = vec[64]
    exact = np.argsort(-(q64 @ d64.T), axis=1, kind="stable")[:, :12]
    dense = (exact, np.take_along_axis(q64 @ d64.T, exact, axis=1))
    bm25 = BM25Index(options_of({}))
    bm25.build(list(ds.docs))
    fused, _ = fuse(dense, bm25.search(list(ds.queries), 12), 12, FusionOptions("rrf", 60.0))
    d32, q32 = vec[32]
    names = np.asarray(ds.doc_ids)

    def second(cand: np.ndarray) -> list[list[str]]:
        cos = np.where(cand >= 0, np.einsum("qd,qnd->qn", q32, d32[np.maximum(cand, 0)]),
                       -np.inf)
        top = np.take_along_axis(cand, np.argsort(-cos, axis=1, kind="stable")[:, :5], axis=1)
        return [[str(names[j]) for j in r if j >= 0] for r in top]

    for backend, cand in (("exact", np.asarray(fused)), ("faiss-hnsw", exact)):
        row = out.frame[out.frame["backend"] == backend].iloc[0]
        ids, _ = _ranking(store, row["cell_id"])
        assert [[x for x in r if x] for r in ids.tolist()] == second(cand), backend
        assert row["rerank_bytes_per_doc"] == 32 * 4
