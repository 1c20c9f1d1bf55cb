"""The report's hybrid section: present when a run has hybrid rows, with hybrid.csv's gains."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from report_fixtures import points_without_title

from harness import api

pytest.importorskip("bm25s")

SUITE = """
schema_version: 1
name: hyb
k: 10
datasets: ["beir:{beir}"]
models: ["hash:32", bm25]
backends:
  - name: exact
    search: {{hybrid: [none, bm25], fusion: [rrf, convex]}}
evaluate: [ndcg@10]
repeats: 1
warmup: 0
"""


def test_hybrid_rows_get_a_section_with_their_gains(write_suite, tiny_beir, tmp_path):
    out = api.run(write_suite(SUITE.format(beir=tiny_beir)), api.RunOptions(
        output=tmp_path / "r", cache_dir=tmp_path / "c", progress=False, executor="inline"))
    assert out.n_failed == 0 and len(out.frame) == 4  # dense, rrf, convex; bm25
    gains = pd.read_csv(out.run_dir / "hybrid.csv")
    assert len(gains) == 2
    frame = out.frame.set_index("search_params")
    dense = frame.loc["{}"].query("model == 'hash:32'")["ndcg@10"].iloc[0]
    assert gains["dense_only"].tolist() == [pytest.approx(dense)] * 2
    assert (gains["hybrid"] - gains["dense_only"]).tolist() == pytest.approx(
        gains["gain_over_dense"].tolist())
    html = (out.run_dir / "report.html").read_text()
    assert '<section id="hybrid">' in html and 'id="fig-hybrid"' in html
    assert html.count("<tr") >= 2 and "report/hybrid.csv" in html
    # the at-a-glance reference is the dense model's own exact search, not a hybrid row
    assert f"hash:32: {dense:.4f}" in html
    # every point of the hybrid plot carries its configuration and values on hover
    svg = re.search(r'id="fig-hybrid".*?(<svg\b.*?</svg>)', html, flags=re.S).group(1)
    assert points_without_title(svg) == (4, 0)
    titles = re.findall(r"<title>([^<]*)</title>", svg)
    assert sum(t.startswith("hybrid: ") and "fusion=rrf" in t for t in titles) == 1
    assert any(t.startswith("dense only: ") and f"ndcg@10 {dense:.4f}" in t for t in titles)


def test_runs_without_hybrid_rows_have_no_hybrid_section(write_suite, tiny_beir, tmp_path):
    text = SUITE.format(beir=tiny_beir).replace(', bm25]', ']').replace(
        "    search: {hybrid: [none, bm25], fusion: [rrf, convex]}\n", "")
    out = api.run(write_suite(text), api.RunOptions(
        output=tmp_path / "r", cache_dir=tmp_path / "c", progress=False, executor="inline"))
    assert '<section id="hybrid">' not in (out.run_dir / "report.html").read_text()


def test_hybrid_plot_ticks_qps_in_plain_numbers():
    """The log qps axis printed matplotlib's '$\\mathdefault{10^{4}}$' as written (the report
    draws text literally, without mathtext), labels piled over each other."""
    from harness.report.plots import style
    from harness.report.sections.hybrid import hybrid_view

    ok = pd.DataFrame({"dataset": "d", "model": ["m", "m", "bm25"], "qps": [900.0, 30000.0, 4000.0],
                       "ndcg@10": [0.5, 0.6, 0.4], "lexical_bytes": [None, 10.0, None],
                       "family": ["dense", "dense", "lexical"]})
    with style.literal_text():
        svg = hybrid_view(ok, {"d": "ndcg@10"}, salt="t")
    assert "mathdefault" not in svg and "$" not in svg
    assert ">1,000<" in svg and ">10,000<" in svg
    assert points_without_title(svg) == (3, 0)
    titles = re.findall(r"<title>([^<]*)</title>", svg)
    assert sorted(t.split(":")[0] for t in titles) == ["dense only", "hybrid", "lexical"]
    assert any(t.startswith("hybrid: d | m |") and "30,000 queries/s" in t and "ndcg@10 0.6000"
               in t for t in titles)


def test_a_hybrid_rows_lexical_leg_is_labelled_in_words_not_as_a_python_dict():
    from harness.report.data import params_text

    text = params_text('{"efSearch": 16, "hybrid": "bm25", "lexical": {"ref": "bm25", "k1": 1.5}}')
    assert text == "efSearch=16,hybrid=bm25,lexical=(k1=1.5,ref=bm25)"
    assert params_text('{"ef": 64}') == "ef=64" and params_text("{}") == ""
