"""The pipeline end to end on small data: rows, metrics, cache hits, errors, resume."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from harness import api
from harness.store.runs import RunStore

SUITE = """\
schema_version: 1
name: tiny
datasets: [beir:{beir}]
models: [hash:64]
metrics: [cosine, l2]
k: 10
repeats: 2
evaluate: [ndcg@10, mrr@10, recall@10, p@5, hit@1, map@10]
"""

REQUIRED = [
    "run_id",
    "cell_id",
    "dataset",
    "model",
    "dim",
    "precision",
    "metric",
    "backend",
    "build_params",
    "search_params",
    "n_docs",
    "n_queries",
    "k",
    "ndcg@10",
    "mrr@10",
    "encode_docs_per_s",
    "build_s",
    "qps",
    "latency_p50_ms",
    "latency_p95_ms",
    "latency_p99_ms",
    "index_bytes",
    "code_bytes_per_vector",
    "bytes_per_doc",
    "index_fixed_bytes",
    "rescore_bytes_per_doc",
    "status",
]


def run(path, tmp_path, **kw) -> api.RunOutcome:
    # inline unless a test asks otherwise: these tests patch the runner in this process
    opts = api.RunOptions(output=tmp_path / "results", cache_dir=tmp_path / "cache",
                          progress=False, **{"executor": "inline", **kw})
    return api.run(path, opts)


def test_rows_columns_and_values(write_suite, tiny_beir, tmp_path):
    out = run(write_suite(SUITE.format(beir=tiny_beir)), tmp_path)
    df = out.frame
    assert out.n_failed == 0 and len(df) == 2
    assert set(REQUIRED) <= set(df.columns)
    assert set(df["status"]) == {"ok"}
    assert (df["n_docs"] == 24).all() and (df["n_queries"] == 6).all()  # unjudged query skipped
    assert (df["code_bytes_per_vector"] == 64 * 4).all() and (df["dim"] == 64).all()
    # exact search: a float32 row per document, nothing trained, nothing kept to rescore
    assert (df["bytes_per_doc"] == 64 * 4).all() and (df["index_fixed_bytes"] == 0).all()
    assert (df["rescore_bytes_per_doc"] == 0).all()
    assert (df["index_bytes"] >= 24 * 64 * 4).all()
    assert (df["knn_recall@10"] == 1.0).all()  # exact search against itself
    assert (df["knn_recall_eps@10"] == 1.0).all()  # ann-benchmarks' definition agrees
    assert (df["qps"] > 0).all() and (df["latency_p50_ms"] <= df["latency_p99_ms"]).all()
    # files: manifest, tables, per-query arrays, log
    d = out.run_dir
    for name in ("manifest.json", "results.csv", "results.parquet", "log"):
        assert (d / name).is_file(), name
    man = json.loads((d / "manifest.json").read_text())
    assert man["suite_name"] == "tiny" and man["finished_at"] and man["cpu_model"]
    assert "numpy" in man["libraries"] and man["suite_text"].startswith("schema_version")
    assert pd.read_parquet(d / "results.parquet").shape == df.shape


def test_metrics_match_a_direct_computation(write_suite, tiny_beir, tmp_path):
    """The row's nDCG@10 equals pytrec_eval on the same exact ranking, computed here."""
    pytrec_eval = pytest.importorskip("pytrec_eval")
    from harness.datasets.beir import load_beir
    from harness.encoders.hashing import HashEncoder, HashOptions

    out = run(write_suite(SUITE.format(beir=tiny_beir)), tmp_path)
    row = out.frame.query("metric == 'cosine'").iloc[0]
    ds = load_beir(tiny_beir)
    enc = HashEncoder(HashOptions(dim=64))
    d = enc.encode(list(ds.docs), role="document")
    q = enc.encode(list(ds.queries), role="query")
    d /= np.maximum(np.linalg.norm(d, axis=1, keepdims=True), 1e-12)
    q /= np.maximum(np.linalg.norm(q, axis=1, keepdims=True), 1e-12)
    s = q @ d.T
    run_dict = {}
    for i, qid in enumerate(ds.query_ids):
        top = np.argsort(-s[i], kind="stable")[:10]
        run_dict[qid] = {ds.doc_ids[j]: float(s[i, j]) for j in top}
    ev = pytrec_eval.RelevanceEvaluator(
        {q: dict(r) for q, r in ds.qrels.items()}, {"ndcg_cut.10", "recall.10"}
    )
    res = ev.evaluate(run_dict)
    assert row["ndcg@10"] == pytest.approx(
        np.mean([r["ndcg_cut_10"] for r in res.values()]), abs=1e-6
    )
    assert row["recall@10"] == pytest.approx(
        np.mean([r["recall_10"] for r in res.values()]), abs=1e-6
    )
    pq = RunStore(out.run_dir).perquery(row["cell_id"])
    assert list(pq.query_ids) == list(ds.query_ids)
    assert pq.task_values(0, "ndcg@10").mean() == pytest.approx(row["ndcg@10"])


