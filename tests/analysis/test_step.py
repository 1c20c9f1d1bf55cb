"""The analysis step of `harness run`: tables in the run folder, shown in the report."""

from __future__ import annotations

import pandas as pd
import pytest

from harness import api
from harness.analysis.step import _measured_index, _measured_metric, across_runs

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
evaluate: [label_recall@10]
"""


def test_run_writes_analysis_and_report_shows_it(write_suite, tmp_path):
    out = api.run(write_suite(SUITE), api.RunOptions(output=tmp_path / "r",
                                                     cache_dir=tmp_path / "c", progress=False))
    d = out.run_dir
    fun = pd.read_csv(d / "funnel.csv")
    assert len(fun) == len(out.frame) == 6
    # the dataset's own main metric (knn_accuracy@10) is not evaluated: the suite's first
    assert set(fun["main_metric"]) == {"label_recall@10"}
    assert set(out.frame["main_metric"]) == {"label_recall@10"}
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
    # norms are noise (norm CV >> 0.1) and the labels follow the direction
    assert row["recommended_metric"] == "cosine"
    assert row["norm_cv"] > 0.5 and "DBI_cosine" in row["metric_reason"]
    assert "cosine" in row["measured_metric"].split("|") and row["metric_matched"]
    counts = across_runs(tmp_path / "r")
    assert counts["metric_measured"] == 1

    page = (d / "report.html").read_text()
    assert "Information-loss funnel" in page and "Metric misuse" in page
    assert "Synthetic recall vs task metric" in page and "decision tree" in page
    # one family (partition) only in this suite: the distance is checked, the family is not
    assert "measured accuracy</b> in this run: distance matched 1 of 1." in page


def test_funnel_command_rebuilds_the_analysis(write_suite, tmp_path, capsys):
    from harness.cli.main import main

    opts = api.RunOptions(output=tmp_path / "r", cache_dir=tmp_path / "c", progress=False,
                          analysis=False, report=False)
    out = api.run(write_suite(SUITE), opts)
    assert not (out.run_dir / "funnel.csv").exists()
    assert main(["funnel", str(out.run_dir), "--cache-dir", str(tmp_path / "c")]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("main metric: label_recall@10")
    assert "metric misuse: synth-norms vectors dim=16 float32: ip loses" in printed
    assert (out.run_dir / "funnel.csv").is_file() and (out.run_dir / "report.html").is_file()


def test_measured_metric_compares_all_three_distances_with_a_tie_tolerance():
    fun = pd.DataFrame([
        # the probe's vectors: float32 at the full dim (the int8 row is not what it measured)
        {"dataset": "d", "model": "m", "dim": 32, "precision": "float32",
         "exact_cosine": 0.4064, "exact_ip": 0.3182, "exact_l2": 0.4030},
        {"dataset": "d", "model": "m", "dim": 32, "precision": "int8",
         "exact_cosine": 0.1, "exact_ip": 0.9, "exact_l2": 0.1},
    ])
    # cosine and l2 are 0.0034 apart, within the 0.005 tolerance: both count as best
    got = _measured_metric(fun, ("d", "m"), "l2")
    assert got["measured_metric"] == "cosine|l2" and got["metric_matched"]
    assert got["metric_gap"] == pytest.approx(0.4064 - 0.4030)
    got = _measured_metric(fun, ("d", "m"), "ip")
    assert not got["metric_matched"] and got["metric_gap"] == pytest.approx(0.4064 - 0.3182)
    # ip configured in the run, and its loss within its bootstrap CI: statistically tied
    fun = fun.assign(metric="ip", metric_misuse=[False, True])
    got = _measured_metric(fun, ("d", "m"), "ip")
    assert got["measured_metric"] == "cosine|ip|l2" and got["metric_matched"]
    fun = fun.assign(metric_misuse=True)  # beyond the CI: only the 0.005 tolerance ties
    assert _measured_metric(fun, ("d", "m"), "ip")["measured_metric"] == "cosine|l2"


def _row(family: str, qps: float, value: float) -> dict:
    return {"dataset": "d", "model": "m", "family": family, "qps": qps, "lr": value}


def test_measured_index_compares_families_at_matched_speed():
    ok = pd.DataFrame([
        _row("graph", 1000, 0.70), _row("graph", 200, 0.90),
        _row("partition", 500, 0.80), _row("partition", 100, 0.95),
        _row("quantized-flat", 300, 0.85),
        _row("exact", 50, 0.99),  # the reference, never a contender
    ])
    # speed floor = min(1000, 500, 300) = 300; at or above it: graph 0.70, partition 0.80,
    # quantized-flat 0.85 (without the floor partition's 0.95 would win)
    got = _measured_index(ok, ("d", "m"), "lr", "partition")
    assert got["speed_floor_qps"] == 300.0
    assert got["measured_index"] == "quantized-flat" and not got["index_matched"]
    assert got["index_gap"] == pytest.approx(0.05)
    assert _measured_index(ok, ("d", "m"), "lr", "graph")["index_gap"] == pytest.approx(0.15)
    ok.loc[4, "lr"] = 0.803  # within 0.005 of partition's 0.80: a tie, both are best
    got = _measured_index(ok, ("d", "m"), "lr", "partition")
    assert got["measured_index"] == "partition|quantized-flat" and got["index_matched"]
    # the recommended family absent, or alone: nothing to check it against
    assert _measured_index(ok[ok["family"] != "graph"], ("d", "m"), "lr", "graph") == {}
    assert _measured_index(ok[ok["family"] == "graph"], ("d", "m"), "lr", "graph") == {}
