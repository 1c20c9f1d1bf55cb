"""`harness run` against a bare script doing the same build and search, as separate processes.

    python bench/cli_vs_bare.py                      # 50,000 x 128, 4 backends, 5 rounds
    python bench/cli_vs_bare.py --n 20000 --rounds 2 --backends hnswlib,exact
    python bench/cli_vs_bare.py --env OMP_WAIT_POLICY=PASSIVE   # a hypothesis, both sides

For each backend (faiss-hnsw, hnswlib, annoy, exact) a one-backend suite (one build, one
search setting, `repeats` passes) runs through `harness run` (process executor: the cell in
its own worker, after the ground truth as in every run), and a bare process loads the same
.npy files, normalises them (cosine), builds the same index with the library alone (one
thread, the same parameters and seed) and times the same passes: one batch over all queries
per pass (qps, the median over passes) and a one-query-at-a-time loop (p50 latency). The two
kinds of process alternate, in shuffled order per round; the script prints per backend the
ratio of the medians over rounds, CLI / bare, for qps and p50 (p50 as bare / CLI, so >= 1
is the CLI as fast as the library). Target: >= 0.95. Figures go to bench/out/cli_vs_bare.txt.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
K = 10
SEED = 1234  # harness.backends.base.SEED: the libraries' seed in the harness
CONFIGS = {  # (build, search): the same values reach both sides
    "faiss-hnsw": ({"M": 16, "efConstruction": 40}, {"efSearch": 64}),
    "hnswlib": ({"M": 16, "ef_construction": 100}, {"ef": 64}),
    "annoy": ({"n_trees": 20}, {"search_k": -1}),
    "exact": ({}, {}),
}
SUITE = """schema_version: 1
name: cli-vs-bare-{backend}
seed: 0
k: {k}
datasets: [{{ref: "labelled:{data}"}}]
models: [vectors]
metrics: [cosine]
backends:
  - {{name: {backend}, build: {build}, search: {search}}}
evaluate: [label_recall@10]
repeats: {repeats}
warmup: {warmup}
executor: process
"""


def write_data(folder: Path, n: int, dim: int, queries: int) -> Path:
    """Seeded gaussian clusters as corpus/queries .npy files and their labels."""
    if (folder / "queries.labels").is_file():
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    centres = rng.standard_normal((64, dim)).astype(np.float32) * 2
    for stem, rows in (("corpus", n), ("queries", queries)):
        labels = rng.integers(0, len(centres), rows)
        x = centres[labels] + rng.standard_normal((rows, dim), np.float32)
        np.save(folder / f"{stem}.npy", x.astype(np.float32))
        (folder / f"{stem}.labels").write_text("".join(f"c{c}\n" for c in labels))
    return folder


def _flow(d: dict) -> str:
    return "{" + ", ".join(f"{k}: {json.dumps(v)}" for k, v in d.items()) + "}"


def cli(backend: str, data: Path, work: Path, args: argparse.Namespace) -> dict:
    """One `harness run` of the one-backend suite: its row's qps and p50."""
    build, search = CONFIGS[backend]
    suite = work / f"{backend}.yaml"
    suite.write_text(SUITE.format(backend=backend, data=data, k=K, build=_flow(build),
                                  search=_flow(search), repeats=args.repeats,
                                  warmup=args.warmup))
    out = Path(tempfile.mkdtemp(dir=work))
    subprocess.run([sys.executable, "-m", "harness", "run", str(suite), "--output", str(out),
                    "--cache-dir", str(work / "cache"), "--no-progress", "--no-report",
                    "--no-analysis", "--no-resume"], check=True, cwd=ROOT,
                   stdout=subprocess.DEVNULL, env=_env(args))
    row = pd.read_csv(next(out.glob("*/results.csv"))).iloc[0]
    return {"qps": float(row["qps"]), "p50_ms": float(row["latency_p50_ms"])}


def bare(backend: str, data: Path, args: argparse.Namespace) -> dict:
    """The same build and search in a fresh process, with the library alone."""
    cmd = [sys.executable, __file__, "--bare", backend, "--data", str(data),
           "--repeats", str(args.repeats), "--warmup", str(args.warmup)]
    done = subprocess.run(cmd, check=True, capture_output=True, text=True, env=_env(args))
    return json.loads(done.stdout.strip().splitlines()[-1])


def _env(args: argparse.Namespace) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.update(kv.split("=", 1) for kv in args.env)
    return env


