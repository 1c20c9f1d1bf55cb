"""The tutorials' scripts (docs/examples/tutorials/, included in docs/tutorials/*.md) run as
a user would run them, and print the figures their pages quote."""

from __future__ import annotations

import csv
import os
import subprocess
from pathlib import Path

import pytest

SCRIPTS = Path(__file__).resolve().parents[2] / "docs" / "examples" / "tutorials"


def _script(name: str, tmp: Path, **env: str) -> str:
    done = subprocess.run(["bash", str(SCRIPTS / name)], cwd=tmp, capture_output=True,
                          text=True, timeout=900,
                          env={**os.environ, "HARNESS_CACHE": str(tmp / "cache"), **env})
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "Traceback" not in done.stderr
    return done.stdout


def _rows(tmp: Path, run: str) -> list[dict[str, str]]:
    return list(csv.DictReader(next((tmp / "results").glob(f"{run}-*/results.csv")).open()))


def test_own_corpus_prints_the_figures_its_page_quotes(tmp_path):
    out = _script("own_corpus.sh", tmp_path)
    rows = _rows(tmp_path, "my-corpus")
    assert {r["status"] for r in rows} == {"ok"} and len(rows) == 3
    for r in rows:  # on 600 documents every setting finds exact search's neighbours
        assert float(r["ndcg@10"]) == pytest.approx(0.9076, abs=5e-5)
        assert float(r["knn_recall@10"]) == 1.0
    assert {r["bytes_per_doc"] for r in rows if r["backend"] == "exact"} == {"1536.0"}
    assert "best under the budgets by the rule" in out


def test_own_model_folder_equals_the_packaged_model(tmp_path):
    _script("own_model.sh", tmp_path)
    rows = _rows(tmp_path, "my-model")
    by = {(r["model"], r["dim"]): r for r in rows}
    assert len(by) == 4
    for dim, ndcg in (("384", 0.9647), ("128", 0.946)):
        mine, packaged = by[("my-model", dim)], by[("minilm-l6-int8", dim)]
        assert float(mine["ndcg@10"]) == float(packaged["ndcg@10"])
        assert float(mine["mrr@10"]) == float(packaged["mrr@10"])
        assert float(mine["ndcg@10"]) == pytest.approx(ndcg, abs=5e-5)


def test_million_script_fits_growth_and_picks_under_budgets(tmp_path):
    out = _script("million.sh", tmp_path, N="100000")
    fits = list(csv.DictReader(next((tmp_path / "results").glob("growth-*/scaling.csv")).open()))
    sizes = {(f["n_min"], f["n_max"], f["target_n"]) for f in fits}
    assert sizes == {("1000", "10000", "100000")}
    assert {"build_s", "qps", "knn_recall@10"} <= {f["quantity"] for f in fits}
    finalists = _rows(tmp_path, "finalists")
    assert {r["n_docs"] for r in finalists} == {"100000"}
    assert {r["status"] for r in finalists} == {"ok"}
    assert "best under the budgets by the rule" in out
