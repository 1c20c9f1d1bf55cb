"""Backends through the suite: plan-time capability checks, the runner's rows (single-thread
qps and latency, batch_qps with `threads`), cell errors, and tie-aware recall on real ties."""

from __future__ import annotations

import json

import numpy as np
import pytest

from harness import api
from harness.cli.main import main

BACKENDS_YAML = """\
  - {name: exact}
  - {name: faiss-hnsw, build: {M: 8}, search: {efSearch: [4, 64]}}
  - {name: faiss-ivf, build: {nlist: 2}, search: {nprobe: 2}}
  - {name: faiss-ivfpq, build: {nlist: 2, m: 8, nbits: 4, refine: true},
     search: {nprobe: 2, refine_k: [0, 4]}}
  - {name: hnswlib, build: {M: 8}, search: {ef: 64}}
  - {name: annoy, build: {n_trees: 4}, search: {search_k: [-1, 1000]}}
"""

SUITE = """\
schema_version: 1
name: backends
datasets: [beir:{beir}]
models: [hash:64]
metrics: [{metrics}]
precisions: [float32]
k: 10
repeats: 2
warmup: 2
threads: {threads}
evaluate: [ndcg@10]
backends:
{backends}"""


def run(path, tmp_path) -> api.RunOutcome:
    # inline: these tests spy on backends in this process
    opts = api.RunOptions(output=tmp_path / "results", cache_dir=tmp_path / "cache",
                          progress=False, report=False, executor="inline")
    return api.run(path, opts)


def test_every_backend_runs_in_the_suite(write_suite, tiny_beir, tmp_path):
    text = SUITE.format(beir=tiny_beir, metrics="cosine, l2", threads=2, backends=BACKENDS_YAML)
    out = run(write_suite(text), tmp_path)
    df = out.frame
    assert out.n_failed == 0, df["status"].tolist()
    assert set(df["status"]) == {"ok"}
    # one row per (cell, search setting): 1 + 2 + 1 + 2 + 1 + 2 settings, two metrics
    assert len(df) == 2 * 9
    assert (df["qps"] > 0).all() and (df["batch_qps"] > 0).all()  # threads: 2 adds batch_qps
    assert (df["latency_p50_ms"] <= df["latency_p99_ms"]).all()
    assert (df["index_bytes"] > 0).all() and (df["build_s"] >= 0).all()
    params = df["search_params"].map(json.loads)
    assert {p.get("efSearch") for p in params if "efSearch" in p} == {4, 64}
    good = df[df["backend"].isin(["exact", "faiss-ivf", "hnswlib"])]
    assert (good["knn_recall@10"] == 1.0).all()  # 24 documents: these settings are exhaustive
    assert (df["knn_recall@10"] > 0.5).all()
    # ann-benchmarks' recall counts near-ties within 1e-3 too: never below the tie-aware one
    assert (df["knn_recall_eps@10"] >= df["knn_recall@10"]).all()


def test_single_thread_by_default_has_no_batch_qps(write_suite, tiny_beir, tmp_path):
    backends = "  - {name: hnswlib, search: {ef: 32}}\n"
    text = SUITE.format(beir=tiny_beir, metrics="cosine", threads=1, backends=backends)
    df = run(write_suite(text), tmp_path).frame
    assert df["status"].tolist() == ["ok"]
    assert df["batch_qps"].isna().all() and (df["qps"] > 0).all()


def test_unsupported_combinations_are_skipped_at_plan_time(write_suite, tiny_beir, capsys):
    backends = "  - {name: faiss-binary}\n  - {name: faiss-sq}\n  - {name: hnswlib}\n"
    text = SUITE.format(beir=tiny_beir, metrics="cosine", threads=1, backends=backends)
    path = write_suite(text)
    plan = api.plan(path)
    reasons = {s.cell.backend: s.reason for s in plan.skipped}
    assert reasons == {
        "faiss-binary": "faiss-binary does not support precision 'float32' (supports: binary)",
        "faiss-sq": "faiss-sq does not support precision 'float32' (supports: float16, int4, int8)",
    }
    assert [c.backend for c in plan.cells] == ["hnswlib"]
    assert main(["plan", str(path)]) == 0
    shown = capsys.readouterr().out
    assert "2 skipped:" in shown
    assert "faiss-binary: faiss-binary does not support precision 'float32'" in shown


