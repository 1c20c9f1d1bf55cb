"""IR metrics: hand-computed values and a randomized cross-check against pytrec_eval."""

from __future__ import annotations

import math

import numpy as np
import pytest
import pytrec_eval

from harness.metrics.ir import METRIC_FAMILIES, MetricName, parse_metric, qrels_evaluate, trec_order

L2 = math.log2


def _eval(rows, qrels, metrics, doc_ids=None):
    """rows: {qid: [(doc, score), ...]} -> (evaluated ids, values); pads short rows with -1."""
    docs = doc_ids or sorted({d for r in rows.values() for d, _ in r})
    index = {d: i for i, d in enumerate(docs)}
    width = max(len(r) for r in rows.values())
    qids = list(rows)
    ids = np.full((len(qids), width), -1, dtype=np.int64)
    scores = np.zeros((len(qids), width))
    for i, q in enumerate(qids):
        for j, (d, s) in enumerate(rows[q]):
            ids[i, j] = index[d]
            scores[i, j] = s
    return qrels_evaluate(ids, scores, docs, qids, qrels, metrics)


# ---------------------------------------------------------------- parse_metric


def test_parse_metric_spellings():
    assert parse_metric("nDCG@10") == MetricName("ndcg", 10)
    assert parse_metric("precision@5") == MetricName("p", 5)
    assert parse_metric("success@3").name == "hit@3"
    assert parse_metric("MAP@100").name == "map@100"
    assert {parse_metric(f"{f}@1").family for f in METRIC_FAMILIES} == set(METRIC_FAMILIES)


@pytest.mark.parametrize(
    ("bad", "suggestion"),
    [("ndgc@10", "ndcg"), ("recal@100", "recall"), ("ndcg", "ndcg@10"), ("mrr@0", "mrr@10")],
)
def test_parse_metric_errors_suggest(bad, suggestion):
    with pytest.raises(ValueError) as exc:
        parse_metric(bad)
    msg = str(exc.value)
    assert "\n" not in msg
    assert "expected" in msg
    assert f"did you mean '{suggestion}" in msg


# ---------------------------------------------------------------- trec_order


def test_trec_order_ties_descending_docid_and_empty_last():
    docs = ["a", "b", "aa", "ab", "B", "z"]
    ids = np.array([[0, -1, 1, 2, 3, 4, 5]])
    scores = np.array([[0.5, 9.0, 0.5, 0.5, 0.5, 0.5, 0.7]])
    ids_before, scores_before = ids.copy(), scores.copy()
    out = trec_order(ids, scores, docs)
    # z (0.7) first; then the 0.5 ties by id descending: "b" > "ab" > "aa" > "a" > "B"; -1 last
    assert [docs[i] if i >= 0 else None for i in out[0]] == ["z", "b", "ab", "aa", "a", "B", None]
    np.testing.assert_array_equal(ids, ids_before)
    np.testing.assert_array_equal(scores, scores_before)
    assert out is not ids


def test_trec_order_no_ties_is_score_order_and_deterministic():
    rng = np.random.default_rng(0)
    scores = rng.random((20, 30))
    ids = np.argsort(rng.random((20, 200)), axis=1)[:, :30]
    docs = [f"d{i}" for i in range(200)]
    out = trec_order(ids, scores, docs)
    expect = np.take_along_axis(ids, np.argsort(-scores, axis=1), axis=1)
    np.testing.assert_array_equal(out, expect)
    np.testing.assert_array_equal(out, trec_order(ids, scores, docs))


def test_trec_order_rejects_nan():
    with pytest.raises(ValueError, match="NaN"):
        trec_order(np.array([[0, 1]]), np.array([[np.nan, 1.0]]), ["a", "b"])


# ---------------------------------------------------------------- hand-computed values


