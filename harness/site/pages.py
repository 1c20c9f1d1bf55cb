"""The site's HTML: the index (datasets x models x backends, the runs) written here in full,
and each dataset's page, a shell that assets/site.js fills from data/ds-<dataset>.js."""

from __future__ import annotations

from html import escape
from typing import Any
from urllib.parse import quote

import pandas as pd

HEAD = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title><link rel="stylesheet" href="assets/site.css"></head>
<body data-page="{page}">
<header><a href="index.html">Retrieval results</a> <span>{title}</span></header>
<main>
"""
FOOT = """</main>
<footer>Built by <code>harness site</code>; plots drawn with plotly.js {plotly} shipped in
assets/ (no network needed). Data: <code>data/</code>.</footer>
{scripts}</body></html>
"""


def _page(title: str, page: str, body: str, scripts: list[str], plotly: str) -> str:
    tags = "".join(f'<script src="{escape(s)}"></script>\n' for s in scripts)
    return (HEAD.format(title=escape(title), page=page) + body
            + FOOT.format(plotly=escape(plotly), scripts=tags))


def dataset_page(name: str, slug: str, plotly: str) -> str:
    body = f"""<h1>{escape(name)}</h1>
<p class="lead">Every configuration measured on this dataset, across runs. Each point is a result
row (a cell x search setting); hover it for the whole configuration. The dashed line is the
Pareto front of <em>all</em> configurations of the dataset's content, whatever is selected.</p>
<div id="warnings"></div>
<form id="selectors" onsubmit="return false"></form>
<section class="plots">
<div class="plot" id="plot-qps"></div>
<div class="plot" id="plot-knn"></div>
<div class="plot" id="plot-bytes"></div>
</section>
<h2>Configurations <span id="count"></span></h2>
<div class="tablewrap"><table id="points"><thead></thead><tbody></tbody></table></div>
"""
    scripts = ["assets/plotly.min.js", f"data/ds-{slug}.js", "assets/site.js"]
    return _page(name, "dataset", body, scripts, plotly)


def summary(payload: dict[str, Any], slug: str) -> dict[str, Any]:
    """What the index shows of a dataset: its best main metric per model x backend."""
    frame = pd.DataFrame(payload["rows"], columns=payload["columns"])
    main = payload["main_metric"]
    best = {}
    if main and main in frame:
        values = pd.to_numeric(frame[main], errors="coerce")
        best = frame.assign(_v=values).groupby(["model", "backend"])["_v"].max().to_dict()
    return {"dataset": payload["dataset"], "slug": slug, "main": main, "best": best,
            "models": sorted(set(frame["model"])), "backends": sorted(set(frame["backend"])),
            "n": len(frame), "runs": sorted(payload["runs"])}


def _grid(s: dict[str, Any]) -> str:
    link = f"ds-{s['slug']}.html"
    head = "".join(f"<th>{escape(str(b))}</th>" for b in s["backends"])
    rows = []
    for m in s["models"]:
        cells = []
        for b in s["backends"]:
            v = s["best"].get((m, b))
            href = f"{link}#model={quote(str(m))}&backend={quote(str(b))}"
            cells.append("<td></td>" if v is None or pd.isna(v) else
                         f'<td class="num"><a href="{escape(href)}">{v:.4f}</a></td>')
        rows.append(f"<tr><th>{escape(str(m))}</th>{''.join(cells)}</tr>")
    return (f'<section class="ds"><h2><a href="{link}">{escape(s["dataset"])}</a></h2>'
            f"<p>{s['n']} configurations from {len(s['runs'])} run(s); best "
            f"<b>{escape(str(s['main']))}</b> per model (rows) x backend (columns).</p>"
            f'<table class="grid"><thead><tr><th>model</th>{head}</tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table></section>")


def index_page(summaries: list[dict[str, Any]], runs: dict[str, dict[str, Any]],
               plotly: str) -> str:
    run_rows = []
    for _, r in sorted(runs.items()):
        report = (f'<a href="{escape(r["report"])}">report</a>' if r.get("report") else "")
        run_rows.append("<tr>" + "".join(f"<td>{escape(str(r.get(c) or ''))}</td>" for c in
                        ("run_id", "suite", "started", "harness_version", "cpu"))
                        + f"<td>{report}</td></tr>")
    body = ("<h1>Retrieval results</h1><p class=\"lead\">Datasets x models x backends over "
            f"{len(runs)} run(s). Open a dataset for its trade-off plots.</p>"
            + "".join(_grid(s) for s in summaries)
            + "<h2>Runs</h2><table><thead><tr><th>run</th><th>suite</th><th>started</th>"
            "<th>harness</th><th>cpu</th><th></th></tr></thead><tbody>"
            + "".join(run_rows) + "</tbody></table>")
    return _page("Retrieval results", "index", body, [], plotly)
