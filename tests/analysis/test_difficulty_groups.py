"""difficulty.csv: each funnel row's index loss by LID tercile and shift half, consistent
with the funnel and with the per-query record."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from harness import api
from harness.store.runs import RunStore

SUITE = """\
schema_version: 1
name: diff
datasets: ["synthetic:n=3000,dim=16,queries=150,noise=1.2,noise_groups=3,shift=0.5"]
models: [vectors]
metrics: [cosine]
backends:
  - name: exact
  - name: faiss-hnsw
    build: {M: 8, efConstruction: 40}
    search: {efSearch: [10]}
k: 10
repeats: 1
warmup: 0
evaluate: [knn_accuracy@10]
"""


def test_groups_add_up_to_the_funnel_and_the_record(write_suite, tmp_path):
    out = api.run(write_suite(SUITE), api.RunOptions(output=tmp_path / "r",
                  cache_dir=tmp_path / "c", progress=False, executor="inline", report=False))
    assert out.n_failed == 0
    by_group = pd.read_csv(out.run_dir / "difficulty.csv")
    fun = pd.read_csv(out.run_dir / "funnel.csv")
    queries = pd.read_csv(out.run_dir / "query_difficulty.csv")
    assert len(by_group) == len(fun) == 2 and len(queries) == 150
    assert (queries["tercile"].value_counts() == 50).all()
    assert (queries["shift_half"].value_counts() == 75).all()
    store = RunStore(out.run_dir)
    for _, row in by_group.merge(fun, on=["cell_id", "search_params"]).iterrows():
        for groups in (("easy", "medium", "hard"), ("in_dist", "shifted")):
            n = np.array([row[f"{g}_queries"] for g in groups])
            loss = np.array([row[f"{g}_index_loss"] for g in groups])
            assert n.sum() == 150
            assert np.sum(n * loss) / n.sum() == pytest.approx(row["index_loss"], abs=1e-9)
        # the hard third's recall, recomputed from the stored per-query record
        perq = store.perquery(row["cell_id"])
        recall = perq.task_values(0, "knn_recall@10")
        hard = queries["tercile"].to_numpy() == "hard"
        assert row["hard_knn_recall"] == pytest.approx(recall[hard].mean())
    exact = by_group[by_group["backend"] == "exact"].iloc[0]
    assert exact["hard_index_loss"] == 0 and exact["hard_knn_recall"] == 1
    hnsw = by_group[by_group["backend"] == "faiss-hnsw"].iloc[0]
    assert hnsw["hard_knn_recall"] < hnsw["easy_knn_recall"]