def test_unknown_backend_parameter_is_a_user_error(write_suite, tiny_beir, capsys):
    backends = "  - {name: faiss-hnsw, search: {ef_search: 10}}\n"
    text = SUITE.format(beir=tiny_beir, metrics="cosine", threads=1, backends=backends)
    assert main(["validate", str(write_suite(text))]) == 2
    err = capsys.readouterr().err
    assert "unknown search parameter for backend 'faiss-hnsw'" in err and "efSearch" in err


def test_build_error_is_the_cells_error(write_suite, tiny_beir, tmp_path, monkeypatch):
    from harness.errors import UserErrors
    from harness.plan import expand

    backends = "  - {name: faiss-ivfpq, build: {m: [7, 8], nlist: 2, nbits: 4}}\n"
    text = SUITE.format(beir=tiny_beir, metrics="cosine", threads=1, backends=backends)
    with pytest.raises(UserErrors, match="m=7 does not divide the dimension 64"):
        api.plan(write_suite(text))  # the plan knows the dim: refused before anything runs
    # a build error the plan cannot foresee (here: the plan's data check switched off) fails
    # its own cell, with the build's message, and the other cell still runs
    monkeypatch.setattr(expand, "data_problems", lambda loaded, cells: [])
    out = run(write_suite(text), tmp_path)
    assert out.n_failed == 1
    status = sorted(out.frame["status"], key=lambda v: v != "ok")
    assert status[0] == "ok"
    assert status[1].startswith(
        "error: ValueError: faiss-ivfpq: m=7 does not divide the "
        "dimension 64 (choose m among 1, 2, 4, 8, 16, 32, 64)"
    )


def test_tie_aware_recall_on_duplicated_documents():
    """Each document exists 6 times: exact search keeps an arbitrary subset of the copies, an
    ANN index another one. Counting by id would call that a miss; tie-aware recall does not."""
    from harness.backends.base import IndexInput
    from harness.metrics.knn import knn_recall, true_scores_of
    from harness.registry import BACKENDS

    rng = np.random.default_rng(3)
    base = rng.standard_normal((40, 16)).astype(np.float32)
    base /= np.linalg.norm(base, axis=1, keepdims=True)
    docs = np.ascontiguousarray(np.repeat(base, 6, axis=0)[rng.permutation(240)])
    queries = np.ascontiguousarray(
        base[:30] + 0.05 * rng.standard_normal((30, 16)), dtype=np.float32
    )
    k = 8  # the top 8 is 6 copies of one document and 2 of the next: a tie at the k-th
    exact = BACKENDS.get("exact").load()("ip", {})
    exact.build(IndexInput(docs, "ip", "float32"))
    t_ids, t_scores = exact.search(queries, k)
    for name, search in (
        ("hnswlib", {"ef": 100}),
        ("annoy", {"search_k": 5000}),
        ("faiss-hnsw", {"efSearch": 100}),
    ):
        cls = BACKENDS.get(name).load()
        be = cls(
            "ip",
            cls.capabilities.with_defaults(
                "build", {"M": 8} if "M" in cls.capabilities.build_params else {}
            ),
        )
        be.build(IndexInput(docs, "ip", "float32"))
        be.prepare(search)
        ids, _ = be.search(queries, k)
        found = true_scores_of(ids, queries, docs, "ip")
        tie_aware = knn_recall(ids, t_ids, t_scores, found, k)
        by_id = np.mean([len(set(a) & set(b)) / k for a, b in zip(ids, t_ids, strict=True)])
        assert tie_aware.mean() == pytest.approx(1.0), name
        assert by_id < 1.0, name  # the constructed ties do change which copies come back