def test_graded_hand_computed():
    # run order d1..d5 (scores distinct); qrels graded: d1=0, d2=3, d3=not judged, d4=1, d5=2,
    # plus d9=2 relevant but not retrieved. Relevant (>=1): d2, d4, d5, d9 -> 4.
    rows = {"q": [("d1", 0.9), ("d2", 0.8), ("d3", 0.7), ("d4", 0.6), ("d5", 0.5)]}
    qrels = {"q": {"d1": 0, "d2": 3, "d4": 1, "d5": 2, "d9": 2}}
    metrics = [
        "ndcg@3",
        "ndcg@5",
        "map@5",
        "recall@5",
        "p@5",
        "p@10",
        "mrr@1",
        "mrr@5",
        "hit@1",
        "hit@2",
        "map@2",
        "recall@2",
    ]
    qids, v = _eval(rows, qrels, metrics)
    assert qids == ["q"]
    # ndcg@3: DCG = 3/log2(3); ideal gains 3,2,2 -> 3/log2(2) + 2/log2(3) + 2/log2(4)
    assert v["ndcg@3"][0] == pytest.approx((3 / L2(3)) / (3 + 2 / L2(3) + 1), abs=1e-12)
    # ndcg@5: DCG = 3/log2(3) + 1/log2(5) + 2/log2(6); ideal 3,2,2,1 at ranks 1..4
    dcg5 = 3 / L2(3) + 1 / L2(5) + 2 / L2(6)
    idcg5 = 3 + 2 / L2(3) + 2 / L2(4) + 1 / L2(5)
    assert v["ndcg@5"][0] == pytest.approx(dcg5 / idcg5, abs=1e-12)
    # map@5: relevant at ranks 2,4,5 -> precisions 1/2, 2/4, 3/5; divided by 4 relevant
    assert v["map@5"][0] == pytest.approx((0.5 + 0.5 + 0.6) / 4, abs=1e-12)
    assert v["map@2"][0] == pytest.approx(0.5 / 4, abs=1e-12)  # only rank 2
    assert v["recall@5"][0] == pytest.approx(3 / 4)
    assert v["recall@2"][0] == pytest.approx(1 / 4)
    assert v["p@5"][0] == pytest.approx(3 / 5)
    assert v["p@10"][0] == pytest.approx(3 / 10)  # fewer than k retrieved: still divide by 10
    assert v["mrr@1"][0] == 0.0  # first relevant at rank 2 > 1
    assert v["mrr@5"][0] == pytest.approx(1 / 2)
    assert v["hit@1"][0] == 0.0
    assert v["hit@2"][0] == 1.0


def test_fewer_than_k_results_and_skipped_queries():
    # q1 retrieved 2 docs (row padded with -1); q2 has only a 0 judgment -> skipped;
    # q3 not in qrels -> skipped; q4 retrieves nothing relevant.
    rows = {
        "q1": [("a", 2.0), ("b", 1.0)],
        "q2": [("a", 1.0), ("b", 0.5), ("c", 0.1)],
        "q3": [("c", 1.0)],
        "q4": [("c", 3.0), ("a", 2.0), ("b", 1.0)],
    }
    qrels = {"q1": {"b": 1, "x": 1}, "q2": {"a": 0}, "q4": {"x": 2}}
    qids, v = _eval(rows, qrels, ["ndcg@10", "map@10", "recall@10", "p@10", "mrr@10", "hit@10"])
    assert qids == ["q1", "q4"]
    # q1: b at rank 2 with gain 1: DCG = 1/log2(3); ideal 1,1 -> 1 + 1/log2(3)
    assert v["ndcg@10"][0] == pytest.approx((1 / L2(3)) / (1 + 1 / L2(3)), abs=1e-12)
    assert v["map@10"][0] == pytest.approx((1 / 2) / 2)  # precision 1/2 at rank 2, 2 relevant
    assert v["recall@10"][0] == pytest.approx(1 / 2)
    assert v["p@10"][0] == pytest.approx(1 / 10)
    assert v["mrr@10"][0] == pytest.approx(1 / 2)
    assert v["hit@10"][0] == 1.0
    for name in v:
        assert v[name][1] == 0.0
        assert v[name].dtype == np.float64


def test_ties_are_broken_by_descending_doc_id():
    # all three tie at 1.0; trec order is "c", "b", "a" (descending id) -> relevant "a" is rank 3
    rows = {"q": [("a", 1.0), ("b", 1.0), ("c", 1.0)]}
    qrels = {"q": {"a": 3, "c": 0}}
    _, v = _eval(rows, qrels, ["mrr@3", "mrr@2", "ndcg@3", "p@1"])
    assert v["mrr@3"][0] == pytest.approx(1 / 3)
    assert v["mrr@2"][0] == 0.0
    assert v["ndcg@3"][0] == pytest.approx((3 / L2(4)) / 3)  # DCG 3/log2(4), ideal 3/log2(2)
    assert v["p@1"][0] == 0.0


def test_negative_grades_and_duplicates():
    # "n" graded -1: not relevant and gain 0. "r" appears twice: only the first copy counts.
    rows = {"q": [("n", 0.9), ("r", 0.8), ("r", 0.7)]}
    qrels = {"q": {"n": -1, "r": 2}}
    _, v = _eval(rows, qrels, ["ndcg@3", "recall@3", "p@3", "map@3"])
    assert v["ndcg@3"][0] == pytest.approx((2 / L2(3)) / 2)
    assert v["recall@3"][0] == 1.0
    assert v["p@3"][0] == pytest.approx(1 / 3)
    assert v["map@3"][0] == pytest.approx(1 / 2)


# ---------------------------------------------------------------- pytrec_eval cross-check

KS = (1, 5, 10, 100)
MEASURES = set()
for _k in KS:
    MEASURES |= {f"ndcg_cut.{_k}", f"map_cut.{_k}", f"recall.{_k}", f"P.{_k}", f"success.{_k}"}
MEASURES.add("recip_rank")


