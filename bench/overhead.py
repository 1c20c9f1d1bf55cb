"""Harness overhead: single-thread qps as the harness measures it vs a bare library loop.

For every ANN backend (faiss HNSW, NSG and RaBitQ, hnswlib, usearch, ScaNN, annoy, and the
libraries of bench/overhead_libs.py: diskann, diskann-disk, ngt, ngt:onng, nmslib,
nmslib:sw-graph, voyager, pynndescent) on N x D
normalised clustered vectors (a seeded gaussian mixture), one index is built per backend;
then, single-threaded and interleaved in shuffled order over several repeats, the script times

* harness: the runner's own path, `Searcher` (harness/execution/searcher.py) + `timed_pass`
  (harness/execution/timing.py) calling the backend plugin's search() on the prepared query batch,
* bare: the library called directly on the same index object, same queries, same parameters
  (faiss index.search with the same SearchParameters, hnswlib knn_query(num_threads=1),
  usearch search(threads=1), ScaNN search_batched, annoy get_nns_by_vector in a loop),

and prints qps_harness / qps_bare per backend (target: >= 0.95): `ratio` of the medians over
repeats, `paired` the median of the per-repeat ratios, `best` the ratio of the fastest passes
(the least disturbed ones on a shared machine, as timeit advises). `same_ids` checks that both
return the same neighbours. Results go to bench/out/overhead.txt.

    python bench/overhead.py [--n 100000] [--dim 384] [--queries 1000] [--repeats 15]
        [--backends faiss-hnsw,usearch,...]
"""

from __future__ import annotations

import argparse
import platform
import time
from pathlib import Path

import numpy as np
from overhead_libs import LIB_CONFIGS, lib_bare_ids, lib_bare_search

from harness.backends.base import IndexInput
from harness.embeddings.prepared import prepare
from harness.execution.searcher import Searcher
from harness.execution.timing import thread_limit, timed_pass
from harness.registry import BACKENDS

OUT = Path(__file__).resolve().parent / "out"

# (build params, search params) per backend: the same values reach the bare loop
CONFIGS = {
    "faiss-hnsw": ({"M": 16, "efConstruction": 40}, {"efSearch": 64}),
    "hnswlib": ({"M": 16, "ef_construction": 100}, {"ef": 64}),
    "annoy": ({"n_trees": 50}, {"search_k": -1}),
    "faiss-nsg": ({"R": 32}, {"search_L": 64}),
    "faiss-rabitq": ({"nb_bits": 1}, {"qb": 4}),
    "faiss-ivf-rabitq": ({"nlist": 256, "refine": True}, {"nprobe": 16, "k_factor": 4}),
    "faiss-hnsw-rabitq": ({"M": 16, "nb_bits": 4}, {"efSearch": 64}),
    "usearch": ({"connectivity": 16, "expansion_add": 128}, {"expansion_search": 64}),
    "scann": (
        {"num_leaves": 200, "reordering_num_neighbors": 100},
        {"leaves_to_search": 20, "pre_reorder_num_neighbors": 100},
    ),
}


