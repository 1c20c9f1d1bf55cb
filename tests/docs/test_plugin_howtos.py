"""The how-to pages' plugins (docs/examples/plugins/, included in docs/howto/*.md) run through
`harness run` as a user would, each producing rows whose values are checked by hand."""

from __future__ import annotations

import csv
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

PLUGINS = Path(__file__).resolve().parents[2] / "docs" / "examples" / "plugins"
DOCS = [("d1", "the cat sat on the mat"), ("d2", "dogs bark at night"),
        ("d3", "stock markets fell sharply"), ("d4", "a recipe for lemon cake")]
QUERIES = [("q1", "cat on a mat", "d1"), ("q2", "barking dogs", "d2"),
           ("q3", "cake recipe with lemons", "d4")]


def _harness(tmp: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "HARNESS_PLUGINS": "numpy_flat,tsv_dataset,bigram_encoder",
           "PYTHONPATH": os.pathsep.join([str(PLUGINS), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run([sys.executable, "-m", "harness", *args], cwd=tmp, env=env,
                          capture_output=True, text=True, timeout=600)


def _folder(tmp: Path) -> Path:
    data = tmp / "data"
    data.mkdir()
    (data / "docs.tsv").write_text("".join(f"{i}\t{t}\n" for i, t in DOCS))
    (data / "queries.tsv").write_text("".join(f"{i}\t{t}\t{d}\n" for i, t, d in QUERIES))
    return data


def _hand_ndcg(metric: str) -> float:
    """nDCG@10 with one relevant document per query: 1 / log2(1 + its rank), by numpy."""
    sys.path.insert(0, str(PLUGINS))
    try:
        from bigram_encoder import BigramEncoder
    finally:
        sys.path.remove(str(PLUGINS))
    enc = BigramEncoder(256)
    d = enc.encode([t for _, t in DOCS], role="document")
    q = enc.encode([t for _, t, _ in QUERIES], role="query")
    scores = q @ d.T if metric == "cosine" else -((q[:, None] - d[None]) ** 2).sum(-1)
    gains = []
    for row, (_, _, rel) in zip(scores, QUERIES, strict=True):
        rank = 1 + int((row > row[[i for i, _ in DOCS].index(rel)]).sum())
        gains.append(1 / math.log2(1 + rank))
    return float(np.mean(gains))


def test_the_three_plugins_run_through_the_cli_and_give_hand_computed_rows(tmp_path):
    data = _folder(tmp_path)
    (tmp_path / "s.yaml").write_text(
        "schema_version: 1\nname: plugins\nk: 10\n"
        f'datasets: ["tsv:{data}"]\nmodels: ["bigrams:256"]\n'
        "backends: [exact, numpy-flat]\nmetrics: [cosine, l2]\nevaluate: [ndcg@10]\n")
    done = _harness(tmp_path, "run", "s.yaml", "--output", "out", "--no-progress",
                    "--cache-dir", str(tmp_path / "cache"))
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(next((tmp_path / "out").glob("plugins-*/results.csv")).open()))
    assert {(r["backend"], r["metric"]) for r in rows} == {
        (b, m) for b in ("exact", "numpy-flat") for m in ("cosine", "l2")}
    for r in rows:
        assert r["status"] == "ok"
        assert r["dataset"] == f"tsv:{data}" and r["model"] == "bigrams:256"
        assert float(r["ndcg@10"]) == pytest.approx(_hand_ndcg(r["metric"]), abs=1e-6)
        assert float(r["knn_recall@4"]) == 1.0  # k is capped at the 4 documents
    flat = next(r for r in rows if r["backend"] == "numpy-flat")
    assert float(flat["bytes_per_doc"]) == 256 * 4 + 4  # its memory(): the vector and a norm


def test_the_plugins_own_checks_are_one_line_at_plan_time(tmp_path):
    (tmp_path / "s.yaml").write_text(
        "schema_version: 1\nname: bad\nk: 10\n"
        f'datasets: ["tsv:{tmp_path}/nowhere"]\nmodels: ["bigrams:x"]\n')
    done = _harness(tmp_path, "plan", "s.yaml")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "no docs.tsv, queries.tsv in that folder" in done.stderr
    assert "expected 'bigrams:DIM' with a positive integer DIM, got 'bigrams:x'" in done.stderr


def test_an_unimportable_plugin_module_is_one_line(tmp_path):
    env = {**os.environ, "HARNESS_PLUGINS": "no_such_plugin_module"}
    done = subprocess.run([sys.executable, "-m", "harness", "backends"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "error: HARNESS_PLUGINS: cannot import no_such_plugin_module (name importable "
        "modules (on PYTHONPATH), comma-separated)"]
