"""Every ranking names its rule: leaderboard (terminal and HTML), best, the report."""

from __future__ import annotations

import pandas as pd
from report_fixtures import runs_fixture  # noqa: F401 (the `runs` fixture)

from harness.cli.main import main


def test_leaderboard_and_best_name_their_rule(runs, capsys):
    assert main(["leaderboard", str(runs.results)]) == 0
    out = capsys.readouterr().out
    assert "rule task@budget, metric ndcg@10" in out
    default = pd.read_csv(runs.results / "leaderboard.csv")
    assert (default["rule"] == "task@budget").all()
    assert main(["leaderboard", str(runs.results), "--rule", "qps@knn>=0.9"]) == 0
    out = capsys.readouterr().out
    assert "rule qps@knn>=0.9, metric ndcg@10" in out
    board = pd.read_csv(runs.results / "leaderboard.csv")
    assert len(board) and (board["knn_recall@10"] >= 0.9).all()
    assert board["qps"].is_monotonic_decreasing  # fastest first under a speed-at-a-bar rule
    page = (runs.results / "leaderboard.html").read_text()
    assert "rule <b>qps@knn&gt;=0.9</b>" in page
    assert main(["best", str(runs.a.run_dir), "--rule", "pareto"]) == 0
    assert "by the rule pareto" in capsys.readouterr().out


def test_report_ranking_section_names_the_rule(runs, capsys):
    assert main(["report", str(runs.a.run_dir), "--rule", "qps@knn>=0.95", "--no-texts"]) == 0
    page = (runs.a.run_dir / "report.html").read_text()
    assert "Rule <b>qps@knn&gt;=0.95</b>" in page and "rule qps@knn&gt;=0.95</h3>" in page
    ranked = pd.read_csv(runs.a.run_dir / "report" / "ranking.csv")
    assert len(ranked) and (ranked["rule"] == "qps@knn>=0.95").all()
    assert (ranked["knn_recall@10"] >= 0.95).all()


def test_the_recommendation_prints_its_precision_with_its_figures_and_both_rules():
    from harness.report.sections.analysis import _recommended

    row = {"dataset": "d", "model": "m", "recommended_metric": "cosine", "metric_reason": "r",
           "recommended_index": "graph", "index_reason": "why", "measured_index": "graph",
           "index_matched": True, "speed_floor_qps": 1000.0, "index_rule": "task@matched-speed",
           "precision_dim": 384, "recommended_precision": "int4",
           "precision_rule": "bytes@task>=99%exact", "precision_bytes_per_doc": 192.0,
           "precision_task": 0.797, "precision_reference": 0.805, "precision_bar": 0.79695,
           "main_metric": "ndcg@10"}
    line = _recommended(row)
    assert "matches (rule task@matched-speed)." in line
    assert "Precision at 384 dims: <b>int4</b>" in line
    assert "(192)" in line and "ndcg@10 0.7970" in line and "0.8050 (bar 0.7970)" in line
    assert "(rule bytes@task&gt;=99%exact)." in line
    assert "Precision at" not in _recommended({k: v for k, v in row.items()
                                               if not k.startswith("precision")
                                               and k != "recommended_precision"})
