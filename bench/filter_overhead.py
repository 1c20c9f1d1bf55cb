"""Filter machinery's own cost: harness `in_search` vs faiss/hnswlib called directly with the
same selector, interleaved repeats; prints ratio = direct_s / harness_s (target >= 0.95).

    PYTHONPATH=. python bench/filter_overhead.py --n 100000 --repeats 5
"""

from __future__ import annotations

import argparse
import time

import faiss
import numpy as np

from harness.backends.base import IndexInput
from harness.backends.filter_search import faiss_params, in_search, pre_search
from harness.registry import BACKENDS


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--selectivity", type=float, default=0.1)
    a = ap.parse_args()
    faiss.omp_set_num_threads(1)
    rng = np.random.default_rng(0)
    docs = rng.normal(size=(a.n, 32)).astype(np.float32)
    q = rng.normal(size=(200, 32)).astype(np.float32)
    allowed = rng.random(a.n) < a.selectivity
    truth, _ = pre_search(q, docs, "l2", allowed, 10)
    for name, search in (("faiss-hnsw", {"efSearch": 256}), ("hnswlib", {"ef": 256})):
        be = BACKENDS.get(name).load()("l2", {})
        be.build(IndexInput(docs, "l2", "float32"))
        be.prepare(search)
        ix = be.index

        def direct(ix=ix, name=name):
            if name == "hnswlib":
                return ix.knn_query(q, k=10, filter=allowed.__getitem__, num_threads=1)
            params, _bits = faiss_params(faiss, ix, allowed)
            return ix.search(q, 10, params=params)

        def harness(ix=ix):
            return in_search(ix, "l2", q, allowed, 10)

        t = {"direct": [], "harness": []}
        for _ in range(a.repeats):
            for key, fn in (("direct", direct), ("harness", harness)):
                t0 = time.perf_counter()
                fn()
                t[key].append(time.perf_counter() - t0)
        ids, _ = harness()
        rec = np.mean([len(set(x) & set(y)) / 10 for x, y in zip(ids, truth, strict=True)])
        ratio = np.median(t["direct"]) / np.median(t["harness"])
        print(f"{name}: n={a.n} selectivity={a.selectivity} filtered_knn_recall@10={rec:.4f} "
              f"ratio(direct/harness)={ratio:.3f}")


if __name__ == "__main__":
    main()
