"""The funnel's filter stage on the hand-made BEIR folder of test_filtered_run: for each
filtered row, exact_metric is unfiltered exact search on the row's queries and exact_filtered
the `pre` search, both recomputed here with numpy and pytrec_eval; filter_loss and
index_loss are their differences and the stages telescope to ideal - observed. funnel.csv
keeps only the unfiltered rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import pytrec_eval

from harness import api
from harness.embeddings.cache import EmbeddingCache
from harness.inputs.cell_inputs import CellInputs
from harness.plan.expand import expand
from harness.suite.schema import load_suite_text
from tests.execution.test_filtered_run import QRELS, SUITE, _numpy_reference, root  # noqa: F401

STAGES = ["embedding_loss", "dimension_loss", "precision_loss", "metric_loss", "filter_loss",
          "index_loss"]


def _unfiltered_ndcg(docs, queries, qids, k):
    run = {}
    for i, q in enumerate(qids):
        s = docs @ queries[i]
        top = sorted(range(len(docs)), key=lambda j: (-s[j], j))[:k]
        run[q] = {f"d{j}": float(s[j]) for j in top}
    qrels = {}
    for q, d, r in QRELS:
        qrels.setdefault(q, {})[d] = r
    ev = pytrec_eval.RelevanceEvaluator(qrels, {"ndcg_cut.5"}).evaluate(run)
    return {q: v["ndcg_cut_5"] for q, v in ev.items()}


def _unit(x):
    x = np.asarray(x, np.float64)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def test_filter_stage_is_unfiltered_exact_minus_pre_on_the_rows_queries(root, tmp_path):  # noqa: F811
    text = SUITE.format(root=root).replace("evaluate: [ndcg@5, recall@5]", "evaluate: [ndcg@5]")
    out = api.run(text, api.RunOptions(output=tmp_path / "r", cache_dir=tmp_path / "c",
                                       progress=False, executor="inline", report=False))
    assert out.n_failed == 0
    stage = pd.read_csv(out.run_dir / "filter_funnel.csv")
    funnel = pd.read_csv(out.run_dir / "funnel.csv")
    frame = out.frame
    assert set(funnel["cell_id"]) == set(frame.loc[frame["filter"].isna(), "cell_id"])
    assert set(stage["cell_id"]) == set(frame.loc[frame["filter"].notna(), "cell_id"])
    # the vectors the run searched (hash:16, cosine): from the cache, as the run read them
    plan = expand(load_suite_text(text, "filt.yaml"))
    ctx = CellInputs(cache=EmbeddingCache(tmp_path / "c"))
    base = plan.cells[0]
    ds = ctx.dataset(base)
    vec = ctx.vectors(base, ds)
    docs, queries = _unit(vec.docs), _unit(vec.queries)
    qids = list(ds.query_ids)
    # unfiltered exact search: the run's own exact row, per query (hashed vectors tie, and
    # faiss orders a float32 tie its own way, so numpy would rank some ties differently)
    exact_cell = frame.loc[frame["filter"].isna() & (frame["backend"] == "exact"), "cell_id"]
    perq = api.open_run(out.run_dir).perquery(exact_cell.iloc[0])
    plain = dict(zip(perq.query_ids, perq.task_values(0, "ndcg@5"), strict=True))
    numpy_plain = _unfiltered_ndcg(docs, queries, qids, 5)
    assert sum(abs(plain[q] - numpy_plain[q]) < 1e-9 for q in plain) >= 2
    for name in ("recent", "same-lang"):
        ev, _ = _numpy_reference(name, docs, queries, qids, 5)
        rows = stage[stage["filter"] == name]
        assert len(rows) == len(frame[frame["filter"] == name])
        for r in rows.itertuples():
            kept = sorted(ev)
            assert r.n_queries == len(kept)
            assert r.exact_metric == pytest.approx(np.mean([plain[q] for q in kept]), abs=1e-9)
            assert r.exact_filtered == pytest.approx(
                np.mean([ev[q]["ndcg_cut_5"] for q in kept]), abs=1e-9)
            assert r.filter_loss == pytest.approx(r.exact_metric - r.exact_filtered, abs=1e-12)
            observed = frame.loc[frame["cell_id"] == r.cell_id, "ndcg@5"].iloc[0]
            assert r.observed == pytest.approx(observed, abs=1e-9)
            assert r.index_loss == pytest.approx(r.exact_filtered - observed, abs=1e-12)
            assert sum(getattr(r, s) for s in STAGES) == pytest.approx(r.ideal - observed)
            if r.filter_strategy == "pre":
                assert r.index_loss == 0.0
    # the static filter drops q3 (its only relevant document is from 2011)
    assert set(stage.loc[stage["filter"] == "recent", "n_queries"]) == {3}
    # the recommendation names a strategy for each filter, and its rule
    (rec,) = pd.read_csv(out.run_dir / "recommendation.csv").to_dict("records")
    assert "recent: " in rec["filter_strategy_advice"]
    assert "same-lang: " in rec["filter_strategy_advice"]
    assert rec["filter_advice_rule"].startswith("at each filter")
