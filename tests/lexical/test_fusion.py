"""Fusion kernels: hand-computed RRF / convex / DBSF, an independent dict implementation on
random runs with ties, and fused metrics cross-checked against pytrec_eval."""

from __future__ import annotations

import math

import numpy as np
import pytest
import pytrec_eval

from harness.lexical.fusion import FusionOptions, convex, dbsf, fuse, rrf
from harness.metrics.ir import qrels_evaluate

# Row 0: the dense leg is given out of order with a tie (2 and 5 at 0.5): canonical order is
# 7, 2, 5, 9 (equal scores by document index). Row 1: the lexical leg found nothing (-1 row)
# and the dense leg has an empty slot in the middle.
DENSE = (np.array([[7, 5, 2, 9], [3, -1, 1, -1]]),
         np.array([[0.875, 0.5, 0.5, 0.125], [2.0, 7.0, 1.0, -np.inf]]))
LEXICAL = (np.array([[4, 5, 2, 8], [-1, -1, -1, -1]]),
           np.array([[10.0, 6.0, 4.0, 2.0], [0.0, 0.0, 0.0, 0.0]]))


def test_rrf_hand_computed_with_ties():
    ids, scores = rrf([DENSE, LEXICAL], 6, rrf_k=60)
    # dense ranks 7:1 2:2 5:3 9:4; lexical ranks 4:1 5:2 2:3 8:4
    # 2: 1/62 + 1/63 and 5: 1/63 + 1/62 tie -> 2 first; 4 and 7 tie at 1/61 -> 4 first;
    # 8 and 9 tie at 1/64 -> 8 first
    np.testing.assert_array_equal(ids[0], [2, 5, 4, 7, 8, 9])
    want = [1 / 62 + 1 / 63, 1 / 63 + 1 / 62, 1 / 61, 1 / 61, 1 / 64, 1 / 64]
    np.testing.assert_allclose(scores[0], want, rtol=0, atol=1e-15)
    assert scores[0, 0] == scores[0, 1] and scores[0, 2] == scores[0, 3]
    # row 1: the dense leg alone (ranks 1, 2), then padding
    np.testing.assert_array_equal(ids[1], [3, 1, -1, -1, -1, -1])
    np.testing.assert_allclose(scores[1, :2], [1 / 61, 1 / 62], rtol=0, atol=1e-15)
    assert np.isneginf(scores[1, 2:]).all()
    top3, _ = rrf([DENSE, LEXICAL], 3, rrf_k=60)  # the cut at k follows the tie order
    np.testing.assert_array_equal(top3[0], [2, 5, 4])
    z_ids, z_scores = rrf([DENSE, LEXICAL], 2, rrf_k=0)
    np.testing.assert_array_equal(z_ids[0], [4, 7])  # 1/1 (twice) beats 1/2 + 1/3
    np.testing.assert_array_equal(z_scores[0], [1.0, 1.0])


def test_convex_minmax_hand_computed():
    ids, scores = convex(DENSE, LEXICAL, 6, alpha=0.25, norm="minmax")
    # dense (0.875 .. 0.125): 7 -> 1, 2 -> 0.5, 5 -> 0.5, 9 -> 0; lexical (10 .. 2):
    # 4 -> 1, 5 -> 0.5, 2 -> 0.25, 8 -> 0; a document a leg did not return gets 0 there.
    # F = 0.25 * dense + 0.75 * lexical
    np.testing.assert_array_equal(ids[0], [4, 5, 2, 7, 8, 9])
    np.testing.assert_allclose(
        scores[0], [0.75, 0.125 + 0.375, 0.125 + 0.1875, 0.25, 0.0, 0.0], rtol=0, atol=1e-15
    )
    # row 1: dense 3 -> 1, 1 -> 0; the empty lexical leg adds 0
    np.testing.assert_array_equal(ids[1, :3], [3, 1, -1])
    np.testing.assert_allclose(scores[1, :2], [0.25, 0.0], rtol=0, atol=1e-15)


