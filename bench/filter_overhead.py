"""Filter machinery's own cost: the harness's `in` and `pre` strategies vs the library called
directly with the same selector, interleaved repeats, single thread.

For each backend x strategy x selectivity, over the same queries and the same allowed bitmap:
- `in` (faiss-hnsw, hnswlib, exact = faiss IndexFlat): harness `in_search` vs
  `index.search(q, k, params=SearchParameters(sel=IDSelectorBitmap))` for faiss and
  `index.knn_query(q, k, filter=allowed.__getitem__)` for hnswlib, called directly;
- `pre` (exact): harness `pre_search` (numpy, float64, over the gathered passing rows) vs
  faiss's own flat scan with the same IDSelectorBitmap (float32).
Prints one line per case: ratio = direct_s / harness_s (median of the repeats; target
>= 0.95) and the harness's filtered kNN recall@10 against `pre`.

    PYTHONPATH=. python bench/filter_overhead.py --n 100000 --repeats 5 --selectivity 0.01 0.1 0.5
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import faiss
import numpy as np

from harness.backends.base import IndexInput
from harness.backends.filter_search import faiss_params, in_search, pre_search
from harness.registry import BACKENDS

K = 10
CASES = (("faiss-hnsw", "in", {"efSearch": 256}), ("hnswlib", "in", {"ef": 256}),
         ("exact", "in", {}), ("exact", "pre", {}))


def _direct(name: str, strategy: str, ix, q: np.ndarray, allowed: np.ndarray
            ) -> Callable[[], object]:
    """The library itself with the same selector (the bitmap built inside, as the harness)."""
    if name == "hnswlib":
        return lambda: ix.knn_query(q, k=K, filter=allowed.__getitem__, num_threads=1)

    def call():
        params, _bits = faiss_params(faiss, ix, allowed)
        return ix.search(q, K, params=params)
    return call


def _harness(strategy: str, ix, docs: np.ndarray, q: np.ndarray, allowed: np.ndarray
             ) -> Callable[[], tuple[np.ndarray, np.ndarray]]:
    if strategy == "pre":
        return lambda: pre_search(q, docs, "l2", allowed, K)
    return lambda: in_search(ix, "l2", q, allowed, K)


def _time(fns: dict[str, Callable[[], object]], repeats: int) -> dict[str, float]:
    t: dict[str, list[float]] = {key: [] for key in fns}
    for fn in fns.values():
        fn()  # warm-up: first-call allocations and caches are not the filter's cost
    for _ in range(repeats):  # interleaved: drift of a shared machine spreads evenly
        for key, fn in fns.items():
            t0 = time.perf_counter()
            fn()
            t[key].append(time.perf_counter() - t0)
    return {key: float(np.median(v)) for key, v in t.items()}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--selectivity", type=float, nargs="+", default=[0.1])
    a = ap.parse_args()
    faiss.omp_set_num_threads(1)
    rng = np.random.default_rng(0)
    docs = rng.normal(size=(a.n, 32)).astype(np.float32)
    q = rng.normal(size=(a.queries, 32)).astype(np.float32)
    built = {}
    for name, _, search in CASES:
        if name not in built:
            be = BACKENDS.get(name).load()("l2", {})
            be.build(IndexInput(docs, "l2", "float32"))
            be.set_threads(1)
            be.prepare(search)
            built[name] = be.index
    print("backend     strategy  selectivity  knn_recall@10  direct_ms  harness_ms  "
          "ratio(direct/harness)")
    for s in a.selectivity:
        allowed = rng.random(a.n) < s
        truth, _ = pre_search(q, docs, "l2", allowed, K)
        for name, strategy, _ in CASES:
            ix = built[name]
            harness = _harness(strategy, ix, docs, q, allowed)
            t = _time({"direct": _direct(name, strategy, ix, q, allowed), "harness": harness},
                      a.repeats)
            ids, _ = harness()
            m = np.maximum((truth >= 0).sum(1), 1)
            rec = np.mean([len(set(x[x >= 0]) & set(y[y >= 0])) / mm
                           for x, y, mm in zip(ids, truth, m, strict=True)])
            print(f"{name:<11} {strategy:<9} {s:<12g} {rec:<14.4f} {1e3 * t['direct']:<10.1f} "
                  f"{1e3 * t['harness']:<11.1f} {t['direct'] / t['harness']:.3f}")


if __name__ == "__main__":
    main()
