"""Database overhead: single-thread qps as the harness measures it vs the engine's own client.

For every embedded-database backend (sqlite-vec, LanceDB, Chroma, Milvus Lite, DuckDB-vss) on
N x D normalised clustered vectors (bench/overhead.py's seeded gaussian mixture, cosine), one
table/collection is built per engine through the backend; then, single-threaded and
interleaved in shuffled order over several repeats, the script times

* harness: the runner's own path, `Searcher` + `timed_pass` calling the backend's search()
  (one engine query per vector, results copied into id/score arrays),
* bare: the engine's own client called directly on the same built table/collection (the
  backend's open connection), with the query written here from the engine's documentation,
  the same queries and search parameters, one call per query, results left as the client
  returns them:

  sqlite-vec   apsw `execute("SELECT rowid, distance FROM docs WHERE embedding MATCH ? AND k = ?
               ORDER BY distance", (q.tobytes(), k)).fetchall()`
  lancedb      `table.search(q).distance_type("cosine").nprobes(n).ef(ef).limit(k)
               [.refine_factor(r)].select(["id", "_distance"]).to_arrow()`
  chroma       `collection.query(query_embeddings=q[None], n_results=k, include=["distances"])`
  milvus-lite  `client.search("docs", data=[q], limit=k, search_params={"metric_type":
               "COSINE", "params": {"ef": ef}})`
  duckdb-vss   `con.execute("SELECT id, array_cosine_distance(v, ?::FLOAT[d]) AS dist FROM docs
               ORDER BY dist LIMIT ?", [q.tolist(), k]).fetchall()`

and prints qps_harness / qps_bare per engine (`ratio` of the medians, `paired` the median of
per-repeat ratios, `best` the ratio of the fastest passes) and `same_ids` (both sides return
the same neighbours). Results go to bench/out/db_overhead.txt.

    PYTHONPATH=. python bench/db_overhead.py [--n 20000] [--dim 384] [--queries 300]
        [--repeats 9] [--backends sqlite-vec,lancedb,chroma,milvus-lite,duckdb-vss]
"""

from __future__ import annotations

import argparse
import platform
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from overhead import clustered, interleaved_qps

from harness.backends.base import IndexInput
from harness.embeddings.prepared import prepare
from harness.execution.searcher import Searcher
from harness.execution.timing import thread_limit
from harness.registry import BACKENDS

OUT = Path(__file__).resolve().parent / "out"

#: search parameters per engine (build parameters are the backends' defaults)
SEARCH = {
    "sqlite-vec": {},
    "lancedb": {"nprobes": 8, "refine_factor": 10, "ef": 128},
    "chroma": {"ef_search": 64},
    "milvus-lite": {"ef": 64},
    "duckdb-vss": {"ef_search": 64},
}


def _sqlite(be: Any, q: list[np.ndarray], k: int, s: dict) -> Callable[[], list]:
    db = be._db  # the backend's apsw connection on its vec0 table
    sql = "SELECT rowid, distance FROM docs WHERE embedding MATCH ? AND k = ? ORDER BY distance"
    return lambda: [db.execute(sql, (v.tobytes(), k)).fetchall() for v in q]


def _lancedb(be: Any, q: list[np.ndarray], k: int, s: dict) -> Callable[[], list]:
    table = be._table  # the backend's open Lance table

    def one(v: np.ndarray):
        query = (table.search(v).distance_type("cosine").nprobes(s["nprobes"]).ef(s["ef"])
                 .limit(k))
        if s["refine_factor"]:
            query = query.refine_factor(s["refine_factor"])
        return query.select(["id", "_distance"]).to_arrow()

    return lambda: [one(v) for v in q]


def _chroma(be: Any, q: list[np.ndarray], k: int, s: dict) -> Callable[[], list]:
    col = be._col  # the backend's collection, reopened by prepare() with this ef_search
    return lambda: [col.query(query_embeddings=v[None], n_results=k, include=["distances"])
                    for v in q]


def _milvus(be: Any, q: list[np.ndarray], k: int, s: dict) -> Callable[[], list]:
    client = be._client  # the backend's MilvusClient on its milvus.db
    params = {"metric_type": "COSINE", "params": {"ef": s["ef"]}}
    return lambda: [client.search("docs", data=[v], limit=k, search_params=params) for v in q]