def test_precisions_native_quantization_and_binary(write_suite, tiny_beir, tmp_path):
    backends = """\
  - {name: exact}
  - {name: faiss-sq, build: {M: [0, 8]}, search: {efSearch: 32}}
  - {name: faiss-binary, build: {M: [0, 8]}, search: {efSearch: 32}}
  - {name: hnswlib, search: {ef: 32}}
"""
    text = SUITE.format(beir=tiny_beir, metrics="cosine", threads=1, backends=backends)
    text = text.replace("precisions: [float32]", "precisions: [int8, float16, binary]")
    path = write_suite(text)
    plan = api.plan(path)
    skipped = sorted((s.cell.backend, s.cell.precision) for s in plan.skipped)
    assert skipped == [
        ("faiss-binary", "float16"),
        ("faiss-binary", "float16"),
        ("faiss-binary", "int8"),
        ("faiss-binary", "int8"),
        ("faiss-sq", "binary"),
        ("faiss-sq", "binary"),
        ("hnswlib", "binary"),
    ]
    df = run(path, tmp_path).frame
    assert set(df["status"]) == {"ok"}, df["status"].tolist()
    ran = sorted(set(zip(df["backend"], df["precision"], strict=True)))
    assert ran == [
        ("exact", "binary"),
        ("exact", "float16"),
        ("exact", "int8"),
        ("faiss-binary", "binary"),
        ("faiss-sq", "float16"),
        ("faiss-sq", "int8"),
        ("hnswlib", "float16"),
        ("hnswlib", "int8"),
    ]
    binary = df[df["precision"] == "binary"]
    assert (binary["code_bytes_per_vector"] == 8).all()  # 64 sign bits
    # Hamming distances tie a lot; tie-aware recall of an exhaustive scan is exactly 1
    assert (binary["knn_recall@10"] == 1.0).all()
    sq = df[df["backend"] == "faiss-sq"].set_index(["precision", "build_params"])
    flat8 = sq.loc[("int8", json.dumps({"M": 0, "efConstruction": 40}))]
    flat16 = sq.loc[("float16", json.dumps({"M": 0, "efConstruction": 40}))]
    assert flat8["index_bytes"] < flat16["index_bytes"]  # SQ8 codes vs fp16 codes
    # what the indexes hold per document: binary codes as they are, SQ codes at their size,
    # and float16/int8 for exact and hnswlib as the float32 values they search
    flat = binary["build_params"].isin(["{}", json.dumps({"M": 0, "efConstruction": 40})])
    assert flat.sum() == 2 and (binary[flat]["bytes_per_doc"] == 8).all()
    assert (binary[~flat]["bytes_per_doc"] > 8 + 2 * 8 * 4).all()  # + HNSW's level-0 links
    assert flat8["bytes_per_doc"] == 64 and flat16["bytes_per_doc"] == 128
    assert flat8["index_fixed_bytes"] == 2 * 4 * 64 and flat16["index_fixed_bytes"] == 0
    exact16 = df[(df["backend"] == "exact") & (df["precision"] == "float16")]
    assert (exact16["bytes_per_doc"] == 64 * 4).all()
    assert (exact16["code_bytes_per_vector"] == 64 * 2).all()
    assert (df["knn_recall@10"] >= 0.8).all()


def test_qps_and_latency_are_single_thread_batch_qps_uses_threads(
    write_suite, tiny_beir, tmp_path, monkeypatch
):
    import faiss

    from harness.backends.hnswlib_backend import HnswlibBackend

    seen: list[tuple[int, int, int]] = []
    real = HnswlibBackend.search

    def spy(self, queries, k):
        seen.append((len(queries), self.index.num_threads, faiss.omp_get_max_threads()))
        return real(self, queries, k)

    monkeypatch.setattr(HnswlibBackend, "search", spy)
    backends = "  - {name: hnswlib, build: {M: 8}, search: {ef: 16}}\n"
    text = SUITE.format(beir=tiny_beir, metrics="cosine", threads=2, backends=backends)
    df = run(write_suite(text), tmp_path).frame
    assert df["status"].tolist() == ["ok"] and df["batch_qps"].iloc[0] > 0
    n = max(s[0] for s in seen)  # the whole query batch
    whole = [s[1:] for s in seen if s[0] == n]
    single = [s[1:] for s in seen if s[0] == 1]
    # repeats 2: two single-thread passes, then two batch passes on 2 threads
    assert n > 2 and whole == [(1, 1), (1, 1), (2, 2), (2, 2)]
    assert single and set(single) == {(1, 1)}  # the latency loop
