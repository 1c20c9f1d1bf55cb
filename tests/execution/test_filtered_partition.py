"""The `partition` strategy end to end on the hand-made BEIR folder of test_filtered_run (a
string field `lang`, en/fr): its results equal a numpy exact search restricted to the value
the filter selects (static eq, static in, `$query.lang`), its build covers every sub-index,
and filters it cannot serve are skipped at plan time with the reason."""

from __future__ import annotations

import numpy as np
import pytest

from harness.embeddings.cache import EmbeddingCache
from harness.execution.runner import run_cell
from harness.inputs.cell_inputs import CellInputs
from harness.plan.expand import expand
from harness.suite.schema import load_suite_text
from tests.execution.test_filtered_run import LANGS, QUERIES, YEARS, root  # noqa: F401

SUITE = """schema_version: 1
name: part
k: 4
datasets: [{{ref: "beir:{root}"}}]
models: [hash:16]
backends: [exact, {{name: hnswlib, build: {{M: 8}}, search: {{ef: 50}}}}]
evaluate: [ndcg@4]
repeats: 1
warmup: 0
filters:
  - none
  - {{name: fr, where: {{lang: {{eq: fr}}}}}}
  - {{name: both, where: {{lang: {{in: [en, fr]}}}}}}
  - {{name: same-lang, where: {{lang: {{eq: $query.lang}}}}}}
  - {{name: recent, where: {{year: {{gte: 2015}}}}}}
filter_strategy: [pre, partition]
"""


def _numpy_top(docs, queries, passing, k):
    """Per query: exact top-k (score, then lower index) among its passing documents."""
    out = []
    for i, q in enumerate(queries):
        cand = [j for j in range(len(docs)) if passing(i)[j]]
        s = {j: float(np.dot(docs[j], q)) for j in cand}
        out.append(sorted(cand, key=lambda j: (-s[j], j))[:k])
    return out


def _unit(x):
    x = np.asarray(x, np.float64)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def test_partition_equals_exact_search_restricted_to_the_value(root, tmp_path):  # noqa: F811
    plan = expand(load_suite_text(SUITE.format(root=root), "part.yaml"))
    ctx = CellInputs(cache=EmbeddingCache(tmp_path / "cache"))
    by = {((c.filter or {}).get("name"), (c.filter or {}).get("strategy"), c.backend): c
          for c in plan.cells}
    base = by[(None, None, "exact")]
    ds = ctx.dataset(base)
    vec = ctx.vectors(base, ds)
    docs, queries = _unit(vec.docs), _unit(vec.queries)
    qlang = [QUERIES[q][1] for q in ds.query_ids]
    passing = {"fr": lambda i: [x == "fr" for x in LANGS],
               "both": lambda i: [True] * len(LANGS),
               "same-lang": lambda i: [x == qlang[i] for x in LANGS]}
    for name, ok in passing.items():
        want = _numpy_top(docs, queries, ok, 4)
        for backend in ("exact", "hnswlib"):
            (row,), pq, _ = run_cell(by[(name, "partition", backend)], ctx)
            got = [[int(d[1:]) for d in r if d] for r in pq.settings[0].top_ids]
            # hashed vectors tie (the order inside a tie may differ): ids as sets, scores
            # in rank order
            assert [set(g) for g in got] == [set(w) for w in want], (name, backend)
            want_scores = [[docs[j] @ queries[i] for j in w] for i, w in enumerate(want)]
            got_scores = [list(r[np.isfinite(r)]) for r in pq.settings[0].top_scores]
            for g, w in zip(got_scores, want_scores, strict=True):
                assert g == pytest.approx(w, abs=1e-5)
            assert row["filter_strategy"] == "partition"
            assert row["knn_recall@4"] == 1.0 and row["short_of_k_share"] == 0.0


def test_partition_builds_every_group_and_plan_skips_other_filters(root, tmp_path):  # noqa: F811
    plan = expand(load_suite_text(SUITE.format(root=root), "part.yaml"))
    reasons = {s.cell.label: s.reason for s in plan.skipped}
    recent = [r for lab, r in reasons.items() if "recent" in lab and "(partition)" in lab]
    assert len(recent) == 2  # exact and hnswlib
    assert all("eq or in filter on one categorical (string) field (lang, skewed)" in r
               for r in recent)
    ctx = CellInputs(cache=EmbeddingCache(tmp_path / "cache"))
    cell = next(c for c in plan.cells if (c.filter or {}).get("name") == "fr"
                and c.filter["strategy"] == "partition" and c.backend == "exact")
    (row,), _, _ = run_cell(cell, ctx)
    # two groups (en: 6 documents, fr: 6): exact search keeps 16 float32 values a document
    assert row["bytes_per_doc"] == pytest.approx(16 * 4)
    assert sum(x == "fr" for x in LANGS) == 6 and len(YEARS) == 12
