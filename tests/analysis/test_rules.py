"""Each ranking rule on hand-made frontiers: who is admitted, the order, ties, crossings."""

import pandas as pd
import pytest

from harness.analysis.budget import Budget
from harness.analysis.rules import RULES, RuleInput, apply_rule, rule_of
from harness.errors import UserError


def _rows():
    # model m: exact reference 0.80; two HNSW curves that cross: A is fast at low recall,
    # B reaches higher recall/quality.
    rows = [
        ("exact", "", "", 0.80, 1.00, 100.0),
        ("hnsw", "A", "ef=10", 0.70, 0.85, 5000.0),
        ("hnsw", "A", "ef=20", 0.792, 0.92, 3000.0),   # >= 0.99*0.80 = 0.792
        ("hnsw", "A", "ef=40", 0.795, 0.94, 2000.0),
        ("hnsw", "B", "ef=10", 0.75, 0.90, 2500.0),
        ("hnsw", "B", "ef=40", 0.799, 0.99, 1000.0),
    ]
    return pd.DataFrame(
        [{"model": "m", "precision": "float32", "backend": b, "build_params": bp,
          "search_params": sp, "ndcg@10": t, "knn_recall@10": r, "qps": q,
          "bytes_per_doc": 100.0 * (i + 1)} for i, (b, bp, sp, t, r, q) in enumerate(rows)])


ENTRY = ["backend", "build_params"]
INP = RuleInput("ndcg@10")


def _order(got):
    return list(zip(got["build_params"], got["search_params"], strict=True))


def test_task_at_budget_is_best_task_then_qps_and_honours_budgets():
    got = apply_rule(_rows(), "task@budget", INP)
    assert got["ndcg@10"].tolist() == [0.80, 0.799, 0.795, 0.792, 0.75, 0.70]
    assert got["rule_rank"].tolist() == [1, 2, 3, 4, 5, 6]
    capped = apply_rule(_rows(), "task@budget", RuleInput("ndcg@10", Budget(min_qps=2000)))
    assert _order(capped) == [("A", "ef=40"), ("A", "ef=20"), ("B", "ef=10"), ("A", "ef=10")]


def test_qps_at_task_admits_rows_within_one_percent_of_exact_fastest_first():
    got = apply_rule(_rows(), "qps@task>=99%exact", INP, entry=ENTRY)
    # A ef=20 (0.792 = 0.99 x 0.80) is the fastest admitted row of A; B only at ef=40
    assert _order(got) == [("A", "ef=20"), ("B", "ef=40"), ("", "")]
    assert got["qps"].tolist() == [3000.0, 1000.0, 100.0]
    # B's curve reaches 0.799, above A's best 0.795: the curves cross above the bar
    assert "crossing: rank 2 (hnsw B)" in got["rule_note"].iloc[0]
    assert "0.7990" in got["rule_note"].iloc[0] and "0.7950" in got["rule_note"].iloc[0]


def test_qps_at_knn_bars_big_ann_and_vibe():
    at90 = apply_rule(_rows(), "qps@knn>=0.9", INP, entry=ENTRY)
    assert _order(at90) == [("A", "ef=20"), ("B", "ef=10"), ("", "")]
    at95 = apply_rule(_rows(), "qps@knn>=0.95", INP, entry=ENTRY)
    assert _order(at95) == [("B", "ef=40"), ("", "")]  # A never reaches 0.95 (0.94)
    assert "crossing" in at90["rule_note"].iloc[0]  # exact reaches recall 1.0 > A's 0.94
    assert at95["rule_note"].iloc[0].startswith("crossing: rank 2 (exact)")


def test_pareto_keeps_only_undominated_rows():
    got = apply_rule(_rows(), "pareto", INP)
    # (task, qps): B ef=10 (0.75, 2500) is beaten by A ef=20 (0.792, 3000): not on the frontier
    assert _order(got) == [("", ""), ("B", "ef=40"), ("A", "ef=40"), ("A", "ef=20"),
                           ("A", "ef=10")]


def test_ties_share_the_lower_rank_and_say_so():
    rows = _rows()
    rows.loc[5, ["ndcg@10", "qps"]] = [0.80, 100.0]  # B ef=40 now equals exact on both keys
    got = apply_rule(rows, "task@budget", INP)
    assert got["rule_rank"].tolist()[:3] == [1, 1, 3]
    assert got["rule_note"].iloc[0] == got["rule_note"].iloc[1] == (
        "tie: 2 rows with the same ndcg@10 and qps")
    assert got["rule_note"].iloc[2] == ""


def test_no_exact_reference_means_nothing_is_admitted_and_unknown_rules_are_refused():
    rows = _rows()[lambda d: d["backend"] != "exact"]
    assert apply_rule(rows, "qps@task>=99%exact", INP).empty
    with pytest.raises(UserError, match="no ranking rule 'fastest'"):
        rule_of("fastest")
    assert rule_of(None).name == "task@budget"
    assert all(r.doc for r in RULES.values())


def test_task_at_matched_speed_admits_rows_at_the_slowest_groups_top_speed():
    # family A's fastest row 5000 qps, B's 2500: the floor is 2500; each family's best task
    # metric at or above it: A 0.70 (ef=10; ef=20 is at 3000 -> 0.792), B 0.75
    rows = _rows().assign(family=["exact", "A", "A", "A", "B", "B"]).iloc[1:]
    got = apply_rule(rows, "task@matched-speed", INP, entry=["family"])
    assert got["rule"].iloc[0] == "task@matched-speed"
    assert list(zip(got["family"], got["ndcg@10"], strict=True)) == [("A", 0.792), ("B", 0.75)]


def test_bytes_at_task_ranks_the_fewest_bytes_first_among_rows_within_99_percent():
    got = apply_rule(_rows(), "bytes@task>=99%exact", INP)
    # admitted: task >= 0.792: exact (100 bytes), A ef=20 (300), A ef=40 (400), B ef=40 (600)
    assert got["bytes_per_doc"].tolist() == [100.0, 300.0, 400.0, 600.0]
    assert got["rule_rank"].tolist() == [1, 2, 3, 4]
