"""The funnel's rerank stage on a real run: each figure against the rows it comes from."""

from __future__ import annotations

import pandas as pd
import pytest

from harness import api
from harness.analysis import outputs

SUITE = """\
schema_version: 1
name: rs
datasets: [beir:{beir}]
models: ['hash:64', {{ref: bm25, params: {{k1: 1.5, b: 0.75, method: lucene}}}}]
k: 5
repeats: 1
warmup: 0
evaluate: [ndcg@5]
rerank: [none, {{model: 'hash:64', candidates: 12}}]
"""


def test_rerank_stage_figures_come_from_the_rows(write_suite, tiny_beir, tmp_path):
    pytest.importorskip("bm25s")
    opts = api.RunOptions(output=tmp_path / "results", cache_dir=tmp_path / "cache",
                          progress=False, executor="inline", report=False)
    out = api.run(write_suite(SUITE.format(beir=tiny_beir)), opts)
    df = out.frame
    stage = pd.read_csv(out.run_dir / outputs.RERANK)
    assert len(stage) == 2 and set(stage["model"]) == {"hash:64", "bm25"}
    dense_exact = df[(df["model"] == "hash:64") & df["rerank"].isna()].iloc[0]["ndcg@5"]
    for _, s in stage.iterrows():
        rows = df[df["model"] == s["model"]]
        one = rows[rows["rerank"].isna()].iloc[0]
        two = rows[rows["rerank"].notna()].iloc[0]
        assert s["first_stage"] == pytest.approx(one["ndcg@5"], abs=1e-12)
        assert s["two_stage"] == pytest.approx(two["ndcg@5"], abs=1e-12)
        assert s["reranker_exact"] == pytest.approx(dense_exact, abs=1e-12)
        assert s["bought_back"] == pytest.approx(two["ndcg@5"] - one["ndcg@5"], abs=1e-12)
        assert s["latency_added_ms_p50"] == pytest.approx(
            two["latency_p50_ms"] - one["latency_p50_ms"])
        assert s["bytes_added_per_doc"] == pytest.approx(64 * 4)
    own = stage[stage["model"] == "hash:64"].iloc[0]
    assert own["bought_back"] == 0  # its own float32 vectors: exact search's order again
    lexical = stage[stage["model"] == "bm25"].iloc[0]
    loss = dense_exact - lexical["first_stage"]
    if loss > 0:
        assert lexical["bought_back_share"] == pytest.approx(lexical["bought_back"] / loss)
    funnel = pd.read_csv(out.run_dir / outputs.FUNNEL)
    assert len(funnel) == 1  # two-stage rows stay out of the one-stage funnel
