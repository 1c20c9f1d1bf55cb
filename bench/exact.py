"""Exact search in the harness vs a bare faiss IndexFlatIP batch search, single thread.

On N x D normalised clustered vectors (a seeded gaussian mixture) and Q queries, interleaved in
shuffled order over several repeats: the harness's own path (the `exact` backend plugin behind
`Searcher` + `timed_pass`, inside the runner's `thread_limit(1)`) and a bare
faiss.IndexFlatIP(d).search(queries, k) under the same limit. Prints qps and the achieved
GFLOP/s (2 * Q * N * D flops per pass) of both and their ratio (target: >= 0.85). Results go to
bench/out/exact.txt.

    python bench/exact.py [--n 100000] [--dim 384] [--queries 1000] [--k 10] [--repeats 7]
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from overhead import OUT, clustered

from harness.backends.base import IndexInput
from harness.embeddings.prepared import prepare
from harness.execution.searcher import Searcher
from harness.execution.timing import thread_limit, timed_pass
from harness.registry import BACKENDS


def main() -> None:
    import faiss

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--dim", type=int, default=384)
    ap.add_argument("--queries", type=int, default=1000)
    ap.add_argument("--k", type=int, default=10)
    ap.add_argument("--repeats", type=int, default=7)
    args = ap.parse_args()

    docs, queries = clustered(args.n, args.queries, args.dim)
    prep = prepare(docs, queries, dim=None, metric="cosine", precision="float32")
    exact = BACKENDS.get("exact").load()(prep.metric, {}, threads=1)
    exact.build(IndexInput(prep.docs, prep.metric, prep.precision))
    harness = Searcher(exact, prep, prep.queries, args.k)
    batch = harness.whole()

    bare_index = faiss.IndexFlatIP(args.dim)
    bare_index.add(docs)
    xq = np.ascontiguousarray(queries)

    flops = 2.0 * args.queries * args.n * args.dim
    seconds: dict[str, list[float]] = {"harness": [], "bare": []}
    rng = np.random.default_rng(0)
    with thread_limit(1):
        h_ids = harness(batch)[0]  # warm-up, and the same answers check
        b_ids = bare_index.search(xq, args.k)[1]
        same = bool(np.array_equal(h_ids, b_ids))
        for _ in range(args.repeats):
            for who in rng.permutation(["harness", "bare"]):
                if who == "harness":
                    s, _ = timed_pass(harness, batch)
                else:
                    t = time.perf_counter_ns()
                    bare_index.search(xq, args.k)
                    s = (time.perf_counter_ns() - t) / 1e9
                seconds[who].append(s)
    h, b = np.median(seconds["harness"]), np.median(seconds["bare"])
    paired = np.median(np.array(seconds["bare"]) / np.array(seconds["harness"]))
    lines = [
        f"exact search: {args.n} x {args.dim} normalised clustered vectors, {args.queries} "
        f"queries, k={args.k}, single thread, {args.repeats} interleaved repeats "
        f"({platform.processor() or platform.machine()}, faiss {faiss.__version__})",
        f"{'':<8} {'qps':>8} {'GFLOP/s':>8} {'seconds':>8}",
        f"{'harness':<8} {args.queries / h:>8.0f} {flops / h / 1e9:>8.1f} {h:>8.3f}",
        f"{'bare':<8} {args.queries / b:>8.0f} {flops / b / 1e9:>8.1f} {b:>8.3f}",
        f"ratio harness/bare: {b / h:.3f} (median of paired repeats {paired:.3f}), "
        f"same ids: {same}",
    ]
    print("\n".join(lines))
    OUT.mkdir(exist_ok=True)
    (OUT / "exact.txt").write_text("\n".join(lines) + "\n")
    print(f"written: {OUT / 'exact.txt'}")


if __name__ == "__main__":
    main()