def test_convex_zscore_hand_computed():
    ids, scores = convex(DENSE, LEXICAL, 6, alpha=0.25, norm="zscore")
    # dense: mean 0.5, population std 0.375 / sqrt(2) -> 7: sqrt2, 2: 0, 5: 0, 9: -sqrt2
    # lexical: mean 5.5, std sqrt(35 / 4) -> (s - 5.5) / sd; a missing document gets the
    # leg's lowest value: -sqrt2 (dense), -3.5 / sd (lexical)
    r2, sd = math.sqrt(2), math.sqrt(35 / 4)
    low = 0.25 * -r2 + 0.75 * (-3.5 / sd)
    want = {
        4: 0.25 * -r2 + 0.75 * (4.5 / sd),
        5: 0.75 * (0.5 / sd),
        2: 0.75 * (-1.5 / sd),
        7: 0.25 * r2 + 0.75 * (-3.5 / sd),
        8: low,
        9: low,
    }
    np.testing.assert_array_equal(ids[0], [4, 5, 2, 7, 8, 9])  # 8 and 9 tie exactly
    np.testing.assert_allclose(scores[0], [want[d] for d in ids[0]], rtol=0, atol=1e-12)
    assert scores[0, 4] == scores[0, 5]
    np.testing.assert_allclose(scores[1, :2], [0.25, -0.25], rtol=0, atol=1e-15)  # z = +-1


def test_dbsf_hand_computed():
    ids, scores = dbsf([DENSE, LEXICAL], 6)
    # N = (s - (mu - 3 sigma)) / (6 sigma) = 0.5 + (s - mu) / (6 sigma), sample sigma:
    # dense sigma = sqrt(0.28125 / 3), lexical sigma = sqrt(35 / 3); missing adds 0
    sd, sl = 6 * math.sqrt(0.28125 / 3), 6 * math.sqrt(35 / 3)
    want = {
        5: 0.5 + 0.5 + 0.5 / sl,
        2: 0.5 + 0.5 - 1.5 / sl,
        4: 0.5 + 4.5 / sl,
        7: 0.5 + 0.375 / sd,
        8: 0.5 - 3.5 / sl,
        9: 0.5 - 0.375 / sd,
    }
    np.testing.assert_array_equal(ids[0], [5, 2, 4, 7, 8, 9])
    np.testing.assert_allclose(scores[0], [want[d] for d in ids[0]], rtol=0, atol=1e-12)
    s1 = 6 * math.sqrt(0.5)  # row 1: two dense scores 2 and 1
    np.testing.assert_allclose(scores[1, :2], [0.5 + 0.5 / s1, 0.5 - 0.5 / s1], atol=1e-12)
    # one returned document, or equal scores: 0.5 each (Qdrant's rule)
    one = (np.array([[4, -1]]), np.array([[3.0, 0.0]]))
    flat = (np.array([[1, 2]]), np.array([[0.7, 0.7]]))
    ids1, sc1 = dbsf([one, flat], 3)
    np.testing.assert_array_equal(ids1, [[1, 2, 4]])
    np.testing.assert_array_equal(sc1, [[0.5, 0.5, 0.5]])


def test_degenerate_minmax_and_dispatch():
    flat = (np.array([[1, 2]]), np.array([[0.7, 0.7]]))
    other = (np.array([[3, 1]]), np.array([[2.0, 1.0]]))
    ids, scores = fuse(flat, other, 3, FusionOptions("convex", alpha=0.5))
    # flat leg: 1 -> 1, 2 -> 1, 3 (missing) -> 0; other leg: 3 -> 1, 1 -> 0, 2 (missing)
    # -> 0; all three fuse to 0.5 and come in document order
    np.testing.assert_array_equal(ids, [[1, 2, 3]])
    np.testing.assert_allclose(scores, [[0.5, 0.5, 0.5]])
    for method in ("rrf", "dbsf"):
        expect = rrf([flat, other], 3) if method == "rrf" else dbsf([flat, other], 3)
        got = fuse(flat, other, 3, FusionOptions(method))
        np.testing.assert_array_equal(got[0], expect[0])


def test_inputs_untouched_and_duplicates_count_once():
    dense = (DENSE[0].copy(), DENSE[1].copy())
    rrf([dense, LEXICAL], 4)
    convex(dense, LEXICAL, 4, norm="zscore")
    np.testing.assert_array_equal(dense[0], DENSE[0])
    np.testing.assert_array_equal(dense[1], DENSE[1])
    dup = (np.array([[5, 5, 6]]), np.array([[3.0, 1.0, 2.0]]))
    ids, scores = rrf([dup], 3, rrf_k=0)
    np.testing.assert_array_equal(ids, [[5, 6, -1]])  # 5 at rank 1 only, 6 at rank 2
    np.testing.assert_allclose(scores[0, :2], [1.0, 0.5])


