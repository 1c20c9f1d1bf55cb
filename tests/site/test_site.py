"""`harness site`: the points of every run, Pareto fronts equal to a brute-force check, and
incremental builds that leave the files of earlier runs and untouched datasets alone."""

from __future__ import annotations

import json

import numpy as np
import pytest

from harness import api

SUITE = """\
schema_version: 1
name: {name}
datasets: [{{ref: "beir:{beir}", name: {ds}}}]
models: [hash:16, hash:8]
metrics: [cosine]
k: 10
evaluate: [ndcg@10, recall@10]
backends:
  - exact
  - {{name: faiss-hnsw, build: {{M: 4}}, search: {{efSearch: [2, 32]}}}}
"""


def run_suite(write_suite, tmp_path, beir, name, ds):
    opts = api.RunOptions(output=tmp_path / "results", cache_dir=tmp_path / "cache",
                          progress=False, executor="inline", report=True, analysis=False)
    text = SUITE.format(name=name, beir=beir, ds=ds)
    out = api.run(write_suite(text, f"{name}.yaml"), opts)
    assert out.n_failed == 0 and len(out.frame) == 6  # 2 models x (exact + 2 efSearch)
    return out


def page_data(path):
    text = path.read_text()
    prefix = "window.HARNESS_SITE_DATA = "
    assert text.startswith(prefix)
    return json.loads(text[len(prefix):].rstrip().rstrip(";"))


def undominated(xy: np.ndarray) -> set[int]:
    """Rows no other row beats on both (maximised) columns and strictly on one."""
    return {i for i in range(len(xy))
            if not any((xy[j] >= xy[i]).all() and (xy[j] > xy[i]).any() for j in range(len(xy)))}


@pytest.fixture
def site(write_suite, tmp_path, tiny_beir):
    a = run_suite(write_suite, tmp_path, tiny_beir, "site-a", "tiny")
    built = api.site(tmp_path / "results", tmp_path / "site")
    return a, built


def test_points_and_fronts(site, tmp_path):
    a, built = site
    assert built.runs == [a.run_dir.name] and built.read == built.runs
    data = page_data(tmp_path / "site" / "data" / "ds-tiny.js")
    rows = [dict(zip(data["columns"], r, strict=True)) for r in data["rows"]]
    assert len(rows) == 6 and data["main_metric"] == "ndcg@10"
    assert {r["model"] for r in rows} == {"hash:16", "hash:8"}
    assert data["selectors"][:1] == ["model"] and "backend" in data["selectors"]
    want = a.frame.set_index(["model", "backend", "search_params"])["ndcg@10"]
    for r in rows:
        key = (r["model"], r["backend"], "{}" if not r["search_params"] else
               json.dumps({"efSearch": int(r["search_params"].split("=")[1])}))
        assert r["ndcg@10"] == pytest.approx(want[key])
    for plot, y in (("qps|ndcg@10", "ndcg@10"), ("knn|-", "knn_recall@10")):
        xy = np.array([[r["qps"], r[y]] for r in rows], dtype=float)
        assert [set(f) for f in data["fronts"][plot]] == [undominated(xy)]
    xy = np.array([[-r["bytes_per_doc"], r["ndcg@10"]] for r in rows], dtype=float)
    assert [set(f) for f in data["fronts"]["bytes|ndcg@10"]] == [undominated(xy)]
    report = tmp_path / "site" / "runs" / a.run_dir.name / "report.html"
    assert report.read_bytes() == (a.run_dir / "report.html").read_bytes()
    index = (tmp_path / "site" / "index.html").read_text()
    assert 'href="ds-tiny.html"' in index and f"runs/{a.run_dir.name}/report.html" in index
    assert (tmp_path / "site" / "assets" / "plotly.min.js").stat().st_size > 1_000_000


def test_rebuild_adds_runs_without_rewriting_old_files(site, write_suite, tmp_path, tiny_beir):
    a, _ = site
    out = tmp_path / "site"
    again = api.site(tmp_path / "results", out)
    assert again.read == [] and again.written == []  # nothing new: nothing read or written
    old = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    b = run_suite(write_suite, tmp_path, tiny_beir, "site-b", "other")
    third = api.site(tmp_path / "results", out)
    assert third.read == [b.run_dir.name] and sorted(third.runs) == sorted(
        [a.run_dir.name, b.run_dir.name])
    changed = {p.relative_to(out).as_posix() for p in third.written}
    assert f"data/runs/{a.run_dir.name}.json" not in changed
    assert "ds-tiny.html" not in changed and "data/ds-tiny.js" not in changed
    assert {"index.html", "ds-other.html", "data/ds-other.js"} <= changed
    assert all(p.stat().st_mtime_ns == t for p, t in old.items()
               if p.relative_to(out).as_posix() not in changed)
    assert 'href="ds-other.html"' in (out / "index.html").read_text()


def test_no_runs_is_one_clear_error(tmp_path):
    from harness.errors import UserError

    (tmp_path / "empty").mkdir()
    with pytest.raises(UserError, match="no runs under"):
        api.site(tmp_path / "empty", tmp_path / "site")


def test_cli_site_and_its_bad_input(site, tmp_path, capsys):
    from harness.cli.main import main

    assert main(["site", str(tmp_path / "results"), str(tmp_path / "site")]) == 0
    assert "(1 runs, 0 read now, 0 files written)" in capsys.readouterr().out
    assert main(["site", str(tmp_path / "nowhere"), str(tmp_path / "s2")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "nowhere: no such folder" in err[0]
