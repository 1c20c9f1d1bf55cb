"""Partitioned: sub-indexes over groups of rows, merged by score, ids in corpus numbering."""

from __future__ import annotations

import numpy as np

from harness.backends.base import IndexInput
from harness.backends.partitioned import Partitioned, merge
from harness.registry import BACKENDS


def test_merge_keeps_the_best_k_by_score_then_lower_id():
    ids = [np.array([[4, 2]]), np.array([[7, -1]])]
    scores = [np.array([[0.9, 0.5]], np.float32), np.array([[0.5, -np.inf]], np.float32)]
    got_ids, got_scores = merge(ids, scores, 1, 3)
    assert got_ids.tolist() == [[4, 2, 7]]  # 2 and 7 tie at 0.5: the lower id first
    assert got_scores.tolist() == [[np.float32(0.9), 0.5, 0.5]]


def test_parts_search_their_rows_and_map_ids_back():
    docs = np.array([[1, 0], [0, 1], [0.9, 0.1], [0.1, 0.9], [0.7, 0.7]], np.float32)
    cls = BACKENDS.get("exact").load()
    p = Partitioned(lambda: cls("ip", {}), [np.array([0, 1]), np.array([2, 3, 4]),
                                            np.array([], np.int64)])
    p.build(IndexInput(docs, "ip", "float32"))
    q = np.array([[1, 0]], np.float32)
    ids, scores = p.search_parts(q, 3, [1])
    assert ids.tolist() == [[2, 4, 3]]  # scores 0.9, 0.7, 0.1 among rows 2, 3, 4
    assert np.allclose(scores[0], [0.9, 0.7, 0.1], atol=1e-6)
    ids, _ = p.search_parts(q, 3, [0])  # a group of 2: one slot left empty
    assert ids.tolist() == [[0, 1, -1]]
    ids, _ = p.search(q, 2)  # every group: the whole corpus
    assert ids.tolist() == [[0, 2]]
    assert p.search_parts(q, 2, [2])[0].tolist() == [[-1, -1]]  # the empty group
    assert p.memory().per_doc == 2 * 4  # float32 x 2 per document, as the exact backend
