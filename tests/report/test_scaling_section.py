"""The growth section says in one line why a dataset has no task-metric panel: word vectors
(GloVe) have no relevance judgments, so only knn_recall@10 is fitted there."""

from __future__ import annotations

import pandas as pd

from harness.analysis.scaling import growth_table
from harness.report.sections.scaling import absent_metric_note


def _rows() -> pd.DataFrame:
    n = [1000, 3000, 10000]
    return pd.DataFrame({
        "status": "ok", "dataset": ["glove"] * 3 + ["synth"] * 3 + ["easy"] * 3,
        "model": "vectors", "dim": 8, "precision": "float32", "metric": "cosine",
        "backend": "faiss-hnsw", "build_params": "{}", "search_params": "{}",
        "n_docs": n * 3, "qps": [900.0, 500.0, 300.0] * 3,
        "knn_recall@10": [0.99, 0.97, 0.95] * 3,
        # no judgments for glove; easy finds everything at every size (no loss to fit)
        "hit@10": [None] * 3 + [0.9, 0.8, 0.7] + [1.0] * 3,
    })


def test_a_dataset_without_judgments_says_why_its_task_metric_panel_is_absent():
    ok = _rows()
    table = growth_table(ok, "hit@10")
    fitted = table.groupby("dataset")["quantity"].apply(set).to_dict()
    assert fitted == {"glove": {"qps", "knn_recall@10"}, "easy": {"qps", "knn_recall@10"},
                      "synth": {"qps", "hit@10", "knn_recall@10"}}
    note = {d: absent_metric_note(ok, table[table["dataset"] == d], "hit@10")
            for d in fitted}
    assert note["synth"] == ""
    assert note["glove"] == ("No task-metric panel for glove: its rows have no hit@10 value "
                             "(the dataset has no relevance judgments), so only the "
                             "nearest-neighbour recall is fitted.")
    assert note["easy"].startswith("No task-metric panel for easy: hit@10 could be fitted "
                                   "for no configuration")
    assert absent_metric_note(ok, table[table["dataset"] == "glove"], None).startswith(
        "No task-metric panel for glove: its rows have no task metric")
