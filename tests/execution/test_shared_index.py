"""Process clients of real backends share the saved index by memory-mapping it (SharedIndex):
each client's private memory (RssAnon) grows by far less than the index file, while a client
that reads the file into memory grows by the whole file; the mapped index answers exactly as
the in-process one; `clients_as: processes` runs a shipped backend's clients as processes."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest

from harness import api
from harness.backends.base import IndexInput, SharedIndex
from harness.execution.load.procs import client_anon_bytes, closed_procs, save_index
from harness.plan.expand import expand
from harness.registry import BACKENDS
from harness.suite.schema import load_suite_text
from tests.execution.load_backends import CopyingExact
from tests.execution.test_load import SUITE

N, D, K = 20_000, 384, 10  # a 30 MB float32 index: a copy per client is unmistakable
# a client process's own private memory (interpreter, faiss/OpenMP start, its loop) is a few
# MB whatever the index: a mapped index stays under SHARED of the file, a copy exceeds 0.9
SHARED = 0.35

CASES = {  # backend: (build, search)
    "exact": ({}, {}),
    "faiss-hnsw": ({"M": 8, "efConstruction": 16}, {"efSearch": 32}),
    "faiss-ivf": ({"nlist": 16}, {"nprobe": 4}),
    "annoy": ({"n_trees": 2}, {"search_k": 200}),
    "usearch": ({"connectivity": 8, "expansion_add": 16}, {"expansion_search": 32}),
}


@pytest.fixture(scope="module")
def data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((N + 50, D)).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    return x[:N], x[N:]


def _built(name: str, docs: np.ndarray, cls: type | None = None):
    build, search = CASES[name]
    backend = (cls or BACKENDS.get(name).load())("ip", build)
    backend.build(IndexInput(docs, "ip", "float32", raw=docs, raw_metric="ip"))
    backend.prepare(search)
    return backend, build, search


@pytest.mark.parametrize("name", list(CASES))
def test_process_clients_map_one_copy_and_answer_as_the_index_does(name, data, tmp_path):
    entry = BACKENDS.get(name)
    if not entry.available():
        pytest.skip(f"{name} not installed")
    docs, queries = data
    backend, build, search = _built(name, docs)
    assert isinstance(backend, SharedIndex)
    want = backend.search(queries, K)
    saved = save_index(backend, queries, "ip", build, K, str(tmp_path))
    size = os.path.getsize(saved.job["index"])
    assert size > N * D * 4 * 0.9  # the vectors are in the file
    fig = closed_procs(saved, search, len(queries), 2, 0.3, 2)
    assert fig.n_queries > 0
    grown = client_anon_bytes(saved, 2)
    assert all(g < SHARED * size for g in grown), (name, size, grown)
    opened = type(backend).open_shared(saved.job["index"], "ip", build)
    opened.prepare(search)
    got = opened.search(queries, K)
    np.testing.assert_array_equal(got[0], want[0])
    np.testing.assert_allclose(got[1], want[1], rtol=1e-6, atol=1e-6)


def test_a_client_that_copies_the_index_grows_by_its_size(data, tmp_path):
    # the control: the measurement above sees a per-client copy when there is one
    docs, queries = data
    backend, build, search = _built("exact", docs, CopyingExact)
    saved = save_index(backend, queries, "ip", build, K, str(tmp_path))
    size = os.path.getsize(saved.job["index"])
    closed_procs(saved, search, len(queries), 2, 0.3, 2)
    assert all(g > 0.9 * size for g in client_anon_bytes(saved, 2))


def test_clients_as_processes_runs_a_shipped_backend_in_processes(write_suite, tmp_path):
    text = (SUITE % "faiss-hnsw").replace("batch_sizes: [1, 8]}",
                                          "batch_sizes: [1, 8], clients_as: processes}")
    out = api.run(write_suite(text), api.RunOptions(
        output=tmp_path / "r", cache_dir=tmp_path / "c", progress=False))
    load = pd.read_csv(out.run_dir / "load.csv")
    closed = load[load.kind == "closed"]
    assert set(closed.clients_as) == {"processes"} and (closed.qps > 0).all()
    assert set(load[load.kind == "open"].clients_as) == {"processes"}


def test_clients_as_is_out_of_the_cell_id_unless_given():
    def cell(as_: str | None):
        more = f", clients_as: {as_}" if as_ else ""
        text = (SUITE % "exact").replace("batch_sizes: [1, 8]}", f"batch_sizes: [1, 8]{more}}}")
        return expand(load_suite_text(text, "s.yaml")).cells[0]

    plain, declared, forced = cell(None), cell("declared"), cell("processes")
    assert plain.cell_id == declared.cell_id and "clients_as" not in plain.load
    assert forced.cell_id != plain.cell_id and forced.load["clients_as"] == "processes"


@pytest.mark.parametrize(("name", "precision", "build", "search"), [
    ("faiss-sq", "int8", {"M": 8}, {"efSearch": 32}),
    ("faiss-nsg", "float32", {"R": 8, "GK": 16}, {"search_L": 16}),
    ("faiss-binary", "binary", {"M": 8}, {"efSearch": 32}),
    ("exact", "binary", {}, {}),
])
def test_the_other_faiss_indexes_open_mapped_and_answer_the_same(name, precision, build,
                                                                 search, data, tmp_path):
    from harness.embeddings.prepared import backend_input, prepare

    docs, queries = data
    prep = prepare(docs[:2000, :64], queries[:, :64], dim=None, metric="cosine",
                   precision=precision)
    cls = BACKENDS.get(name).load()
    inp, q = backend_input(prep, cls.capabilities.input == "raw")
    backend = cls(inp.metric, build)
    backend.build(inp)
    backend.prepare(search)
    path = str(tmp_path / "index")
    backend.save(path)
    opened = cls.open_shared(path, inp.metric, build)
    opened.prepare(search)
    want, got = backend.search(q, K), opened.search(q, K)
    np.testing.assert_array_equal(got[0], want[0])
    np.testing.assert_array_equal(got[1], want[1])
