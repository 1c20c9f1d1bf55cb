"""The speed figure with many index builds (ann-benchmarks' answer to 37 lines in one panel):
the overview draws exactly one line per backend through that backend's own Pareto points
(the one mask, analysis/frontier.py), every other point faint; one small panel per backend
keeps each build's line; every point keeps its hover title."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
from report_fixtures import points_without_title

from harness.analysis.frontier import pareto_mask
from harness.report.plots import speed_grid
from harness.report.plots.hover import Tips
from harness.report.plots.speed import MANY_BUILDS, speed_views
from harness.report.plots.speed_parts import build_colors, build_labels

BUILDS = {"faiss-hnsw": [4, 8, 16, 32], "hnswlib": [8, 16, 24], "annoy": [10, 50, 100]}
ROW = {"dataset": "synth", "model": "hash:64", "dim": 64, "dim_method": "native",
       "precision": "float32", "metric": "cosine", "bytes_per_doc": 256}


def _frame() -> pd.DataFrame:
    """10 builds of 3 backends, 4 search settings each, with made-up but varied numbers
    (seeded): recall rises with the setting and the build, qps falls, with noise so that
    some points are dominated within their backend."""
    rng = np.random.default_rng(7)
    rows = []
    for b, (backend, sizes) in enumerate(BUILDS.items()):
        for size in sizes:
            for ef in (1, 4, 16, 64):
                recall = min(1.0, 0.4 + 0.1 * np.log2(ef) * size / 32 + rng.uniform(0, 0.1))
                rows.append({**ROW, "backend": backend, "build_params": f'{{"M": {size}}}',
                             "search_params": f'{{"ef": {ef}}}', "knn_recall@10": recall,
                             "ndcg@10": 0.5 * recall + rng.uniform(0, 0.05),
                             "qps": 1e5 / (ef * size ** 0.5) * (b + 1) * rng.uniform(0.7, 1.3)})
    return pd.DataFrame(rows)


def test_overview_one_line_per_backend_through_its_pareto_points():
    from matplotlib.figure import Figure

    ok = _frame()
    ok = ok.assign(_build=build_labels(ok))
    colors, hue = build_colors(ok, ok["_build"])
    assert len(colors) == 10 > MANY_BUILDS
    ax = Figure().subplots()
    for xcol in ("knn_recall@10", "ndcg@10"):
        ax.clear()
        speed_grid.frontier_panel(ax, ok, (xcol, []), (colors, hue, {}), Tips())
        lines = {ln.get_label(): ln for ln in ax.get_lines()
                 if ln.get_label().startswith("frontier: ")}
        assert sorted(lines) == [f"frontier: {b}" for b in sorted(BUILDS)]
        for backend in BUILDS:
            g = ok[ok["backend"] == backend]
            want = g[pareto_mask(g, [xcol, "qps"])].sort_values(xcol)
            assert 1 < len(want) < len(g)  # the frontier leaves some points off here
            line = lines[f"frontier: {backend}"]
            np.testing.assert_allclose(line.get_xdata(), want[xcol])
            np.testing.assert_allclose(line.get_ydata(), want["qps"])
            assert line.get_color() == hue[backend]
        # every row is a point of its own: on the frontier full size, off it small and faint
        points = [ln for ln in ax.get_lines() if ln.get_linestyle() == "None"]
        assert len(points) == len(ok)
        faint = [p for p in points if p.get_alpha() is not None]
        assert len(faint) == len(ok) - sum(
            pareto_mask(g, [xcol, "qps"]).sum() for _, g in ok.groupby("backend"))


def test_many_builds_figure_has_small_multiples_and_titles():
    ok = _frame()
    plot = speed_views(ok, {"synth": "ndcg@10"}, "t")
    assert "each backend's frontier" in plot.svg
    for backend in BUILDS:  # one small panel per backend, titled with its name
        assert plot.svg.count(f">{backend}<") == 2  # the legend and the panel's title
    assert "M=16" in plot.svg and "M=100" in plot.svg  # the builds keyed below their panel
    marks, untitled = points_without_title(plot.svg)
    assert untitled == 0 and marks == 3 * len(ok)  # ANN view, task view, small panel
    titles = re.findall(r"<title>([^<]*)</title>", plot.svg)
    assert len(titles) == 3 * len(ok)  # ANN view, task view, the backend's small panel
    assert any("hnswlib(M=24;ef=64)" in t for t in titles)


def test_up_to_eight_builds_keep_one_panel_per_view():
    ok = _frame()
    keep = list(dict.fromkeys(build_labels(ok)))[:MANY_BUILDS]
    few = ok[build_labels(ok).isin(keep)]
    plot = speed_views(few, {"synth": "ndcg@10"}, "t")
    assert "each backend's frontier" not in plot.svg
    assert "a backend's own Pareto frontier" in plot.svg
    assert len(re.findall(r"<title>", plot.svg)) == 2 * len(few)


def test_many_builds_of_one_backend_keep_one_panel_per_view():
    """Small multiples of a single backend would repeat the overview (the compression suite:
    36 exact builds): the figure stays as it was."""
    ok = _frame()
    one = ok.assign(backend="faiss-hnsw", build_params=[f'{{"M": {i}}}' for i in ok.index // 4])
    assert build_labels(one).nunique() == 10 > MANY_BUILDS
    plot = speed_views(one, {"synth": "ndcg@10"}, "t")
    assert "each backend's frontier" not in plot.svg
    assert len(re.findall(r"<title>", plot.svg)) == 2 * len(one)
