"""Concurrency modes measured, not read from source: for every registered backend, closed-loop
qps with 1 and 2 client threads on the same index (harness.execution.load.thread_scaling:
the load stage's Searcher.row_search on single-query rows, interleaved, median of the
per-repeat ratios), next to the mode the backend declares (Concurrency.mode).

A backend that releases the GIL scales (>= 1.2x: `threads`); one that holds it stays near
1.0x (<= 1.1x: `processes`); in between is `unclear` (re-run on a quiet machine).
test-sleep (a 2 ms sleep: releases the GIL) and test-gil (a pure-Python loop: holds it)
are the two controls, built on the first 2,000 documents at 64 dims whatever the data (test-gil
scores with numpy, which releases the GIL: on large data that part dominates and the control
would scale). Data: N x D clustered unit vectors, each backend at its default
build and search parameters, precision float32 (else int8, else binary), cosine.

    PYTHONPATH=$PWD python bench/gil.py [--n 10000] [--dim 64] [--queries 200]
        [--seconds 1] [--repeats 3] [--backends exact,faiss-hnsw,...]
"""

from __future__ import annotations

import argparse
import os
import time
import traceback

import tests.execution.load_backends  # noqa: F401  (registers the two controls)
from bench.load import clustered
from harness.embeddings.prepared import backend_input, prepare
from harness.execution.load.thread_scaling import thread_scaling
from harness.execution.searcher import Searcher
from harness.execution.timing import thread_limit
from harness.plan.load_checks import cores
from harness.registry import BACKENDS, Entry

K = 10
CONTROLS = ("test-sleep", "test-gil")


def _precision(entry: Entry) -> str:
    have = entry.load().capabilities.precisions
    return next(p for p in ("float32", "int8", "binary") if p in have)


def searcher_for(entry: Entry, docs, queries) -> Searcher:
    cls = entry.load()
    prep = prepare(docs, queries, dim=None, metric="cosine", precision=_precision(entry))
    inp, q = backend_input(prep, cls.capabilities.input == "raw")
    backend = cls(inp.metric, {}, threads=1)
    backend.build(inp)
    backend.set_threads(1)
    backend.prepare({})
    return Searcher(backend, prep, q, K)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--dim", type=int, default=64)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--seconds", type=float, default=1.0)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--backends", default="")
    a = ap.parse_args()
    docs, queries = clustered(a.n, a.queries, a.dim)
    small = clustered(2000, a.queries, 64)
    wanted = [b for b in a.backends.split(",") if b]
    print(f"{a.n} x {a.dim}, {a.queries} queries, {a.seconds} s a point, {a.repeats} repeats, "
          f"{cores()} cores, load average {os.getloadavg()[0]:.1f}")
    print(f"{'backend':<18} {'declared':<10} {'qps_1':>9} {'qps_2':>9} {'2/1':>6}  measured")
    for entry in BACKENDS:
        if (wanted and entry.name not in wanted) or not entry.available():
            continue
        if entry.load().capabilities.family == "lexical":
            continue
        declared = entry.load().concurrency.mode
        t0 = time.monotonic()
        try:
            with thread_limit(1):
                control = entry.name in CONTROLS
                s = (searcher_for(entry, small[0], small[1]) if control
                     else searcher_for(entry, docs, queries))
                sc = thread_scaling(s.row_search(), len(s.queries), a.seconds, a.repeats,
                                    cores())
        except Exception as exc:  # one backend failing does not stop the others
            print(f"{entry.name:<18} {declared:<10} failed: {type(exc).__name__}: "
                  f"{str(exc).splitlines()[0][:80] if str(exc) else ''}")
            if os.environ.get("BENCH_DEBUG"):
                traceback.print_exc()
            continue
        v = sc.verdict()
        flag = "" if v in (declared, "unclear") else "  <- CONTRADICTS the declaration"
        print(f"{entry.name:<18} {declared:<10} {sc.qps_1:>9.0f} {sc.qps_2:>9.0f} "
              f"{sc.ratio:>5.2f}x  {v}{flag}  ({time.monotonic() - t0:.0f} s)", flush=True)


if __name__ == "__main__":
    main()