def test_errors():
    with pytest.raises(ValueError, match="NaN"):
        rrf([(np.array([[1]]), np.array([[np.nan]]))], 1)
    with pytest.raises(ValueError, match="numbers of queries"):
        rrf([DENSE, (LEXICAL[0][:1], LEXICAL[1][:1])], 2)
    for bad in ({"method": "sum"}, {"norm": "l2"}, {"alpha": 1.5}, {"rrf_k": -1}):
        with pytest.raises(ValueError, match="fusion"):
            FusionOptions(**bad)


# ---------------------------------------------------------------- independent reference


def _ref_fuse(legs, k, method, alpha=0.5, norm="minmax", rrf_k=60.0):
    """One query at a time with dicts: the formulas of harness.lexical.fusion, written out."""
    n = legs[0][0].shape[0]
    out = []
    for i in range(n):
        lists = []
        for ids, scores in legs:
            best: dict[int, float] = {}
            for d, s in zip(ids[i].tolist(), scores[i].tolist(), strict=True):
                if d >= 0 and (d not in best or s > best[d]):
                    best[d] = s
            lists.append(sorted(best.items(), key=lambda x: (-x[1], x[0])))
        fused: dict[int, float] = {d: 0.0 for lst in lists for d, _ in lst}
        for j, lst in enumerate(lists):
            vals = [s for _, s in lst]
            if method == "rrf":
                norm_of = {d: 1 / (rrf_k + r) for r, (d, _) in enumerate(lst, start=1)}
                miss = 0.0
            elif method == "dbsf":
                mu = float(np.mean(vals)) if vals else 0.0
                sd = float(np.std(vals, ddof=1)) if len(vals) > 1 else 0.0
                norm_of = {d: (s - (mu - 3 * sd)) / (6 * sd) if sd > 0 else 0.5 for d, s in lst}
                miss = 0.0
            elif norm == "minmax":
                lo, hi = (min(vals), max(vals)) if vals else (0.0, 0.0)
                norm_of = {d: (s - lo) / (hi - lo) if hi > lo else 1.0 for d, s in lst}
                miss = 0.0
            else:
                mu, sd = (float(np.mean(vals)), float(np.std(vals))) if vals else (0.0, 0.0)
                norm_of = {d: (s - mu) / sd if sd > 0 else 0.0 for d, s in lst}
                miss = min(norm_of.values(), default=0.0)
            w = 1.0 if method != "convex" else (alpha if j == 0 else 1 - alpha)
            for d in fused:
                fused[d] += w * norm_of.get(d, miss)
        out.append(sorted(fused.items(), key=lambda x: (-x[1], x[0]))[:k])
    return out


def _random_legs(seed: int, n: int = 40, n_docs: int = 60):
    rng = np.random.default_rng(seed)
    legs = []
    for width in (int(rng.integers(3, 15)), int(rng.integers(3, 15))):
        ids = np.argsort(rng.random((n, n_docs)), axis=1)[:, :width]
        scores = np.round(rng.normal(size=(n, width)), 1)  # many ties
        ids[rng.random((n, width)) < 0.15] = -1  # empty slots anywhere
        ids[rng.random(n) < 0.1] = -1  # whole empty rows (a query with no known word)
        legs.append((ids, scores))
    return legs


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize(
    ("method", "norm"), [("rrf", ""), ("convex", "minmax"), ("convex", "zscore"), ("dbsf", "")]
)
def test_matches_dict_reference(seed, method, norm):
    legs = _random_legs(seed)
    k = 10
    if method == "rrf":
        ids, scores = rrf(legs, k, rrf_k=60)
    elif method == "dbsf":
        ids, scores = dbsf(legs, k)
    else:
        ids, scores = convex(legs[0], legs[1], k, alpha=0.3, norm=norm)
    ref = _ref_fuse(legs, k, method, alpha=0.3, norm=norm)
    for i, row in enumerate(ref):
        got = [(int(d), float(s)) for d, s in zip(ids[i], scores[i], strict=True) if d >= 0]
        # ids agree exactly except where reference sums differ from ours by rounding only
        np.testing.assert_allclose([s for _, s in got], [s for _, s in row], rtol=0, atol=1e-12)
        if method == "rrf":
            assert [d for d, _ in got] == [d for d, _ in row]
        else:
            assert {d for d, _ in got} == {d for d, _ in row} or _near_tie_at_cut(row, got)
        assert (ids[i, len(row) :] == -1).all()


