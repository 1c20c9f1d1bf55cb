"""Peak memory of `harness run` against what the data needs, for 1, 4 and 12 variants.

    python bench/scale.py                      # 1,000,000 x 384, exact search (about 25 min)
    python bench/scale.py --n 100000 --ivf     # smaller, with faiss-ivf cells too

Writes a labelled vector set (gaussian clusters, seeded) as memory-mapped .npy files once,
then runs `harness run` (process executor: each cell in its own worker) on three suites over
it: 1 variant (native, float32), 4 (dims native/256 x float32/float16) and 12 (dims
native/256/128 x float32/float16/int8/binary). For each it prints the largest worker's peak
RSS, the driver's (run loop, analysis and report), and the theoretical need of the largest
cell: the corpus vectors (float32, native dim) + its largest index + the ground truth; the
ratio of the two is the figure to watch; and the analysis share of each run's wall (its
summary line's, goal <= 10%). Results go to bench/out/scale.txt.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
VARIANTS = {
    1: ("[null]", "[float32]"),
    4: ("[null, 256]", "[float32, float16]"),
    12: ("[null, 256, 128]", "[float32, float16, int8, binary]"),
}
SUITE = """schema_version: 1
name: scale-{variants}
seed: 0
k: 10
datasets: [{{ref: "labelled:{data}"}}]
models: [vectors]
dims: {dims}
precisions: {precisions}
metrics: [cosine]
backends:
{backends}evaluate: [label_recall@10]
repeats: 1
warmup: 10
"""
IVF = "  - {name: faiss-ivf, build: {nlist: 1024}, search: {nprobe: [16]}}\n"


def write_data(folder: Path, n: int, dim: int, queries: int, clusters: int = 64) -> Path:
    """Gaussian clusters in blocks straight into .npy files (never the whole set in RAM)."""
    if (folder / "queries.labels").is_file():
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    centres = rng.standard_normal((clusters, dim)).astype(np.float32) * 2
    for stem, rows in (("corpus", n), ("queries", queries)):
        out = np.lib.format.open_memmap(folder / f"{stem}.npy", mode="w+", dtype=np.float32,
                                        shape=(rows, dim))
        labels = rng.integers(0, clusters, rows)
        for a in range(0, rows, 65536):
            b = min(a + 65536, rows)
            out[a:b] = centres[labels[a:b]] + rng.standard_normal((b - a, dim), np.float32)
        out.flush()
        del out
        (folder / f"{stem}.labels").write_text("".join(f"c{c}\n" for c in labels))
    return folder


def run(variants: int, data: Path, work: Path, ivf: bool) -> dict:
    dims, precisions = VARIANTS[variants]
    backends = "  - name: exact\n" + (IVF if ivf else "")
    suite = work / f"scale-{variants}.yaml"
    suite.write_text(SUITE.format(variants=variants, data=data, dims=dims,
                                  precisions=precisions, backends=backends))
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "harness", "run", str(suite), "--output",
                    str(work / "results"), "--cache-dir", str(work / "cache"), "--no-progress",
                    "--no-report", "--no-resume"], check=True, cwd=ROOT,
                   stdout=subprocess.DEVNULL)
    seconds = time.perf_counter() - t0
    run_dir = max((work / "results").glob(f"scale-{variants}-*"), key=os.path.getmtime)
    frame = pd.read_csv(run_dir / "results.csv")
    manifest = json.loads((run_dir / "manifest.json").read_text())
    n, dim = np.load(data / "corpus.npy", mmap_mode="r").shape
    n_queries = len(np.load(data / "queries.npy", mmap_mode="r"))
    need = (n * dim * 4 + frame["index_bytes"].max() + n_queries * 10 * 12) / 2**20
    worker = float(frame["worker_peak_rss_mb"].max())
    driver = float(manifest.get("driver_peak_rss_mb") or 0)
    return {"variants": variants, "cells": frame["cell_id"].nunique(),
            "failed": int((frame["status"] != "ok").sum()), "minutes": seconds / 60,
            "need_mb": need, "worker_peak_mb": worker, "driver_peak_mb": driver,
            "worker_ratio": worker / need, "driver_ratio": driver / need,
            "analysis_share": _share(manifest.get("phase_seconds") or {})}


def _share(phases: dict) -> float | None:
    """The run's analysis seconds over its wall (its summary line's share)."""
    wall = phases.get("wall")
    return phases["analysis"] / wall if wall and "analysis" in phases else None


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=1_000_000)
    p.add_argument("--dim", type=int, default=384)
    p.add_argument("--queries", type=int, default=200)
    p.add_argument("--ivf", action="store_true", help="also faiss-ivf (nlist 1024) cells")
    p.add_argument("--work", default="/tmp/harness-scale")
    p.add_argument("--variants", default="1,4,12")
    p.add_argument("--data", default=None,
                   help="where the vectors go (default: WORK/data-NxDIM); suites/scale-1m.yaml "
                   "reads data/scale-1m")
    p.add_argument("--data-only", action="store_true", help="write the data set and stop")
    args = p.parse_args()
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    data = write_data(Path(args.data or work / f"data-{args.n}x{args.dim}"), args.n, args.dim,
                      args.queries)
    if args.data_only:
        print(f"{data}: {args.n:,} x {args.dim} corpus, {args.queries} queries")
        return 0
    rows = [run(int(v), data, work, args.ivf) for v in args.variants.split(",")]
    table = pd.DataFrame(rows).round(2)
    print(table.to_string(index=False))
    out = ROOT / "bench" / "out"
    out.mkdir(exist_ok=True)
    cmd = " ".join(["python bench/scale.py", *sys.argv[1:]])
    (out / "scale.txt").write_text(f"{cmd} ({args.n:,} x {args.dim}, {args.queries} "
                                  f"queries)\n\n{table.to_string(index=False)}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
