"""The load axis's client loop vs a bare threaded loop calling faiss directly.

One faiss HNSW index (the faiss-hnsw plugin, M 16, efConstruction 40, efSearch 64) over N x D
normalised clustered vectors; then, interleaved (the order of the two alternates each
repeat) for 1, 2 and 4 clients, `seconds` per point:

* harness: harness.execution.load.threads.closed_threads, each client calling what the load
  stage calls (Searcher.row_search: the plugin's search on pre-sliced single-query rows),
* bare: N plain threads, each calling index.search(q[i:i+1], k) on the same faiss index object
  (efSearch set on it) in a loop until the same deadline, counting answers,

and prints qps per client count (medians over repeats), the ratio harness / bare of each
repeat's back-to-back pair and their median (target >= 0.95), and the 2-client / 1-client
scaling of each. With --gil, the same for the
test-gil backend (a pure-Python loop per query holding the GIL, tests/execution/
load_backends.py) run with threads and with processes: threads stay flat, processes scale.

    PYTHONPATH=$PWD python bench/load.py [--n 20000] [--dim 64] [--queries 500]
        [--seconds 2] [--repeats 3] [--gil]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import threading
import time

import faiss
import numpy as np

from harness.backends.base import IndexInput
from harness.embeddings.prepared import prepare
from harness.execution.load.procs import closed_procs, save_index
from harness.execution.load.threads import closed_threads
from harness.execution.searcher import Searcher
from harness.execution.timing import thread_limit
from harness.plan.load_checks import cores
from harness.registry import BACKENDS

CLIENTS = (1, 2, 4)
K = 10


def clustered(n: int, nq: int, d: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    c = rng.standard_normal((100, d)).astype(np.float32)
    x = c[rng.integers(0, 100, n + nq)] + 0.6 * rng.standard_normal((n + nq, d),
                                                                    dtype=np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    return x[:n], x[n:]


def bare(index, rows: list[np.ndarray], clients: int, seconds: float) -> float:
    counts = [0] * clients
    start = time.monotonic_ns() + 50_000_000
    end = start + int(seconds * 1e9)
    last = [start] * clients

    def client(c: int) -> None:
        faiss.omp_set_num_threads(1)
        i, n = c * len(rows) // clients, 0
        while time.monotonic_ns() < start:
            pass
        while time.monotonic_ns() < end:
            index.search(rows[i % len(rows)], K)
            i, n = i + 1, n + 1
        counts[c], last[c] = n, time.monotonic_ns()

    ts = [threading.Thread(target=client, args=(c,)) for c in range(clients)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return sum(counts) / ((max(last) - start) / 1e9)


def built(name: str, docs: np.ndarray, queries: np.ndarray, build: dict, search: dict):
    prep = prepare(docs, queries, metric="cosine", precision="float32", dim=None, seed=0)
    backend = BACKENDS.get(name).load()(prep.metric, build)
    backend.build(IndexInput(prep.docs, prep.metric, prep.precision))
    backend.prepare(search)
    return backend, Searcher(backend, prep, prep.queries, K)


def faiss_vs_bare(docs, queries, seconds: float, repeats: int) -> None:
    backend, searcher = built("faiss-hnsw", docs, queries, {"M": 16, "efConstruction": 40},
                              {"efSearch": 64})
    backend.index.hnsw.efSearch = 64
    search, n_rows = searcher.row_search(), len(searcher.queries)
    rows = [b[0] for b in searcher.rows()]
    got: dict[tuple[str, int], list[float]] = {}
    with thread_limit(1):
        for rep in range(repeats):
            for n in CLIENTS:
                order = ("harness", "bare") if rep % 2 == 0 else ("bare", "harness")
                for who in order:
                    qps = (closed_threads(search, n_rows, n, seconds, cores()).qps
                           if who == "harness" else bare(backend.index, rows, n, seconds))
                    got.setdefault((who, n), []).append(qps)
    med = {key: float(np.median(v)) for key, v in got.items()}
    # each repeat's harness and bare points ran back to back: their ratio cancels the
    # machine's drift between repeats, which the ratio of medians would not
    pair = {n: np.asarray(got[("harness", n)]) / np.asarray(got[("bare", n)]) for n in CLIENTS}
    print(f"faiss-hnsw, {len(docs)} x {docs.shape[1]}, {seconds} s a point, {repeats} repeats, "
          f"{cores()} cores, load average {os.getloadavg()[0]:.1f}")
    print("clients  harness_qps  bare_qps  ratio  pair_ratios (min / median / max)")
    for n in CLIENTS:
        h, b, r = med[("harness", n)], med[("bare", n)], pair[n]
        print(f"{n:>7}  {h:>11.0f}  {b:>8.0f}  {np.median(r):.3f}  "
              f"{r.min():.3f} / {np.median(r):.3f} / {r.max():.3f}")
    scale = med[("harness", 2)] / med[("harness", 1)]
    print(f"2 clients / 1 client: harness {scale:.2f}x, "
          f"bare {med[('bare', 2)] / med[('bare', 1)]:.2f}x")
    ratios = [float(np.median(pair[n])) for n in CLIENTS]
    print(f"targets (issue #24): median pair ratio >= 0.95 at {', '.join(map(str, CLIENTS))} "
          f"clients: {'met' if min(ratios) >= 0.95 else 'NOT met'}; harness 2 / 1 clients "
          f">= 1.6x: {'met' if scale >= 1.6 else 'NOT met'}")


def gil_threads_vs_processes(docs, queries, seconds: float) -> None:
    import tests.execution.load_backends  # noqa: F401  (registers test-gil)

    os.environ["HARNESS_PLUGINS"] = "tests.execution.load_backends"
    backend, searcher = built("test-gil", docs, queries, {}, {})
    batches = searcher.rows()
    print("test-gil (holds the GIL)\nclients  threads_qps  processes_qps")
    with tempfile.TemporaryDirectory() as tmp, thread_limit(1):
        saved = save_index(backend, searcher.queries, "ip", {}, K, tmp)
        for n in (1, 2):
            t = closed_threads(lambda j: searcher(batches[j]), len(batches), n, seconds,
                               cores()).qps
            p = closed_procs(saved, {}, len(batches), n, seconds, cores()).qps
            print(f"{n:>7}  {t:>11.0f}  {p:>13.0f}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=20_000)
    ap.add_argument("--dim", type=int, default=64)
    ap.add_argument("--queries", type=int, default=500)
    ap.add_argument("--seconds", type=float, default=2.0)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--gil", action="store_true")
    a = ap.parse_args()
    docs, queries = clustered(a.n, a.queries, a.dim)
    faiss_vs_bare(docs, queries, a.seconds, a.repeats)
    if a.gil:
        gil_threads_vs_processes(docs[:2000], queries, a.seconds)


if __name__ == "__main__":
    main()
