"""One main-metric rule: the dataset's own main metric reaches every row, and each dataset's
funnel, rankings and tails are judged by it (not by the suite's first `evaluate` entry)."""

from __future__ import annotations

import pandas as pd
import pytest

from harness import api
from harness.errors import UserError
from harness.metrics.columns import main_metric


def test_rule_prefers_the_datasets_own_metric_when_evaluated():
    evaluate = ["label_recall@10", "knn_accuracy@10", "ndcg@10"]
    assert main_metric(evaluate, "knn_accuracy@10") == "knn_accuracy@10"
    assert main_metric(evaluate, "ndcg@10") == "ndcg@10"
    # not evaluated: the suite's first entry the dataset can compute
    assert main_metric(["label_recall@10", "ndcg@10"], "map@100", ["ndcg@10"]) == "ndcg@10"
    # GloVe's own main metric (knn_recall@10) is not a task metric the suite asked for
    assert main_metric(["ndcg@10", "mrr@10"], "knn_recall@10", ["ndcg@10", "mrr@10"]) == "ndcg@10"
    assert main_metric([], None) == "ndcg@10"
    assert main_metric(["NDCG@10"], "ndcg@10") == "ndcg@10"


SUITE = """\
schema_version: 1
name: mm
k: 10
repeats: 1
warmup: 0
datasets:
  - beir:{beir}
  - synthetic:n=400,dim=8,clusters=4,queries=30,noise=0.3
models: [hash:32, vectors]
metrics: [cosine]
backends: [exact, faiss-hnsw]
evaluate: [ndcg@10, knn_accuracy@10]
"""


@pytest.fixture
def run(tiny_beir, write_suite, tmp_path):
    opts = api.RunOptions(output=tmp_path / "r", cache_dir=tmp_path / "c", progress=False,
                          report=False)
    return api.run(write_suite(SUITE.format(beir=tiny_beir)), opts)


def test_each_dataset_is_judged_by_its_own_main_metric(run):
    frame = run.frame
    by_ds = frame.groupby("dataset")["main_metric"].agg(set).to_dict()
    synth = next(d for d in by_ds if d.startswith("synthetic"))
    beir = next(d for d in by_ds if d != synth)
    assert by_ds == {beir: {"ndcg@10"}, synth: {"knn_accuracy@10"}}

    fun = pd.read_csv(run.run_dir / "funnel.csv")
    judged = fun.groupby("dataset")["main_metric"].agg(set).to_dict()
    assert judged == {beir: {"ndcg@10"}, synth: {"knn_accuracy@10"}}
    # the funnel's observed score is the row's value of its own main metric
    merged = fun.merge(frame, on=["cell_id", "search_params"], suffixes=("", "_row"))
    assert len(merged) == len(fun) > 0
    for _, r in merged.iterrows():
        assert r["observed"] == pytest.approx(r[r["main_metric"]])
    assert set(pd.read_csv(run.run_dir / "rankings.csv")["dataset"]) == {beir, synth}


def test_best_asks_for_a_metric_when_datasets_disagree(run):
    from harness.analysis.frontier import Budget

    with pytest.raises(UserError, match="different main metrics"):
        api.best(run.run_dir, Budget())
    name, fits, _ = api.best(run.run_dir, Budget(), "ndcg@10")
    assert name == "ndcg@10" and len(fits)
