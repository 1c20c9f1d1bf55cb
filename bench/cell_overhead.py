"""Per-cell overhead of the run loop as a run grows: is the cost of a finished cell flat?

    python bench/cell_overhead.py [N_CELLS]        (default 5000; inline executor)

Runs one suite of N tiny cells (exact search over 200 synthetic vectors, one dataset seed per
cell) and reads each cell's finish time from results.csv: the wall per cell is the
gap between consecutive finishes. Prints the median gap of the first 50 cells and of the
last 50, and their ratio (goal: <= 1.2). Before the store wrote its tables once per run, it
rewrote results.csv and both parquet files after every cell, and the gap grew with the run.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from harness import api


def main(n: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        suite = Path(tmp) / "cells.yaml"
        # one cell per synthetic dataset seed: the same work in every cell
        datasets = ", ".join(f"'synthetic:n=200,queries=5,dim=8,seed={i}'" for i in range(n))
        suite.write_text(
            "schema_version: 1\nname: cell-overhead\n"
            f"datasets: [{datasets}]\nmodels: [vectors]\n"
            "evaluate: [label_recall@5]\nk: 5\nrepeats: 1\nwarmup: 0\n"
            "backends: [{name: exact}]\n")
        t0 = time.perf_counter()
        out = api.run(suite, api.RunOptions(output=Path(tmp) / "r", cache_dir=Path(tmp) / "c",
                                            executor="inline", progress=False, report=False,
                                            analysis=False))
        wall = time.perf_counter() - t0
        df = pd.read_csv(out.run_dir / "results.csv")
    stamps = pd.to_datetime(df["finished_at"])
    df = df.assign(done=(stamps - stamps.min()).dt.total_seconds()).sort_values("done")
    gaps = np.diff(df["done"].to_numpy())
    first, last = float(np.median(gaps[:50])), float(np.median(gaps[-50:]))
    print(f"{len(df)} cells in {wall:.1f} s: per-cell wall {first * 1e3:.1f} ms (first 50) vs "
          f"{last * 1e3:.1f} ms (last 50), ratio {last / first:.2f} (goal <= 1.2)")
    # the machine's own drift over the run, from the drift probe each cell read
    probe = df["probe_rate"].to_numpy()
    p_first, p_last = float(np.median(probe[:50])), float(np.median(probe[-50:]))
    print(f"drift probe: {p_first:.0f} passes/s (first 50) vs {p_last:.0f} (last 50); per-cell "
          f"wall at the first cells' machine speed: ratio {last / first * p_last / p_first:.2f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5000)
