"""The same suite on every executor gives the same quality figures and per-query arrays, and
an encoding split into chunks over Ray workers is bit-identical to one process's."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from harness import api
from harness.datasets.base import fingerprint_texts
from harness.embeddings.cache import EmbeddingCache
from harness.plan.refs import build_encoder
from harness.store.row import TIMING_COLUMNS as TIMING
from harness.store.runs import RunStore
from harness.suite.schema import ModelRef
from tests.conftest import write_beir

ray = pytest.importorskip("ray")


SUITE = """
schema_version: 1
name: executors
k: 10
datasets:
  - {{ref: "beir:{beir}"}}
  - {{ref: "synthetic:n=400,dim=24,clusters=4,queries=30"}}
models: ["hash:48", vectors]
dims: [null, 16]
precisions: [float32, binary]
backends:
  - name: exact
    search: {{rescore: [0, 2]}}
  - name: faiss-hnsw
    build: {{M: 8}}
    search: {{efSearch: [8, 32]}}
evaluate: [ndcg@10, label_recall@10, hit@10]
repeats: 1
warmup: 0
"""


@pytest.fixture(scope="module")
def local_ray():
    ray.init(num_cpus=2, include_dashboard=False, configure_logging=False, log_to_driver=False)
    yield
    ray.shutdown()


@pytest.fixture
def beir(tmp_path):
    rng = np.random.default_rng(0)
    words = [f"w{i}" for i in range(60)]
    docs = {f"d{i}": ("", " ".join(rng.choice(words, 12))) for i in range(150)}
    queries = {f"q{i}": " ".join(docs[f"d{i}"][1].split()[:4]) for i in range(25)}
    qrels = [(f"q{i}", f"d{i}", 1) for i in range(25)]
    return write_beir(tmp_path / "beir", docs, queries, qrels)


def _quality(run_dir) -> tuple[pd.DataFrame, dict]:
    store = RunStore(run_dir)
    frame = store.frame()
    frame = frame[[c for c in frame.columns if c not in TIMING]]
    arrays = {cid: store.perquery(cid).to_arrays() for cid in frame["cell_id"].unique()}
    return frame.sort_values(["cell_id", "setting"], ignore_index=True), arrays


def test_inline_process_and_ray_agree(local_ray, beir, write_suite, tmp_path):
    path = write_suite(SUITE.format(beir=beir))
    got = {}
    for kind in ("inline", "process", "ray"):
        out = api.run(path, api.RunOptions(output=tmp_path / kind, cache_dir=tmp_path / "c" / kind,
                                           progress=False, executor=kind, report=False))
        assert out.n_failed == 0 and out.n_ran == 12
        got[kind] = _quality(out.run_dir)
        # the query difficulty of each of the 8 vector spaces, measured where its first cell
        # ran (a worker, a Ray task), is the same everywhere
        kept = sorted((out.run_dir / "references").glob("*-difficulty.npz"))
        assert len(kept) == 8
        got[kind] += ({p.name: dict(np.load(p)) for p in kept},)
    frame, arrays, difficulty = got["inline"]
    # 2 (dataset, model) pairs x 2 dims x (float32: exact + hnsw, binary: exact) x 2 settings
    assert len(frame) == 2 * 2 * 3 * 2
    for kind in ("process", "ray"):
        pd.testing.assert_frame_equal(got[kind][0], frame)
        assert got[kind][2].keys() == difficulty.keys()
        for name, fields in difficulty.items():
            for field, value in fields.items():
                np.testing.assert_array_equal(got[kind][2][name][field], value, err_msg=name)
        assert got[kind][1].keys() == arrays.keys()
        for cid, a in arrays.items():
            b = got[kind][1][cid]
            assert a.keys() == b.keys()
            for key in (k for k in a if not k.endswith(":latency_ms")):  # timing
                np.testing.assert_array_equal(a[key], b[key], err_msg=f"{kind} {cid} {key}")
    (ray_run,) = (p.parent for p in (tmp_path / "ray").glob("*/manifest.json"))
    manifest = RunStore(ray_run).manifest()
    assert manifest["executor"] == "ray" and manifest["speed_measured"] == "one cell per node"


@pytest.mark.parametrize("model", ["hash:64", "minilm-l6-int8"])
def test_chunks_encoded_on_ray_equal_one_process(local_ray, tmp_path, model):
    from harness.execution.ray_executor import RayExecutor

    ref = ModelRef(ref=model)
    try:
        enc = build_encoder(ref)
    except Exception as exc:  # the packaged model is an optional install
        pytest.skip(f"{model}: {exc}")
    texts = [f"text number {i} " + "word " * (i % 23) for i in range(300)]
    fp = fingerprint_texts([str(i) for i in range(300)], texts)
    one = EmbeddingCache(tmp_path / "one", chunk=64).encode(
        enc, texts, role="document", texts_fingerprint=fp, batch_size=16)
    mapper = RayExecutor(lambda c: None).chunk_mapper()
    many = EmbeddingCache(tmp_path / "many", chunk=64).encode(
        enc, texts, role="document", texts_fingerprint=fp, batch_size=16,
        mapper=(mapper, ref.model_dump()))
    assert one.key == many.key and not many.cache_hit
    assert np.asarray(one.vectors).tobytes() == np.asarray(many.vectors).tobytes()
    assert not list((tmp_path / "many").rglob("*.part*"))  # parts joined, then removed
