"""`pre` filtered search on a BEIR folder with metadata equals an independent numpy exact
search over the passing documents, scored by pytrec_eval against the restricted qrels."""

from __future__ import annotations

import json

import numpy as np
import pytest
import pytrec_eval

from harness.backends.filter_search import post_search, pre_search
from harness.datasets.attributes import read_jsonl_metadata, synthetic
from harness.datasets.beir import load_beir
from harness.datasets.predicates import mask, problems, query_row
from harness.metrics.filter_metrics import query_correlation, restricted_qrels, short_share
from harness.suite.filters import parse_filters

DOCS = [("d0", 2010, "en"), ("d1", 2016, "fr"), ("d2", 2018, "en"), ("d3", 2020, "fr"),
        ("d4", 2012, "en"), ("d5", 2019, "en")]


@pytest.fixture
def beir(tmp_path):
    with open(tmp_path / "corpus.jsonl", "w") as f:
        for d, year, lang in DOCS:
            f.write(json.dumps({"_id": d, "title": "", "text": d,
                                "metadata": {"year": year, "lang": lang}}) + "\n")
    with open(tmp_path / "queries.jsonl", "w") as f:
        for q, lang in (("q0", "en"), ("q1", "fr")):
            f.write(json.dumps({"_id": q, "text": q, "metadata": {"lang": lang}}) + "\n")
    (tmp_path / "qrels").mkdir()
    (tmp_path / "qrels" / "test.tsv").write_text(
        "query-id\tcorpus-id\tscore\nq0\td0\t1\nq0\td2\t1\nq1\td1\t1\nq1\td4\t1\n")
    return tmp_path


def _numpy_exact(q, docs, passing, k):
    out = []
    for i in range(len(q)):
        cand = [j for j in range(len(docs)) if passing[i][j]]
        s = {j: float(q[i] @ docs[j]) for j in cand}
        out.append(sorted(cand, key=lambda j: (-s[j], j))[:k])
    return out


@pytest.mark.parametrize("where,expected_mask", [
    ({"year": {"gte": 2015}}, [[0, 1, 1, 1, 0, 1]] * 2),
    ({"lang": {"eq": "$query.lang"}}, [[1, 0, 1, 0, 1, 1], [0, 1, 0, 1, 0, 0]]),
])
def test_pre_equals_numpy_exact_and_pytrec_eval(beir, where, expected_mask):
    ds = load_beir(beir)
    docs_attr = read_jsonl_metadata(beir / "corpus.jsonl", ds.doc_ids)
    q_attr = read_jsonl_metadata(beir / "queries.jsonl", ds.query_ids)
    (spec,), errs = parse_filters([{"name": "f", "where": where}])
    assert errs == [] and problems(spec.where, docs_attr, q_attr) == []
    masks = [mask(spec.where, docs_attr, query_row(q_attr, i)) for i in range(ds.n_queries)]
    assert [m.astype(int).tolist() for m in masks] == expected_mask  # hand-checked
    rng = np.random.default_rng(0)
    docs, queries = rng.normal(size=(6, 4)), rng.normal(size=(2, 4))
    k = 3
    got = [pre_search(queries[i:i + 1], docs, "ip", masks[i], k)[0][0] for i in range(2)]
    want = _numpy_exact(queries, docs, masks, k)
    for g, w in zip(got, want, strict=True):
        assert [int(x) for x in g if x >= 0] == w
    qrels, without = restricted_qrels(ds.qrels, {d: i for i, d in enumerate(ds.doc_ids)},
                                      lambda i: masks[i], ds.query_ids)
    # static: q0 keeps d2, q1 keeps d1; same-lang: q0 keeps d0, d2, q1 keeps d1
    assert without == 0 and set(qrels) == {"q0", "q1"}
    run = {q: {ds.doc_ids[j]: float(k - r) for r, j in enumerate(w)}
           for q, w in zip(ds.query_ids, want, strict=True)}
    ref = pytrec_eval.RelevanceEvaluator(qrels, {"ndcg_cut.10"}).evaluate(run)
    run_got = {q: {ds.doc_ids[int(j)]: float(k - r) for r, j in enumerate(g) if j >= 0}
               for q, g in zip(ds.query_ids, got, strict=True)}
    mine = pytrec_eval.RelevanceEvaluator(qrels, {"ndcg_cut.10"}).evaluate(run_got)
    assert mine == ref


def test_bad_input_is_one_line_each(beir):
    ds = load_beir(beir)
    attrs = read_jsonl_metadata(beir / "corpus.jsonl", ds.doc_ids)
    q_attr = read_jsonl_metadata(beir / "queries.jsonl", ds.query_ids)
    (s1, s2, s3), errs = parse_filters([{"name": "a", "where": {"yaer": {"eq": 1}}},
                                        {"name": "b", "where": {"year": {"eq": "x"}}},
                                        {"name": "c", "where": {"lang": {"gt": 3}}}])
    assert errs == []
    assert problems(s1.where, attrs, q_attr) == [
        "unknown document field 'yaer'; this dataset's fields: lang, year"]
    assert "expected a number" in problems(s2.where, attrs, q_attr)[0]
    assert "does not apply to the string field 'lang'" in problems(s3.where, attrs, q_attr)[0]
    _, errs = parse_filters([{"selectivity": [0, 0.5]}, {"name": "x", "where": {"a": {"op": 1}}}])
    assert [e[0] for e in errs] == ["filters.0.selectivity", "filters.1.where.a.op"]


def test_synthetic_uniform_selectivity_is_exact_and_post_falls_short():
    attrs = synthetic(1000, seed=3)
    specs, _ = parse_filters([{"selectivity": [0.01, 0.1]}])
    m = [mask(s.where, attrs) for s in specs]
    assert [int(x.sum()) for x in m] == [10, 100]
    rng = np.random.default_rng(1)
    docs, q = rng.normal(size=(1000, 8)), rng.normal(size=(20, 8))
    full = lambda x, k: pre_search(x, docs, "ip", np.ones(1000, bool), k)  # noqa: E731
    ids, _ = post_search(full, q, m[0], 10, oversample=2)
    truth, _ = pre_search(q, docs, "ip", m[0], 10)
    assert short_share(ids, 10) > 0.9 and short_share(truth, 10) == 0.0
    # found results of post are a subset of the passing docs, in exact order
    assert all(m[0][i] for i in ids[ids >= 0])
    corr = query_correlation(full(q, 100)[0], lambda i: m[1])
    assert 0.5 < corr < 1.5  # random vectors: independent of the filter