def clustered(n: int, nq: int, d: int, centers: int = 100, seed: int = 0):
    """Unit vectors from a seeded gaussian mixture (documents, queries from the same mixture)."""
    rng = np.random.default_rng(seed)
    c = rng.standard_normal((centers, d)).astype(np.float32)
    x = np.empty((n + nq, d), dtype=np.float32)
    labels = rng.integers(0, centers, n + nq)
    for lo in range(0, n + nq, 20_000):  # in chunks, to keep float64 temporaries small
        hi = min(lo + 20_000, n + nq)
        x[lo:hi] = c[labels[lo:hi]] + 0.6 * rng.standard_normal((hi - lo, d), dtype=np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    return x[:n], x[n:]


def rabitq_params(name: str, index, search: dict, build: dict):
    """faiss SearchParameters built here, independently of the plugin, from the same values:
    (index to search, its parameters, the inner parameters that must stay alive)."""
    import faiss

    inner = faiss.downcast_index(index.base_index) if build["refine"] else index
    qb, centered = search["qb"], search["centered"]
    if name == "faiss-rabitq":
        base = faiss.RaBitQSearchParameters(qb=qb, centered=centered)
    elif name == "faiss-ivf-rabitq":
        base = faiss.IVFRaBitQSearchParameters(nprobe=search["nprobe"], qb=qb, centered=centered)
    else:  # HNSW: the code parameters live on the storage
        storage = faiss.downcast_index(inner.storage)
        storage.qb, storage.centered = qb, centered
        base = faiss.SearchParametersHNSW(efSearch=search["efSearch"])
    if search["k_factor"]:
        return index, faiss.IndexRefineSearchParameters(
            k_factor=search["k_factor"], base_index_params=base
        ), base
    return inner, base, base


def bare_search(name: str, be, queries: np.ndarray, k: int, search: dict, build: dict):
    """The library alone, as a user would call it, on the same index and parameters."""
    if name in LIB_CONFIGS:
        return lib_bare_search(name, be, queries, k, search)
    index = be.index
    if name == "faiss-hnsw":
        index.hnsw.efSearch = search["efSearch"]
        return lambda: index.search(queries, k)
    if name == "faiss-nsg":
        index.nsg.search_L = search["search_L"]
        return lambda: index.search(queries, k)
    if name.endswith("rabitq"):
        searched, params, _keep = rabitq_params(name, index, search, build)
        if searched.d == queries.shape[1] + 1:
            # HNSW-RaBitQ is L2-only: the index holds the inner-product reduction's extra
            # coordinate; a bare user appends the queries' 0 once, outside the timed loop
            queries = np.hstack([queries, np.zeros((len(queries), 1), dtype=np.float32)])
        return lambda: (searched.search(queries, k, params=params), _keep)[0]
    if name == "hnswlib":
        index.set_ef(search["ef"])
        return lambda: index.knn_query(queries, k=k, num_threads=1)
    if name == "usearch":
        index.expansion_search = search["expansion_search"]
        return lambda: index.search(queries, k, threads=1)
    if name == "scann":
        pre, leaves = max(k, search["pre_reorder_num_neighbors"]), search["leaves_to_search"]
        return lambda: index.search_batched(
            queries, final_num_neighbors=k, pre_reorder_num_neighbors=pre, leaves_to_search=leaves
        )
    if name == "annoy":
        # rows as Python lists: annoy reads them faster than numpy rows (the fastest bare loop)
        get, search_k = index.get_nns_by_vector, search["search_k"]
        return lambda: [get(v, k, search_k, True) for v in queries.tolist()]
    raise ValueError(name)


def bare_ids(name: str, out) -> np.ndarray:
    if name in LIB_CONFIGS:
        return lib_bare_ids(name, out)
    if name == "annoy":
        return np.array([ids for ids, _ in out])
    if name == "usearch":
        return out.keys
    # hnswlib: (labels, dist); ScaNN: (ids, dist); faiss: (D, I)
    return out[0] if name in ("hnswlib", "scann") else out[1]


def interleaved_qps(harness, batch, bare, repeats: int, rng) -> dict[str, list[float]]:
    """qps of both sides over `repeats` rounds, in shuffled order within each round."""
    qps: dict[str, list[float]] = {"harness": [], "bare": []}
    for _ in range(repeats):
        for who in rng.permutation(["harness", "bare"]):
            if who == "harness":
                seconds, _ = timed_pass(harness, batch)
            else:
                t = time.perf_counter_ns()
                bare()
                seconds = (time.perf_counter_ns() - t) / 1e9
            qps[who].append(len(harness.queries) / seconds)
    return qps


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--dim", type=int, default=384)
    ap.add_argument("--queries", type=int, default=1000)
    ap.add_argument("--k", type=int, default=10)
    ap.add_argument("--repeats", type=int, default=15)
    ap.add_argument("--build-threads", type=int, default=2)
    ap.add_argument("--backends", default=",".join([*CONFIGS, *LIB_CONFIGS]))
    args = ap.parse_args()

    docs, queries = clustered(args.n, args.queries, args.dim)
    prep = prepare(docs, queries, dim=None, metric="cosine", precision="float32")
    del docs
    lines = [
        f"harness overhead: {args.n} x {args.dim} normalised clustered vectors, "
        f"{args.queries} queries, k={args.k}, single thread, {args.repeats} interleaved "
        f"repeats ({platform.processor() or platform.machine()})",
        f"{'backend':<17} {'qps_harness':>11} {'qps_bare':>9} "
        f"{'ratio':>6} {'paired':>6} {'best':>6}  same_ids  params",
    ]
    print(lines[0])
    rng = np.random.default_rng(0)
    for name in args.backends.split(","):
        backend, build, search = LIB_CONFIGS.get(name) or (name, *CONFIGS[name])
        cls = BACKENDS.get(backend).load()
        be = cls(prep.metric, cls.capabilities.with_defaults("build", build), args.build_threads)
        t0 = time.perf_counter()
        with thread_limit(args.build_threads):
            be.build(
                IndexInput(
                    prep.docs,
                    prep.metric,
                    prep.precision,
                    raw=prep.raw_docs,
                    raw_metric=prep.raw_metric,
                )
            )
        print(f"{name}: built in {time.perf_counter() - t0:.1f} s", flush=True)
        getattr(be, "set_threads", lambda n: None)(1)
        settings = cls.capabilities.with_defaults("search", search)
        be.prepare(settings)
        harness = Searcher(be, prep, prep.queries, args.k)
        batch = harness.whole()
        bare = bare_search(name, be, prep.queries, args.k, settings, be.build_params)
        with thread_limit(1):
            h_ids = harness(batch)[0]  # warm-up, and the same answers check
            b_ids = bare_ids(name, bare())
            same = bool(np.array_equal(np.asarray(h_ids), np.asarray(b_ids, dtype=np.int64)))
            qps = interleaved_qps(harness, batch, bare, args.repeats, rng)
        h, b = np.median(qps["harness"]), np.median(qps["bare"])
        paired = np.median(np.array(qps["harness"]) / np.array(qps["bare"]))
        best = max(qps["harness"]) / max(qps["bare"])
        params = ",".join(f"{k}={v}" for k, v in {**build, **search}.items())
        ratios = f"{h / b:>6.3f} {paired:>6.3f} {best:>6.3f}"
        line = f"{name:<17} {h:>11.0f} {b:>9.0f} {ratios}  {same!s:<8}  {params}"
        lines.append(line)
        print(line, flush=True)
        del be, harness, bare
    OUT.mkdir(exist_ok=True)
    (OUT / "overhead.txt").write_text("\n".join(lines) + "\n")
    print("\n".join(lines[1:]))
    print(f"written: {OUT / 'overhead.txt'}")


if __name__ == "__main__":
    main()
