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
