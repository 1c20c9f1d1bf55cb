"""The per-query npz layout: full rankings round-trip compactly, and old folders still load."""

from __future__ import annotations

import io

import numpy as np

from harness.store.perquery import PerQuery, SettingValues


def _saved(arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)
    buf.seek(0)
    with np.load(buf, allow_pickle=False) as z:
        return {k: z[k] for k in z.files}


def test_full_ranking_round_trips_with_scores():
    ids = np.array([["d3", "d1", ""], ["d2", "d3", "d1"]])
    scores = np.array([[0.9, 0.5, np.nan], [0.7, 0.7, -1.25]], dtype=np.float32)
    pq = PerQuery(np.array(["q1"]), np.array(["q1", "q2"]),
                  (SettingValues({"ndcg@10": np.array([0.5])}, ids, scores),
                   SettingValues({}, ids[:, :1], scores[:, :1])))
    arrays = pq.to_arrays()
    # each id string once, positions as int32
    assert list(arrays["doc_ids"]) == ["d1", "d2", "d3"]
    assert arrays["s0:top_index"].tolist() == [[2, 0, -1], [1, 2, 0]]
    back = PerQuery.from_arrays(_saved(arrays))
    got_ids, got_scores = back.ranking(0)
    assert got_ids.tolist() == ids.tolist()
    np.testing.assert_array_equal(got_scores, scores)
    assert back.ranking(1)[0].tolist() == [["d3"], ["d2"]]
    assert set(back.settings[0].values) == {"ndcg@10"}  # ranking keys are not metrics
    assert back.top_ids(0, "q1") == ["d3", "d1"] and back.top_ids(0, "q9") is None


def test_folder_written_before_full_rankings_still_loads():
    old = {"query_ids": np.array(["q1"]), "all_query_ids": np.array(["q1", "q2"]),
           "s0:ndcg@10": np.array([0.25]), "s0:top_ids": np.array([["a", "b"], ["c", ""]])}
    back = PerQuery.from_arrays(_saved(old))
    assert back.top_ids(0, "q2") == ["c"]
    assert back.ranking(0) is None  # no scores: nothing to export as a run
    assert back.task_values(0, "ndcg@10").tolist() == [0.25]
    assert set(back.settings[0].values) == {"ndcg@10"}


def test_cell_without_rankings_has_no_vocabulary():
    pq = PerQuery(np.array(["q1"]), np.array(["q1"]), (SettingValues({"x": np.array([1.0])}),))
    arrays = pq.to_arrays()
    assert "doc_ids" not in arrays and "s0:top_index" not in arrays
    assert PerQuery.from_arrays(arrays).settings[0].top_ids is None