def _near_tie_at_cut(row, got) -> bool:
    return abs(row[-1][1] - got[-1][1]) < 1e-12


# ---------------------------------------------------------------- metrics of fused runs


def _pytrec_ndcg(ids, scores, doc_ids, query_ids, qrels, qids):
    run = {
        q: {doc_ids[d]: float(s) for d, s in zip(ids[i], scores[i], strict=True) if d >= 0}
        for i, q in enumerate(query_ids)
    }
    ref = pytrec_eval.RelevanceEvaluator(qrels, {"ndcg_cut.10", "recall.10"}).evaluate(run)
    get = lambda key: np.array([ref[q][key] if q in ref else 0.0 for q in qids])  # noqa: E731
    return get("ndcg_cut_10"), get("recall_10")


@pytest.mark.parametrize("seed", range(3))
def test_fused_metrics_match_pytrec_eval(seed):
    legs = _random_legs(100 + seed)
    doc_ids = [f"d{i % 7}x{i}" for i in range(60)]  # shared prefixes: tie order matters
    query_ids = [f"q{i}" for i in range(40)]
    rng = np.random.default_rng(seed)
    qrels = {q: {doc_ids[int(d)]: int(rng.integers(0, 3)) for d in rng.choice(60, 8)}
             for q in query_ids}
    for opts in (FusionOptions("rrf"), FusionOptions("convex", norm="zscore"),
                 FusionOptions("dbsf")):
        ids, scores = fuse(legs[0], legs[1], 10, opts)
        qids, ours = qrels_evaluate(ids, scores, doc_ids, query_ids, qrels,
                                    ["ndcg@10", "recall@10"])
        ndcg, rec = _pytrec_ndcg(ids, scores, doc_ids, query_ids, qrels, qids)
        np.testing.assert_allclose(ours["ndcg@10"], ndcg, rtol=0, atol=1e-9)
        np.testing.assert_allclose(ours["recall@10"], rec, rtol=0, atol=1e-9)


def test_hybrid_on_bbc_matches_pytrec_eval(bbc_beir):
    """BM25 + a dense leg (the offline hashing encoder, exact cosine) fused on the bbc
    export: every fusion's nDCG@10 from qrels_evaluate equals pytrec_eval's to 1e-9."""
    from harness.encoders.hashing import HashEncoder, HashOptions
    from harness.lexical.bm25 import BM25Index

    ds = bbc_beir
    enc = HashEncoder(HashOptions(dim=256))
    docs = enc.encode(list(ds.docs), role="document")
    queries = enc.encode(list(ds.queries), role="query")
    docs /= np.linalg.norm(docs, axis=1, keepdims=True) + 1e-12
    queries /= np.linalg.norm(queries, axis=1, keepdims=True) + 1e-12
    sims = queries @ docs.T
    d_ids = np.argsort(-sims, axis=1, kind="stable")[:, :10]
    dense = (d_ids, np.take_along_axis(sims, d_ids, axis=1))
    index = BM25Index()
    index.build(ds.docs)
    lexical = index.search(ds.queries, 10)
    means = {}
    for name, run in {
        "dense": dense,
        "bm25": lexical,
        "rrf": fuse(dense, lexical, 10, FusionOptions("rrf")),
        "convex": fuse(dense, lexical, 10, FusionOptions("convex", alpha=0.3)),
        "dbsf": fuse(dense, lexical, 10, FusionOptions("dbsf")),
    }.items():
        qids, ours = qrels_evaluate(*run, ds.doc_ids, ds.query_ids, ds.qrels, ["ndcg@10"])
        ndcg, _ = _pytrec_ndcg(*run, ds.doc_ids, ds.query_ids, ds.qrels, qids)
        np.testing.assert_allclose(ours["ndcg@10"], ndcg, rtol=0, atol=1e-9, err_msg=name)
        means[name] = float(ours["ndcg@10"].mean())
    print("bbc nDCG@10:", {k: round(v, 4) for k, v in means.items()})
    assert means["rrf"] > means["dense"]  # fusion with the strong lexical leg helps
