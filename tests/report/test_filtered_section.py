"""The report's filtered section on the hand-made BEIR folder (tests/execution): the named
filters' figure has a point per backend x strategy x filter, the strategy advice names each
filter with its rule, and the funnel's filter stage is a table of the section."""

from __future__ import annotations

import re

import pandas as pd

from harness import api
from tests.execution.test_filtered_run import SUITE, root  # noqa: F401


def test_filtered_section_shows_named_filters_advice_and_filter_stage(root, tmp_path):  # noqa: F811
    text = (SUITE.format(root=root).replace("evaluate: [ndcg@5, recall@5]", "evaluate: [ndcg@5]")
            .replace("filter_strategy: [pre, in, post]", "filter_strategy: [pre, in, partition]"))
    out = api.run(text, api.RunOptions(output=tmp_path / "r", cache_dir=tmp_path / "c",
                                       progress=False, executor="inline"))
    assert out.n_failed == 0
    html = (out.run_dir / "report.html").read_text()
    section = html.split('<section id="filtered">')[1].split("</section>")[0]
    assert 'id="fig-filtered-named"' in section
    figure = section.split('id="fig-filtered-named"')[1].split("</svg>")[0]
    rows = out.frame[out.frame["filter"].notna()]
    # one point per filtered cell (each has one search setting): recent x (exact pre, exact
    # in, hnswlib in), same-lang x (exact pre, in, partition; hnswlib in, partition)
    assert len(rows) == 8
    assert len(re.findall(r'<g id="[^"]*tip-\d+"', figure)) == 3 * len(rows)  # three panels
    assert "same-lang: " in section and "recent: " in section and "Rule: at each filter" in section
    assert 'id="filter-funnel"' in section and "report/filter_funnel.csv" in section
    stage = pd.read_csv(out.run_dir / "filter_funnel.csv")
    assert len(stage) == len(rows)