def test_second_run_encodes_nothing_and_reuses_cells(write_suite, tiny_beir, tmp_path):
    path = write_suite(SUITE.format(beir=tiny_beir))
    first = run(path, tmp_path)
    assert first.encode_calls == 2  # documents and queries, once for both metrics
    again = run(path, tmp_path)
    assert again.n_resumed == 2 and again.n_ran == 0 and again.encode_calls == 0
    fresh = run(path, tmp_path, resume=False)
    assert fresh.run_dir != first.run_dir and fresh.n_ran == 2
    assert fresh.encode_calls == 0  # embedding cache hit across runs
    assert "cache hit" in (fresh.run_dir / "log").read_text()
    cols = ["metric", "ndcg@10", "mrr@10", "map@10"]
    pd.testing.assert_frame_equal(first.frame[cols], fresh.frame[cols])  # deterministic


def test_failing_cell_is_recorded_and_run_goes_on(write_suite, tiny_beir, tmp_path, monkeypatch):
    from harness.backends.exact import ExactBackend

    real_build = ExactBackend.build

    def broken_build(self, data):
        if data.metric == "l2":
            raise RuntimeError("index exploded")
        return real_build(self, data)

    monkeypatch.setattr(ExactBackend, "build", broken_build)
    out = run(write_suite(SUITE.format(beir=tiny_beir)), tmp_path)
    assert out.n_failed == 1
    status = dict(zip(out.frame["metric"], out.frame["status"], strict=True))
    assert status["cosine"] == "ok"
    assert status["l2"] == "error: RuntimeError: index exploded"
    assert "index exploded" in (out.run_dir / "log").read_text()


def test_only_pattern(write_suite, tiny_beir, tmp_path):
    out = run(write_suite(SUITE.format(beir=tiny_beir)), tmp_path, only="*| l2 |*")
    assert list(out.frame["metric"]) == ["l2"]


def test_ignore_identical_ids_drops_self_hits(tmp_path, beir_writer):
    docs = {f"d{i}": ("", f"word{i} shared") for i in range(5)}
    queries = {"d0": "word0 shared", "d1": "word1 shared"}
    qrels = [("d0", "d2", 1), ("d1", "d3", 1)]
    root = beir_writer(tmp_path / "self", docs, queries, qrels)
    text = f"""\
schema_version: 1
name: selfhit
datasets: [{{ref: "beir:{root}", ignore_identical_ids: true}}]
models: [hash:64]
k: 3
evaluate: [hit@3]
"""
    suite = tmp_path / "s.yaml"
    suite.write_text(text)
    out = run(suite, tmp_path)
    pq = RunStore(out.run_dir).perquery(out.frame["cell_id"][0])
    assert out.frame["k"][0] == 3 and out.frame["status"][0] == "ok"
    # with 5 docs and k=3 after dropping the self-hit, ranks hold only other documents
    assert pq.task_values(0, "hit@3").shape == (2,)


def _cells_on_disk(run_root: Path) -> int:
    return sum(1 for _ in run_root.glob("*/cells/*.json"))


def test_killed_run_resumes(write_suite, tiny_beir, tmp_path):
    """kill -9 mid-run loses at most the cell in flight; the same command finishes the rest."""
    text = SUITE.format(beir=tiny_beir).replace(
        "metrics: [cosine, l2]", "metrics: [cosine, ip, l2]"
    )
    text = text.replace("repeats: 2", "repeats: 2000")  # slow cells, so the kill lands mid-run
    path = write_suite(text)
    out_dir, cache = tmp_path / "results", tmp_path / "cache"
    cmd = [
        sys.executable,
        "-m",
        "harness.cli",
        "run",
        str(path),
        "--output",
        str(out_dir),
        "--cache-dir",
        str(cache),
        "--no-progress",
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while _cells_on_disk(out_dir) < 1 and time.time() < deadline and proc.poll() is None:
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    done_before = _cells_on_disk(out_dir)
    assert 1 <= done_before < 3
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=False)
    assert res.returncode == 0, res.stderr
    assert f"{done_before} reused" in res.stdout
    df = pd.read_csv(next(out_dir.glob("*/results.csv")))
    assert sorted(df["metric"]) == ["cosine", "ip", "l2"] and set(df["status"]) == {"ok"}
    # no partial files left behind by atomic writes
    assert not list(out_dir.glob("**/*.tmp"))
