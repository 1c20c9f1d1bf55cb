"""The plots tell the truth about what was run: truncation and PCA at the same dim are two
lines (never one best-of), every point carries its configuration on hover, and the speed view
draws one curve per index build."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from report_fixtures import points_without_title, write_beir

from harness import api
from harness.execution.executor import close_logging, setup_logging
from harness.report import leaderboard
from harness.report.data import RunData
from harness.report.plots.speed import build_labels, speed_views
from harness.report.plots.tradeoffs import dim_curves, matryoshka_view, with_family

SUITE = """schema_version: 1
name: dims-{name}
k: 10
repeats: 1
warmup: 2
datasets: [{{ref: "beir:{data}", name: synth}}]
models: [hash:64]
dims: [null, 16, "pca:16"]
metrics: {metrics}
backends:
  - name: exact
  - name: faiss-hnsw
    build: {{M: [4, 8], efConstruction: 16}}
    search: {{efSearch: [1, 4, 16]}}
evaluate: [ndcg@10, mrr@10]
"""


@pytest.fixture(scope="module")
def dims_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("dims")
    data = write_beir(root / "synth")
    suite = root / "dims.yaml"
    suite.write_text(SUITE.format(name="a", data=data, metrics="[cosine, l2]"))
    opts = api.RunOptions(output=root / "results", cache_dir=root / "cache", progress=False,
                          executor="inline", analysis=False)
    return api.run(suite, opts)


def _ok(out) -> pd.DataFrame:
    return RunData.load(out.run_dir).ok


def test_truncation_and_pca_at_one_dim_are_two_lines(dims_run):
    ok = with_family(_ok(dims_run))
    exact = ok[(ok["backend"] == "exact") & (ok["metric"] == "cosine")]
    curves = dim_curves(exact, "ndcg@10")
    assert set(curves) == {("float32", "truncation"), ("float32", "pca")}
    for family, method in (("truncation", "truncate"), ("pca", "pca")):
        line = curves[("float32", family)]
        assert list(line["_d"]) == [16.0, 64.0]  # each ends at the native dim
        want = exact[(exact["dim"] == 16) & exact["dim_method"].str.startswith(method)]
        assert line["_m"].iloc[0] == pytest.approx(want["ndcg@10"].max())
        native = exact[exact["dim_method"] == "native"]["ndcg@10"].max()
        assert line["_m"].iloc[1] == pytest.approx(native)
    # the two methods really differ here, so a best-of would have hidden one of them
    assert curves[("float32", "truncation")]["_m"].iloc[0] != pytest.approx(
        curves[("float32", "pca")]["_m"].iloc[0])


def test_dims_plot_names_both_methods(dims_run):
    ok = _ok(dims_run)
    plot = matryoshka_view(ok, {"synth": "ndcg@10"}, "t")
    assert plot is not None
    titles = re.findall(r"<title>([^<]*)</title>", plot.svg)
    assert any("| d=16 pca |" in t for t in titles)
    assert any("| d=16 |" in t for t in titles)
    assert "float32 · PCA" in plot.svg and "float32 · truncation" in plot.svg


def test_leaderboard_keeps_truncation_and_pca(dims_run):
    board = leaderboard.build(dims_run.run_dir.parent, write=False)
    exact16 = board.table[(board.table["backend"] == "exact") & (board.table["dim"] == 16)]
    assert sorted(exact16["dim_method"]) == ["pca", "truncate(non-matryoshka)"]


def test_every_point_has_a_title(dims_run):
    html = (dims_run.run_dir / "report.html").read_text()
    svgs = re.findall(r"<svg\b.*?</svg>", html, flags=re.S)
    assert len(svgs) >= 3
    for svg in svgs:
        marks, untitled = points_without_title(svg)
        assert untitled == 0, (marks, svg[:300])
    speed = next(s for s in svgs if "ANN view" in s)
    n_ok = len(_ok(dims_run))
    assert speed.count("<title>") >= 2 * n_ok  # each row once per view


def test_speed_view_one_line_per_build_and_distance_marked(dims_run):
    ok = _ok(dims_run)
    labels = build_labels(ok)
    assert "faiss-hnsw M=4,efConstruction=16 · d=16 pca" in set(labels)
    assert labels.nunique() == 2 * 3 + 3  # (2 hnsw builds + exact) x 3 dims
    plot = speed_views(ok, {"synth": "ndcg@10"}, "t")
    assert "distance: cosine" in plot.svg and "distance: l2" in plot.svg
    assert "0.999" in plot.svg  # the spread recall axis' ticks


def test_headline_best_qps_at_each_bar(dims_run):
    from harness.report.sections.headline import headline

    ok = _ok(dims_run)
    table = headline(ok, "ndcg@10").set_index("backend")
    hnsw = ok[ok["backend"] == "faiss-hnsw"]
    for bar in (0.9, 0.95, 0.99):
        reach = hnsw[hnsw["knn_recall@10"] >= bar]
        want = reach["qps"].max() if len(reach) else float("nan")
        assert table.loc["faiss-hnsw", f"recall{bar:g}_qps"] == pytest.approx(want, nan_ok=True)
    ref = ok[(ok["backend"] == "exact") & (ok["precision"] == "float32")]["ndcg@10"].max()
    assert table.loc["exact", "reference"] == pytest.approx(ref)
    fine = hnsw[hnsw["ndcg@10"] >= 0.99 * ref]
    best = fine.loc[fine["qps"].idxmax()]
    assert table.loc["faiss-hnsw", "task_qps"] == pytest.approx(best["qps"])
    assert table.loc["faiss-hnsw", "task_bytes"] == best["bytes_per_doc"]
    html = (dims_run.run_dir / "report.html").read_text()
    assert 'id="glance"' in html and "ndcg@10 ≥ 99% of exact" in html


def test_problems_show_analysis_and_plot_failures(dims_run, monkeypatch):
    """A failed analysis and a failed plot are named in the report with their one-line cause
    (not a misleading 'no analysis' sentence)."""
    from harness.report import plots
    from harness.report.page import build_report

    def broken(*_a, **_k):
        raise RuntimeError("disk full\nsecond line")

    monkeypatch.setattr(api, "_analyse", broken)
    monkeypatch.setattr(plots, "build_view", broken)
    store = api.RunStore(dims_run.run_dir)
    handlers = setup_logging(store, echo=False)  # as during a run: the log file
    try:
        api._analyse_quietly(store, None)
    finally:
        close_logging(handlers)
    html = build_report(dims_run.run_dir).html.read_text()
    problems = html.split('id="problems"')[1].split("</section>")[0]
    assert "The analysis (funnel, rankings, recommendation) failed" in problems
    assert "RuntimeError: disk full" in problems and "second line" not in problems
    assert "Plot <b>build</b> failed: <code>RuntimeError: disk full</code>" in problems
    analysis = html.split('id="analysis"')[1].split("</section>")[0]
    assert "The analysis failed" in analysis
    log = (dims_run.run_dir / "log").read_text()
    assert "Traceback" in log and "second line" in log  # the traceback went to the log
    monkeypatch.undo()
    api._analyse_quietly(api.RunStore(dims_run.run_dir), None)  # clears the record
    assert "RuntimeError" not in build_report(dims_run.run_dir).html.read_text()


def test_waterfall_key_is_above_the_panels_not_over_a_bar():
    """Inside each panel (upper right) the key covered the observed bar whenever the task metric
    was high; one key for the figure, above the panels, covers nothing."""
    from harness.report.plots.stages import STAGES, funnel_view

    rows = pd.DataFrame({"dataset": "d", "model": ["m1", "m2"], "dim": 8, "precision": "float32",
                         "metric": "cosine", "backend": "exact", "search_params": "{}",
                         "main_metric": "ndcg@10", "ideal": 1.0, "observed": [0.999, 0.6]})
    for stage in STAGES:
        rows[stage] = 0.0
    rows["embedding_loss"] = 1.0 - rows["observed"]
    svg = funnel_view(rows, "t").svg  # two panels, one key (it was one per panel)
    assert re.findall(r">(loss|gain|level[^<]*)<", svg) == ["loss", "gain",
                                                           "level (ideal, observed)"]


def test_compression_points_are_labelled_with_their_dim_only_when_dims_differ():
    """Every point at d=128 (the memory suite): the panel title says so once instead of a
    'd=128' over every marker; two dims: each point keeps its label."""
    from harness.report.plots.tradeoffs import compression_view

    rows = pd.DataFrame({"dataset": "d", "model": "m", "dim": 128, "dim_method": "native",
                         "precision": ["float32", "int8", "binary"], "metric": "cosine",
                         "backend": "exact", "code_bytes_per_vector": [512, 128, 16],
                         "ndcg@10": [0.9, 0.89, 0.7], "qps": 100.0})
    svg = compression_view(rows, {"d": "ndcg@10"}, "t").svg
    assert ">d=128<" not in svg and "all at d=128" in svg
    two = pd.concat([rows, rows.head(1).assign(dim=64, dim_method="truncation",
                                               code_bytes_per_vector=256, **{"ndcg@10": 0.85})])
    svg = compression_view(two, {"d": "ndcg@10"}, "t").svg
    assert svg.count(">d=128<") >= 3 and ">d=64<" in svg and "all at" not in svg
    many = pd.concat([rows.assign(dim=d, code_bytes_per_vector=rows["code_bytes_per_vector"] * d
                                  / 128) for d in range(8, 136, 16)])  # 24 points: hover only
    assert ">d=" not in compression_view(many, {"d": "ndcg@10"}, "t").svg


def test_one_long_build_label_does_not_put_the_legend_in_one_column():
    """ann-sweep: a 150-character scann label made the 37-entry legend one column as tall as
    the plot. Long labels are cut in the middle (never into two alike) and each column is
    sized by its own longest label."""
    from harness.report.plots import legends as L

    scann = "scann " + ",".join(f"param_{i}=value_{i}" for i in range(8)) + " · float32"
    rabitq = [f"faiss-hnsw-rabitq M=32,efConstruction=40,nb_bits={b},refine=True · float32"
              for b in (1, 4)]
    labels = [scann, *rabitq, *(f"faiss-ivf nlist={n} · float32" for n in range(30))]
    short = L.legend_labels(labels)
    assert len(short[0]) == 61 and short[0].startswith("scann param_0") and "…" in short[0]
    assert short[0].endswith("· float32") and len(set(short)) == len(labels)
    assert short[1] != short[2] and short[3:] == labels[3:]
    assert L.legend_columns(11.0, labels) == 3  # the long labels share one column
    assert L.legend_columns(11.0, ["x" * 20] * 4) == 4 and L.legend_columns(3.0, labels) == 1


def test_easy_vs_hard_leaves_out_the_knn_panel_when_every_row_is_exact():
    """Exact search only (quickstart): knn_recall@10 is 1 on both thirds, a panel with one dot
    at (1, 1); the figure shows the task metric alone and says why."""
    from harness.report.plots.difficulty import difficulty_view

    rows = pd.DataFrame({"dataset": "d", "model": "m", "backend": "exact", "main_metric": "ndcg@10",
                         "easy_task": [0.8, 0.3], "hard_task": [0.85, 0.2],
                         "easy_knn_recall": 1.0, "hard_knn_recall": 1.0})
    plot = difficulty_view(rows, "t")
    assert "No knn_recall@10 panel" in plot.caption and "knn_recall@10, hard" not in plot.svg
    assert "ndcg@10, hard third" in plot.svg
    ann = difficulty_view(rows.assign(hard_knn_recall=[1.0, 0.9], backend="faiss-hnsw"), "t")
    assert "No knn_recall" not in ann.caption and "knn_recall@10, hard third" in ann.svg