def _random_case(seed: int):
    rng = np.random.default_rng(seed)
    n_docs, n_q = int(rng.integers(120, 260)), 50
    # ids of varying length and shared prefixes, so descending-string tie breaks matter
    doc_ids = [
        f"{'d' * int(rng.integers(1, 4))}{rng.integers(0, 10 ** int(rng.integers(1, 5)))}_{i}"
        for i in range(n_docs)
    ]
    rng.shuffle(doc_ids)
    query_ids = [f"q{i}" for i in range(n_q)]
    width = int(rng.choice([5, 37, 100, 120]))
    width = min(width, n_docs)
    ids = np.argsort(rng.random((n_q, n_docs)), axis=1)[:, :width]
    scores = rng.normal(size=(n_q, width))
    if seed % 3 != 2:
        scores = np.round(scores, 1)  # heavy ties
    if seed % 2:
        scores = np.round(scores * 2) / 2  # even heavier
    # some queries with fewer results than width
    short = rng.random(n_q) < 0.2
    cut = rng.integers(0, width + 1, size=n_q)
    ids[short[:, None] & (np.arange(width)[None, :] >= cut[:, None])] = -1
    qrels: dict[str, dict[str, int]] = {}
    for q in query_ids:
        if rng.random() < 0.1:
            continue  # unjudged query
        judged = rng.choice(n_docs, size=int(rng.integers(1, 40)), replace=False)
        grades = rng.choice([0, 0, 0, 1, 1, 2, 3, -1], size=len(judged))
        if rng.random() < 0.1:
            grades[:] = 0  # judged but nothing relevant: skipped
        qrels[q] = {doc_ids[d]: int(g) for d, g in zip(judged, grades, strict=True)}
    return ids, scores, doc_ids, query_ids, qrels


def _run_dict(ids, scores, doc_ids, query_ids, rows=None):
    run = {}
    for i, q in enumerate(query_ids):
        row = rows[i] if rows is not None else ids[i]
        sc = dict(zip(ids[i].tolist(), scores[i].tolist(), strict=True))
        run[q] = {doc_ids[d]: sc[d] for d in row.tolist() if d >= 0}
    return run


def test_pytrec_eval_measure_keys():
    ev = pytrec_eval.RelevanceEvaluator({"q": {"a": 1}}, {"ndcg_cut.5", "success.5", "P.5"})
    assert set(ev.evaluate({"q": {"a": 1.0}})["q"]) == {"ndcg_cut_5", "success_5", "P_5"}


def _trec_sorted_reference(run_q: dict[str, float]) -> list[str]:
    """Independent trec order: score desc, doc id desc (python string order == strcmp)."""
    return sorted(run_q, key=lambda d: (run_q[d], d), reverse=True)


@pytest.mark.parametrize("seed", range(30))
def test_cross_check_pytrec_eval(seed):
    ids, scores, doc_ids, query_ids, qrels = _random_case(seed)
    metrics = [f"{f}@{k}" for f in METRIC_FAMILIES for k in KS]
    qids, ours = qrels_evaluate(ids, scores, doc_ids, query_ids, qrels, metrics)
    expect_q = [q for q in query_ids if any(v > 0 for v in qrels.get(q, {}).values())]
    assert qids == expect_q

    run = _run_dict(ids, scores, doc_ids, query_ids)
    ref = pytrec_eval.RelevanceEvaluator(qrels, MEASURES).evaluate(run)
    # trec_order agrees with an independent sort of the run dict
    ordered = trec_order(ids, scores, doc_ids)
    for i, q in enumerate(query_ids):
        assert [doc_ids[d] for d in ordered[i] if d >= 0] == _trec_sorted_reference(run[q])

    for k in KS:
        trunc = {q: {d: run[q][d] for d in _trec_sorted_reference(run[q])[:k]} for q in qids}
        ref_rr = pytrec_eval.RelevanceEvaluator(qrels, {"recip_rank"}).evaluate(trunc)
        for fam, key in [
            ("ndcg", f"ndcg_cut_{k}"),
            ("map", f"map_cut_{k}"),
            ("recall", f"recall_{k}"),
            ("p", f"P_{k}"),
            ("hit", f"success_{k}"),
        ]:
            want = np.array([ref[q][key] for q in qids])
            np.testing.assert_allclose(
                ours[f"{fam}@{k}"], want, rtol=0, atol=1e-9, err_msg=f"{fam}@{k}"
            )
        want_rr = np.array([ref_rr[q]["recip_rank"] if q in ref_rr else 0.0 for q in qids])
        np.testing.assert_allclose(ours[f"mrr@{k}"], want_rr, rtol=0, atol=1e-9)
    if ids.shape[1] <= 100:  # the whole run fits in the cutoff: mrr@100 is plain recip_rank
        want = np.array([ref[q]["recip_rank"] for q in qids])
        np.testing.assert_allclose(ours["mrr@100"], want, rtol=0, atol=1e-9)
