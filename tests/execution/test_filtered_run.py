"""Filtered cells end to end on a hand-made BEIR folder whose corpus carries metadata: `pre`
rows equal an independent numpy exact search over the passing documents scored by pytrec_eval
against the restricted qrels (a static and a query-dependent filter); `in` and `post` rows are
judged against `pre`; plan-time checks are one line each."""

from __future__ import annotations

import json

import numpy as np
import pytest
import pytrec_eval

from harness.embeddings.cache import EmbeddingCache
from harness.errors import UserErrors
from harness.execution.runner import run_cell
from harness.inputs.cell_inputs import CellInputs
from harness.plan.expand import expand
from harness.suite.schema import load_suite_text

YEARS = [2010, 2016, 2018, 2020, 2012, 2019, 2011, 2021, 2014, 2017, 2013, 2022]
LANGS = ["en", "fr", "en", "fr", "en", "en", "fr", "en", "fr", "en", "fr", "fr"]
WORDS = ["apple banana", "banana cherry", "cherry date", "date egg", "egg fig", "fig grape",
         "grape apple", "apple cherry", "banana date", "cherry egg", "date fig", "egg grape"]
QUERIES = {"q0": ("apple", "en"), "q1": ("banana", "fr"), "q2": ("egg", "en"),
           "q3": ("grape", "fr")}
# q3's only relevant document (d6, 2011) fails the static filter year >= 2015
QRELS = [("q0", "d0", 1), ("q0", "d7", 2), ("q1", "d1", 1), ("q1", "d8", 1), ("q2", "d4", 1),
         ("q2", "d9", 1), ("q2", "d11", 1), ("q3", "d6", 1)]
SUITE = """schema_version: 1
name: filt
k: 5
datasets: [{{ref: "beir:{root}"}}]
models: [hash:16]
backends: [exact, {{name: hnswlib, build: {{M: 8}}, search: {{ef: 50}}}}]
evaluate: [ndcg@5, recall@5]
repeats: 1
warmup: 0
filters:
  - none
  - {{name: recent, where: {{year: {{gte: 2015}}}}}}
  - {{name: same-lang, where: {{lang: {{eq: $query.lang}}}}}}
filter_strategy: [pre, in, post]
filter_oversample: 1
"""


@pytest.fixture
def root(tmp_path):
    with open(tmp_path / "corpus.jsonl", "w") as f:
        for i, (y, lang, w) in enumerate(zip(YEARS, LANGS, WORDS, strict=True)):
            f.write(json.dumps({"_id": f"d{i}", "title": "", "text": w,
                                "metadata": {"year": y, "lang": lang}}) + "\n")
    with open(tmp_path / "queries.jsonl", "w") as f:
        for q, (text, lang) in QUERIES.items():
            f.write(json.dumps({"_id": q, "text": text, "metadata": {"lang": lang}}) + "\n")
    (tmp_path / "qrels").mkdir()
    (tmp_path / "qrels" / "test.tsv").write_text(
        "query-id\tcorpus-id\tscore\n" + "".join(f"{q}\t{d}\t{r}\n" for q, d, r in QRELS))
    return tmp_path


def _passing(name: str, qid: str) -> list[bool]:
    if name == "recent":
        return [y >= 2015 for y in YEARS]
    return [lang == QUERIES[qid][1] for lang in LANGS]


def _numpy_reference(name, docs, queries, qids, k):
    """Exact search over each query's passing documents; pytrec_eval on the restricted qrels."""
    run, qrels = {}, {}
    for i, q in enumerate(qids):
        ok = _passing(name, q)
        cand = [j for j in range(len(docs)) if ok[j]]
        s = {j: float(np.dot(docs[j], queries[i])) for j in cand}
        top = sorted(cand, key=lambda j: (-s[j], j))[:k]
        run[q] = {f"d{j}": s[j] for j in top}
        kept = {d: r for qq, d, r in QRELS if qq == q and ok[int(d[1:])]}
        if kept:
            qrels[q] = kept
    run = {q: r for q, r in run.items() if q in qrels}
    ev = pytrec_eval.RelevanceEvaluator(qrels, {"ndcg_cut.5", "recall.5"}).evaluate(run)
    return ev, len(qids) - len(qrels)