def bare_index(backend: str, docs: np.ndarray):
    """(search(batch) callable, setup done) with the library called as its README shows."""
    build, search = CONFIGS[backend]
    if backend in ("faiss-hnsw", "exact"):
        import faiss

        faiss.omp_set_num_threads(1)
        if backend == "exact":
            index = faiss.IndexFlatIP(docs.shape[1])
        else:
            index = faiss.IndexHNSWFlat(docs.shape[1], build["M"], faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efConstruction = build["efConstruction"]
        index.add(docs)
        if backend == "faiss-hnsw":
            index.hnsw.efSearch = search["efSearch"]
        return lambda q: index.search(q, K)
    if backend == "hnswlib":
        import hnswlib

        index = hnswlib.Index(space="ip", dim=docs.shape[1])
        index.init_index(max_elements=len(docs), M=build["M"],
                         ef_construction=build["ef_construction"], random_seed=SEED)
        index.add_items(docs, np.arange(len(docs)), num_threads=1)
        index.set_ef(search["ef"])
        return lambda q: index.knn_query(q, k=K, num_threads=1)
    from annoy import AnnoyIndex

    index = AnnoyIndex(docs.shape[1], "angular")
    index.set_seed(SEED)
    for i, row in enumerate(docs.tolist()):
        index.add_item(i, row)
    index.build(build["n_trees"], n_jobs=1)
    get = index.get_nns_by_vector
    return lambda q: [get(v, K, search["search_k"], True) for v in q.tolist()]


def bare_main(backend: str, data: Path, repeats: int, warmup: int) -> None:
    docs, queries = (np.load(data / f"{s}.npy") for s in ("corpus", "queries"))
    docs = docs / np.linalg.norm(docs, axis=1, keepdims=True)
    queries = np.ascontiguousarray(queries / np.linalg.norm(queries, axis=1, keepdims=True))
    search = bare_index(backend, np.ascontiguousarray(docs, dtype=np.float32))
    search(queries[:warmup])
    qps, lat = [], []
    for _ in range(repeats):
        t0 = time.perf_counter_ns()
        search(queries)
        qps.append(len(queries) / ((time.perf_counter_ns() - t0) / 1e9))
        for i in range(len(queries)):
            t0 = time.perf_counter_ns()
            search(queries[i:i + 1])
            lat.append((time.perf_counter_ns() - t0) / 1e6)
    print(json.dumps({"qps": float(np.median(qps)), "p50_ms": float(np.median(lat))}))


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=50_000)
    p.add_argument("--dim", type=int, default=128)
    p.add_argument("--queries", type=int, default=1000)
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--warmup", type=int, default=20)
    p.add_argument("--backends", default=",".join(CONFIGS))
    p.add_argument("--env", action="append", default=[], help="NAME=VALUE for both sides")
    p.add_argument("--work", default="/tmp/harness-cli-vs-bare")
    p.add_argument("--bare", help=argparse.SUPPRESS)
    p.add_argument("--data", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.bare:
        bare_main(args.bare, Path(args.data), args.repeats, args.warmup)
        return 0
    work = Path(args.work)
    data = write_data(work / f"data-{args.n}x{args.dim}", args.n, args.dim, args.queries)
    rng = np.random.default_rng(0)
    got: dict[tuple[str, str], list[dict]] = {}
    for r in range(args.rounds):
        for backend in args.backends.split(","):
            for side in rng.permutation(["cli", "bare"]):
                res = cli(backend, data, work, args) if side == "cli" else bare(backend, data, args)
                got.setdefault((backend, str(side)), []).append(res)
                print(f"round {r + 1} {backend:<10} {side:<4} qps {res['qps']:>9,.0f} "
                      f"p50 {res['p50_ms']:.3f} ms", flush=True)
    return report(got, args)


def report(got: dict[tuple[str, str], list[dict]], args: argparse.Namespace) -> int:
    rows = []
    for backend in args.backends.split(","):
        c, b = pd.DataFrame(got[(backend, "cli")]), pd.DataFrame(got[(backend, "bare")])
        rows.append({"backend": backend, "qps_cli": c["qps"].median(),
                     "qps_bare": b["qps"].median(),
                     "qps_ratio": c["qps"].median() / b["qps"].median(),
                     "qps_paired": float(np.median(c["qps"] / b["qps"])),
                     "p50_ratio": b["p50_ms"].median() / c["p50_ms"].median()})
    table = pd.DataFrame(rows).round(3).to_string(index=False)
    head = (f"cli vs bare: {args.n:,} x {args.dim}, {args.queries} queries, k={K}, "
            f"{args.rounds} rounds x {args.repeats} passes, env {args.env or 'as given'}")
    print(f"\n{head}\n{table}")
    out = ROOT / "bench" / "out"
    out.mkdir(exist_ok=True)
    (out / "cli_vs_bare.txt").write_text(f"python bench/cli_vs_bare.py {' '.join(sys.argv[1:])}"
                                         f"\n{head}\n\n{table}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
