"""Process clients share the index: per SharedIndex backend, the saved index's file size and
the private memory (RssAnon) each of 2 client processes gained opening and searching it
(harness.execution.load.child), next to a control client that reads the file into memory
(tests/execution/load_backends.py: CopyingExact). N x D random unit vectors, 2 clients,
`seconds` of closed loop.

    PYTHONPATH=$PWD python bench/shared.py [--n 20000] [--dim 384] [--seconds 0.5]
        [--backends exact,faiss-hnsw,faiss-ivf,annoy,usearch]
"""

from __future__ import annotations

import argparse
import os
import tempfile

import numpy as np

from harness.backends.base import IndexInput
from harness.execution.load.procs import client_anon_bytes, closed_procs, save_index
from harness.registry import BACKENDS
from tests.execution.load_backends import CopyingExact

CASES = {  # backend: (build, search), small builds: the file's size is what matters here
    "exact": ({}, {}),
    "faiss-hnsw": ({"M": 8, "efConstruction": 16}, {"efSearch": 32}),
    "faiss-ivf": ({"nlist": 16}, {"nprobe": 4}),
    "annoy": ({"n_trees": 2}, {"search_k": 200}),
    "usearch": ({"connectivity": 8, "expansion_add": 16}, {"expansion_search": 32}),
}


def one(name: str, cls: type, docs: np.ndarray, queries: np.ndarray, seconds: float) -> str:
    build, search = CASES["exact" if cls is CopyingExact else name]
    backend = cls("ip", build)
    backend.build(IndexInput(docs, "ip", "float32", raw=docs, raw_metric="ip"))
    backend.prepare(search)
    with tempfile.TemporaryDirectory() as tmp:
        saved = save_index(backend, queries, "ip", build, 10, tmp)
        size = os.path.getsize(saved.job["index"])
        qps = closed_procs(saved, search, len(queries), 2, seconds, 2).qps
        grown = client_anon_bytes(saved, 2)
    mb = ", ".join(f"{g / 1e6:.1f}" for g in grown)
    return (f"{name:<22} {size / 1e6:>9.1f}  {mb:>14}  "
            f"{max(grown) / size:>7.1%}  {qps:>8.0f}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=20_000)
    ap.add_argument("--dim", type=int, default=384)
    ap.add_argument("--seconds", type=float, default=0.5)
    ap.add_argument("--backends", default=",".join(CASES))
    a = ap.parse_args()
    rng = np.random.default_rng(0)
    x = rng.standard_normal((a.n + 50, a.dim)).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    docs, queries = x[:a.n], x[a.n:]
    print(f"{a.n} x {a.dim} float32, 2 client processes, {a.seconds} s closed loop")
    print(f"{'backend':<22} {'file MB':>9}  {'client +MB':>14}  {'max/file':>8}  {'qps':>8}")
    for name in a.backends.split(","):
        if BACKENDS.get(name).available():
            print(one(name, BACKENDS.get(name).load(), docs, queries, a.seconds), flush=True)
    print(one("control: copies it", CopyingExact, docs, queries, a.seconds))


if __name__ == "__main__":
    main()
