"""The $ columns against hand-computed figures, and the suite's `costs:` block end to end."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest

from harness import api
from harness.cli.main import main
from harness.metrics.costs import COST_COLUMNS, Prices, cost_columns
from harness.suite.schema import load_suite_text

PRICES = Prices(usd_per_hour=3.6, cores=2, usd_per_gb_month=4.0)  # $0.001 a second


def test_each_formula_by_hand():
    row = {"encode_docs_per_s": 500.0, "build_s": 2.0, "n_docs": 10_000, "qps": 250.0,
           "bytes_per_doc": 2**29 / 10_000 - 1.0, "index_fixed_bytes": 10_000,
           "index_bytes": 1, "status": "ok"}
    got = cost_columns(pd.DataFrame([row]), PRICES).iloc[0]
    assert got["usd_per_1m_docs_encoded"] == pytest.approx(2.0)  # 1e6 / 500 s * $0.001
    assert got["usd_per_1m_docs_indexed"] == pytest.approx(0.2)  # 2 s for 1e4 docs
    assert got["usd_per_1m_queries"] == pytest.approx(2.0)  # 1e6 / (250 * 2 cores) s
    assert got["usd_per_month_ram"] == pytest.approx(2.0)  # half a GiB held, at $4
    older = cost_columns(pd.DataFrame([{**row, "bytes_per_doc": None}]), PRICES).iloc[0]
    assert older["usd_per_month_ram"] == pytest.approx(4.0 / 2**30)  # its index_bytes


def test_the_defaults_and_their_source():
    p = Prices()
    assert (p.usd_per_hour, p.cores) == (0.2016, 4)  # AWS m7i.xlarge on-demand, us-east-1
    assert p.usd_per_gb_month == pytest.approx((0.2646 - 0.2016) / 16 * 730)  # r7i - m7i
    got = cost_columns(pd.DataFrame([{"qps": 1000.0, "status": "ok"}]), p).iloc[0]
    assert got["usd_per_1m_queries"] == pytest.approx(0.2016 / 3600 * 1e6 / 4000)


def test_unmeasured_figures_cost_nothing_rather_than_a_guess():
    rows = pd.DataFrame([
        {"encode_docs_per_s": None, "build_s": 1.0, "n_docs": 10, "qps": 5.0,
         "index_bytes": 100, "status": "ok"},  # given vectors: nothing was encoded
        {"encode_docs_per_s": 9.0, "build_s": 1.0, "n_docs": 10, "qps": 5.0,
         "index_bytes": 100, "status": "error: boom"},
    ])
    got = cost_columns(rows, PRICES)
    assert math.isnan(got.loc[0, "usd_per_1m_docs_encoded"])
    assert got.loc[0, "usd_per_1m_docs_indexed"] == pytest.approx(100.0)
    assert got.loc[1].isna().all()


SUITE = """
schema_version: 1
name: costs
k: 10
datasets: [{ref: "synthetic:n=300,dim=8,clusters=3,queries=20"}]
models: [vectors]
backends: [{name: exact}, {name: faiss-hnsw}]
evaluate: [label_recall@10]
repeats: 2
warmup: 0
costs: {usd_per_hour: 7.2, cores: 8, usd_per_gb_month: 1.5}
"""


def test_a_suites_prices_reach_the_results_table_and_best(write_suite, tmp_path, capsys):
    out = api.run(write_suite(SUITE), api.RunOptions(
        output=tmp_path / "r", cache_dir=tmp_path / "c", progress=False, executor="inline",
        report=False, analysis=False))
    csv = pd.read_csv(out.run_dir / "results.csv")
    assert set(COST_COLUMNS) <= set(csv.columns) and len(csv) == 2
    per_s = 7.2 / 3600
    for _, r in csv.iterrows():
        assert r["usd_per_1m_queries"] == pytest.approx(per_s * 1e6 / (r["qps"] * 8))
        assert r["usd_per_1m_docs_indexed"] == pytest.approx(per_s * r["build_s"] * 1e6 / 300)
        held = r["bytes_per_doc"] * 300 + r["index_fixed_bytes"]
        assert r["usd_per_month_ram"] == pytest.approx(held / 2**30 * 1.5)
        assert math.isnan(r["usd_per_1m_docs_encoded"])  # the dataset's own vectors
    parquet = pd.read_parquet(out.run_dir / "results.parquet")
    assert parquet["usd_per_1m_queries"].tolist() == pytest.approx(
        csv["usd_per_1m_queries"].tolist())
    # harness best: a budget on $ per 1M queries keeps the rows at or under it
    cheap = float(csv["usd_per_1m_queries"].min())
    assert main(["best", str(out.run_dir), "--json",
                 "--max-usd-per-1m-queries", str(cheap * 1.0001)]) == 0
    (best,) = json.loads(capsys.readouterr().out)["best"]
    assert best["usd_per_1m_queries"] == pytest.approx(cheap)
    assert main(["best", str(out.run_dir), "--max-usd-per-1m-queries", str(cheap / 2)]) == 1
    assert "no configuration fits" in capsys.readouterr().out


def test_prices_do_not_change_the_run_id():
    """The $ columns are applied when results are read: new prices resume the same run."""
    plain = SUITE.replace("costs: {usd_per_hour: 7.2, cores: 8, usd_per_gb_month: 1.5}\n", "")
    assert plain != SUITE
    assert load_suite_text(plain).sha256 == load_suite_text(SUITE).sha256
