"""report.html: written by `harness run`, self-contained, plots and tables, text escaped."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from report_fixtures import IMG, SCRIPT, runs_fixture  # noqa: F401 (the `runs` fixture)

from harness.cli.main import main
from harness.report.page import build_report


def test_run_writes_a_self_contained_report(runs):
    run_dir = runs.a.run_dir
    page = (run_dir / "report.html").read_text()
    assert page.startswith("<!DOCTYPE html>")
    # No network: no http(s) or protocol-relative URL in any src/href, and a CSP forbidding it.
    refs = re.findall(r"""(?:src|href)\s*=\s*["']?([^"'\s>]+)""", page)
    assert refs
    assert not [r for r in refs if re.match(r"(https?:)?//", r)]
    assert "default-src 'none'" in page
    # Plots (inline SVG) and tables.
    assert page.count("<svg") >= 4
    # exact search only (recall 1 everywhere): the task view without the ANN view
    for title in ("task view", "Compression", "Dimensions: task metric vs dim", "Build time"):
        assert title in page
    assert "ANN view" not in page
    assert page.count('<table class="sortable"') >= 1
    assert "ndcg@10 (main)" in page
    assert "95% bootstrap CI" in page
    # Header: suite, date, machine, versions; nothing skipped or failed.
    for text in ("report-a", "AMD" if "AMD" in page else "CPU", "harness", "python", "Nothing"):
        assert text in page
    # The CSV tables it shows.
    shown = pd.read_csv(run_dir / "report" / "display.csv")
    assert len(shown) == len(runs.a.frame)
    assert {"ndcg@10", "ndcg@10_ci_low", "ndcg@10_ci_high", "pareto"} <= set(shown.columns)
    assert (shown["ndcg@10_ci_low"] <= shown["ndcg@10"]).all()
    assert (run_dir / "report" / "summary.csv").is_file()
    # The $ figures: shown as computed from the row's own measurements (harness.metrics.costs)
    frame = runs.a.frame.set_index("cell_id")
    for col in ("usd_per_1m_queries", "usd_per_1m_docs_indexed", "usd_per_month_ram"):
        assert shown[col].tolist() == pytest.approx(frame.loc[shown["cell_id"], col].tolist())
    assert "$/1M queries" in page and "per GiB-month of RAM" in page
    drill = pd.read_csv(run_dir / "report" / "drilldown.csv")
    assert len(drill) and (drill["loss"] > 0).all()
    assert drill["query_text"].str.contains("<script>", regex=False).all()


def test_dataset_markup_is_shown_as_text_not_executed(runs):
    page = (runs.a.run_dir / "report.html").read_text()
    assert SCRIPT not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    # The only <script> element is the report's own.
    assert page.count("<script") == 1
    assert IMG not in page and "<img" not in page
    assert "&lt;b&gt;not bold&lt;/b&gt;" in page  # the suite description too
    # The drill-down names the reference and says what the per-query values prove.
    assert "exact float32 search at the native dim" in page
    assert "relevant document" in page
    # Each relevant document is marked with its rank or as missed, from the stored top ids,
    # and what was retrieved in its place is listed.
    assert re.search(r"class='tag (found|missed)'>(rank \d+|missed \(not in top \d+\))", page)
    assert "retrieved instead:" in page


def test_report_command_and_missing_columns(runs, tmp_path, capsys):
    assert main(["report", str(runs.b.run_dir), "--no-texts"]) == 0
    out = capsys.readouterr().out
    assert "report.html" in out
    page = (runs.b.run_dir / "report.html").read_text()
    # One configuration only: no reference to drill into, no Matryoshka curve; still a report.
    assert "Matryoshka curves (need two or more dims" in page
    assert main(["report", str(tmp_path)]) == 2

    # A results table with columns missing (an older or newer harness) still reports.
    import shutil

    copy = tmp_path / "old"
    shutil.copytree(runs.a.run_dir, copy)
    shutil.rmtree(copy / "cells")
    frame = pd.read_csv(runs.a.run_dir / "results.csv")
    frame.drop(columns=["knn_recall@10", "bytes_per_doc", "build_s"]).to_csv(
        copy / "results.csv", index=False
    )
    res = build_report(copy, texts=False)
    page = res.html.read_text()
    assert "task view" in page and "ANN view" not in page
    assert "<table" in page


def test_failed_cells_and_skips_are_reported(runs, tmp_path):
    import json
    import shutil

    copy = tmp_path / "failed"
    shutil.copytree(runs.a.run_dir, copy)
    cell = next((copy / "cells").glob("*.json"))
    rec = json.loads(cell.read_text())
    rec["rows"] = [{**rec["rows"][0], "status": "error: RuntimeError: boom <b>"}]
    for k in ("ndcg@10", "qps"):
        rec["rows"][0].pop(k, None)
    cell.write_text(json.dumps(rec))
    manifest = json.loads((copy / "manifest.json").read_text())
    manifest["skipped"] = [{"cell": "x | y", "reason": "faiss-ivf does not support metric 'l2'"}]
    (copy / "manifest.json").write_text(json.dumps(manifest))
    page = build_report(copy, texts=False).html.read_text()
    assert "Errors (1)" in page and "RuntimeError: boom &lt;b&gt;" in page
    assert "Skipped (1)" in page and "does not support metric" in page
    assert (copy / "report" / "errors.csv").is_file()


def test_funnel_waterfall_when_the_run_has_a_funnel_table(runs, tmp_path):
    import shutil

    copy = tmp_path / "funnel"
    shutil.copytree(runs.a.run_dir, copy)
    rows = runs.a.frame[["dataset", "model", "dim", "precision", "metric", "backend"]].copy()
    rows["search_params"] = "{}"
    rows["main_metric"] = "ndcg@10"
    rows["ideal"] = 1.0
    rows["observed"] = runs.a.frame["ndcg@10"].to_numpy()
    losses = ["embedding_loss", "dimension_loss", "precision_loss", "metric_loss", "index_loss"]
    for name in losses:
        rows[name] = 0.0
    rows["embedding_loss"] = 1.0 - rows["observed"]
    rows.to_csv(copy / "funnel.csv", index=False)
    page = build_report(copy, texts=False).html.read_text()
    assert "Information-loss funnel" in page
    assert "funnel waterfall (no funnel results" not in page


def test_dollars_and_bytes_are_shown_at_a_readable_precision():
    """$ figures never in scientific notation nor with silly precision; bytes per document
    without a tenth of a byte beside hundreds. Display only: the CSV keeps the exact value."""
    from harness.report import html as H

    shown = {x: H.fmt("usd_per_1m_queries", x) for x in
             (0.0, 1.48e-06, 0.00053, 0.00103, 0.00685, 0.98, 12.345, 123.4, 1234.5)}
    assert shown == {0.0: "$0", 1.48e-06: "<$0.0001", 0.00053: "$0.00053", 0.00103: "$0.0010",
                     0.00685: "$0.0069", 0.98: "$0.98", 12.345: "$12.35", 123.4: "$123.40",
                     1234.5: "$1,234"}
    assert [H.fmt("bytes_per_doc", x) for x in (272.2, 1536.0, 8.5, 32.0)] == [
        "272", "1,536", "8.5", "32"]
    cell = H.table(pd.DataFrame({"usd_per_month_ram": [1.48e-06, 0.5]}),
                   [H.Col("usd_per_month_ram")], table_id="t")
    assert 'data-v="1.48e-06"' in cell and "&lt;$0.0001" in cell  # sorted by the exact value


def test_speed_banner_says_how_many_rows_and_which(runs, tmp_path):
    """Some rows unstable: the banner scopes its warning to them and names them, with their
    repeats' spread, rather than casting doubt on every speed figure of the run."""
    from harness.report.data import RunData
    from harness.report.sections.header import speed_banner

    run = RunData.load(runs.a.run_dir)
    frame = run.frame.copy()
    frame["timing_unstable"] = [True] + [False] * (len(frame) - 1)
    frame["qps_spread"] = 2.04
    run.__dict__["frame"] = frame  # the cached rows, as if one row's repeats disagreed
    run.__dict__["manifest"] = {**run.manifest, "speed_caveats": []}
    banner = speed_banner(run)
    assert f"Speed figures of 1 of {len(frame)} result rows" in banner
    assert banner.count("<li>") == 2 and "(repeats 2.0x apart)" in banner
    frame["timing_unstable"] = True  # every row: the whole run's, no list of every row
    assert "<b>Speed figures (qps" in speed_banner(run) and "The rows" not in speed_banner(run)