def _duckdb(be: Any, q: list[np.ndarray], k: int, s: dict) -> Callable[[], list]:
    con = be._con  # the backend's connection (hnsw_ef_search set by prepare())
    sql = (f"SELECT id, array_cosine_distance(v, ?::FLOAT[{len(q[0])}]) AS dist FROM docs "
           "ORDER BY dist LIMIT ?")
    return lambda: [con.execute(sql, [v.tolist(), k]).fetchall() for v in q]


BARE = {"sqlite-vec": _sqlite, "lancedb": _lancedb, "chroma": _chroma,
        "milvus-lite": _milvus, "duckdb-vss": _duckdb}


def bare_ids(name: str, out: list, k: int) -> np.ndarray:
    """The bare side's ids as an (nq, k) array (-1 = empty), for the same-answers check."""
    ids = np.full((len(out), k), -1, dtype=np.int64)
    for i, got in enumerate(out):
        if name == "lancedb":
            row = got["id"].to_pylist()
        elif name == "chroma":
            row = [int(g) for g in got["ids"][0]]
        elif name == "milvus-lite":
            row = [h["id"] for h in got[0]]
        else:  # SQL rows (id, distance)
            row = [r[0] for r in got]
        ids[i, :len(row)] = row
    return ids


def measure(name: str, prep, k: int, repeats: int, rng) -> str:
    """Build one engine through its backend, then time both sides; the result line."""
    cls = BACKENDS.get(name).load()
    be = cls(prep.metric, {})
    t0 = time.perf_counter()
    be.build(IndexInput(prep.docs, prep.metric, prep.precision, raw=prep.raw_docs,
                        raw_metric=prep.raw_metric))
    print(f"{name}: built in {time.perf_counter() - t0:.1f} s", flush=True)
    settings = cls.capabilities.with_defaults("search", SEARCH[name])
    be.prepare(settings)
    harness = Searcher(be, prep, prep.queries, k)
    batch = harness.whole()
    bare = BARE[name](be, list(np.ascontiguousarray(prep.queries, dtype=np.float32)), k,
                      settings)
    try:
        with thread_limit(1):
            h_ids = harness(batch)[0]  # warm-up, and the same-answers check
            same = bool(np.array_equal(np.asarray(h_ids), bare_ids(name, bare(), k)))
            qps = interleaved_qps(harness, batch, bare, repeats, rng)
    finally:
        be.close()
    h, b = np.median(qps["harness"]), np.median(qps["bare"])
    paired = np.median(np.array(qps["harness"]) / np.array(qps["bare"]))
    best = max(qps["harness"]) / max(qps["bare"])
    params = ",".join(f"{key}={v}" for key, v in SEARCH[name].items())
    return (f"{name:<12} {h:>11.0f} {b:>9.0f} {h / b:>6.3f} {paired:>6.3f} {best:>6.3f}  "
            f"{same!s:<8}  {params}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=20_000)
    ap.add_argument("--dim", type=int, default=384)
    ap.add_argument("--queries", type=int, default=300)
    ap.add_argument("--k", type=int, default=10)
    ap.add_argument("--repeats", type=int, default=9)
    ap.add_argument("--backends", default=",".join(SEARCH))
    args = ap.parse_args()

    docs, queries = clustered(args.n, args.queries, args.dim)
    prep = prepare(docs, queries, dim=None, metric="cosine", precision="float32")
    lines = [
        f"database overhead: {args.n} x {args.dim} normalised clustered vectors, cosine, "
        f"{args.queries} queries, k={args.k}, single thread, {args.repeats} interleaved "
        f"repeats ({platform.processor() or platform.machine()})",
        f"{'backend':<12} {'qps_harness':>11} {'qps_bare':>9} "
        f"{'ratio':>6} {'paired':>6} {'best':>6}  same_ids  search",
    ]
    print(lines[0])
    rng = np.random.default_rng(0)
    for name in args.backends.split(","):
        lines.append(measure(name, prep, args.k, args.repeats, rng))
        print(lines[-1], flush=True)
    OUT.mkdir(exist_ok=True)
    (OUT / "db_overhead.txt").write_text("\n".join(lines) + "\n")
    print("\n".join(lines[1:]))
    print(f"written: {OUT / 'db_overhead.txt'}")


if __name__ == "__main__":
    main()