def test_pre_rows_equal_numpy_exact_search_and_pytrec_eval(root, tmp_path):
    plan = expand(load_suite_text(SUITE.format(root=root), "filt.yaml"))
    ctx = CellInputs(cache=EmbeddingCache(tmp_path / "cache"))
    cells = {(c.backend, (c.filter or {}).get("name"), (c.filter or {}).get("strategy")): c
             for c in plan.cells}
    base = cells[("exact", None, None)]
    ds = ctx.dataset(base)
    vec = ctx.vectors(base, ds)
    docs = np.asarray(vec.docs, np.float64)
    docs /= np.linalg.norm(docs, axis=1, keepdims=True)
    queries = np.asarray(vec.queries, np.float64)
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    for name, without in (("recent", 1), ("same-lang", 0)):
        ev, want_without = _numpy_reference(name, docs, queries, list(ds.query_ids), 5)
        assert want_without == without  # hand-checked: q3's d6 is from 2011
        (pre,), pq, _ = run_cell(cells[("exact", name, "pre")], ctx)
        assert pre["queries_without_passing_relevant"] == without
        assert pre["n_queries"] == len(ev)
        assert pre["ndcg@5"] == pytest.approx(np.mean([v["ndcg_cut_5"] for v in ev.values()]),
                                               abs=1e-9)
        assert pre["recall@5"] == pytest.approx(np.mean([v["recall_5"] for v in ev.values()]),
                                                abs=1e-9)
        got = dict(zip(pq.query_ids, pq.settings[0].values["ndcg@5"], strict=True))
        assert got == pytest.approx({q: v["ndcg_cut_5"] for q, v in ev.items()}, abs=1e-9)
        assert pre["knn_recall@5"] == 1.0 and pre["short_of_k_share"] == 0.0
        # every returned document passes the filter
        for q, ranked in zip(pq.all_query_ids, pq.settings[0].top_ids, strict=True):
            ok = _passing(name, q)
            assert all(ok[int(d[1:])] for d in ranked if d)
        (exact_in,), in_pq, _ = run_cell(cells[("exact", name, "in")], ctx)
        # faiss's flat index with the selector: the same neighbours (hashed vectors tie, and
        # float32 scores may order a tie differently, so the sets are compared)
        assert exact_in["knn_recall@5"] == 1.0
        assert [set(r) for r in in_pq.settings[0].top_ids] == [
            set(r) for r in pq.settings[0].top_ids]
        (post,), _, _ = run_cell(cells[("exact", name, "post")], ctx)
        assert post["short_of_k_share"] > 0  # k x 1 fetched: failing ones leave holes
        assert post["knn_recall@5"] < 1.0
    recent = [y >= 2015 for y in YEARS]
    (pre,), _, _ = run_cell(cells[("exact", "recent", "pre")], ctx)
    assert pre["selectivity"] == pytest.approx(np.mean(recent))


def test_plan_checks_fields_types_and_strategies(root):
    text = SUITE.format(root=root)
    plan = expand(load_suite_text(text, "filt.yaml"))
    reasons = {s.cell.label: s.reason for s in plan.skipped}
    assert any("hnswlib" in lab and "(pre)" in lab for lab in reasons)
    assert all("exact backend" in r for lab, r in reasons.items() if "(pre)" in lab)
    # unfiltered cells keep the ids of a suite without the filters axis
    plain = text.split("filters:")[0]
    plain_plan = expand(load_suite_text(plain, "plain.yaml"))
    assert {c.cell_id for c in plain_plan.cells} <= {c.cell_id for c in plan.cells}
    assert load_suite_text(plain, "p").sha256 == load_suite_text(
        plain + "filters: [none]\n", "p").sha256
    for bad, expected in (
        ("{name: x, where: {yaer: {gte: 2015}}}", "unknown document field 'yaer'; this "
         "dataset's fields: lang, skewed, uniform, year"),
        ("{name: x, where: {year: {eq: new}}}", "'year' is a number field; eq got 'new'"),
        ("{name: x, where: {lang: {gt: 3}}}", "operator 'gt' does not apply to the string "
         "field 'lang'"),
    ):
        with pytest.raises(UserErrors) as err:
            expand(load_suite_text(text.replace("{name: recent, where: {year: {gte: 2015}}}",
                                                bad), "filt.yaml"))
        line = str(err.value)
        assert "filt.yaml:12: filters.1:" in line and expected in line and "\n" not in line
    nothing = text.replace("{gte: 2015}", "{gt: 3000}")
    skipped = expand(load_suite_text(nothing, "filt.yaml")).skipped
    assert any("passes no document" in s.reason for s in skipped)


def test_hnswlib_in_and_post_are_judged_against_pre(root, tmp_path):
    plan = expand(load_suite_text(SUITE.format(root=root), "filt.yaml"))
    ctx = CellInputs(cache=EmbeddingCache(tmp_path / "cache"))
    by = {((c.filter or {}).get("name"), (c.filter or {}).get("strategy"), c.backend): c
          for c in plan.cells}
    (inn,), _, _ = run_cell(by[("same-lang", "in", "hnswlib")], ctx)
    assert inn["knn_recall@5"] == 1.0  # 12 documents, ef 50: the graph finds them all
    assert inn["filter_strategy"] == "in" and inn["filter"] == "same-lang"
    assert inn["filter_ms"] >= 0 and inn["query_correlation"] > 0
