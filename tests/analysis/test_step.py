"""The analysis step of `harness run`: tables in the run folder, shown in the report."""

from __future__ import annotations

import pandas as pd

from harness import api
from harness.analysis.step import across_runs

SUITE = """\
schema_version: 1
name: ice
datasets:
  - {ref: "synthetic:n=3000,dim=16,clusters=6,norm_spread=1.0,noise=1.5,queries=200",
     name: synth-norms}
models: [vectors]
metrics: [cosine, ip]
k: 10
repeats: 1
warmup: 0
backends:
  - name: exact
  - name: faiss-ivf
    build: {nlist: 16}
    search: {nprobe: [1, 4]}
evaluate: [label_recall@10, knn_accuracy@10]
"""


def test_run_writes_analysis_and_report_shows_it(write_suite, tmp_path):
    out = api.run(write_suite(SUITE), api.RunOptions(output=tmp_path / "r",
                                                     cache_dir=tmp_path / "c", progress=False))
    d = out.run_dir
    fun = pd.read_csv(d / "funnel.csv")
    assert len(fun) == len(out.frame) == 6
    assert set(fun["main_metric"]) == {"label_recall@10"}
    # inner product on vectors with spread norms: flagged, cosine is the better distance
    ip = fun[fun["metric"] == "ip"]
    assert ip["metric_misuse"].all() and set(ip["best_metric"]) <= {"cosine", "l2"}
    assert not fun[fun["metric"] == "cosine"]["metric_misuse"].any()

    ranks = pd.read_csv(d / "rankings.csv")
    assert sorted(ranks["metric"]) == ["cosine", "ip"]
    assert (ranks["configurations"] == 3).all()
    assert ranks["kendall_tau"].between(-1, 1).all()
    inv = pd.read_csv(d / "inversions.csv") if (d / "inversions.csv").stat().st_size > 1 \
        else pd.DataFrame()
    if len(inv):  # every listed inversion is beyond its CI: higher recall, lower task metric
        assert (inv["recall_a"] > inv["recall_b"]).all() and (inv["gap_ci_low"] > 0).all()

    rec = pd.read_csv(d / "recommendation.csv")
    (row,) = rec.to_dict("records")
    assert row["recommended_metric"] == "l2"  # norm CV >> 0.1
    assert row["norm_cv"] > 0.5 and "norm CV" in row["metric_reason"]
    assert row["measured_metric"] in ("ip", "l2", "tie")
    counts = across_runs(tmp_path / "r")
    assert counts["metric_measured"] == 1

    page = (d / "report.html").read_text()
    assert "Information-loss funnel" in page and "Metric misuse" in page
    assert "Synthetic recall vs task metric" in page and "decision tree" in page


def test_funnel_command_rebuilds_the_analysis(write_suite, tmp_path, capsys):
    from harness.cli import main

    opts = api.RunOptions(output=tmp_path / "r", cache_dir=tmp_path / "c", progress=False,
                          analysis=False, report=False)
    out = api.run(write_suite(SUITE), opts)
    assert not (out.run_dir / "funnel.csv").exists()
    assert main(["funnel", str(out.run_dir), "--cache-dir", str(tmp_path / "c")]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("main metric: label_recall@10")
    assert "metric misuse: synth-norms vectors dim=16 float32: ip loses" in printed
    assert (out.run_dir / "funnel.csv").is_file() and (out.run_dir / "report.html").is_file()
