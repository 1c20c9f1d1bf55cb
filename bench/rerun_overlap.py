"""Do a run's speed figures hold in a second run? One suite run twice, rows matched.

    python bench/rerun_overlap.py suites/ann-sweep.yaml --cache /tmp/hcache
    python bench/rerun_overlap.py RUN_A RUN_B          # two finished run folders instead

Runs `harness run SUITE --no-resume --no-analysis --no-report` twice (each time a new run
folder), matches the result rows on (cell_id, setting), and prints, over the rows neither run
flags `timing_unstable`, the share whose qps ranges [qps_min, qps_max] overlap (goal: 100%),
with the ratio range of their medians (qps in run B / run A); then the same per drift-probe
pass, each range [qps_min / probe_max, qps_max / probe_min] as `harness compare` takes it,
which takes the machine's speed out and widens a range by the machine's movement during the
cell. A row without a range (one repeat) counts as its single qps. Issue 32
measured 20 of 33 (61%) raw in two quiet runs. Figures go to bench/out/rerun_overlap.txt.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import pandas as pd

from harness.analysis.speed import speed_ratio

ROOT = Path(__file__).resolve().parents[1]
KEY = ["cell_id", "setting"]


def run(suite: str, output: Path, cache: str | None) -> Path:
    cmd = [sys.executable, "-m", "harness", "run", suite, "--output", str(output),
           "--no-resume", "--no-analysis", "--no-report", "--no-progress"]
    done = subprocess.run(cmd + (["--cache-dir", cache] if cache else []), check=True,
                          cwd=ROOT, capture_output=True, text=True)
    return Path(done.stdout.strip().splitlines()[-1].split()[1])


def overlap(a: pd.DataFrame, b: pd.DataFrame, per_probe: bool = False) -> pd.DataFrame:
    """Rows ok in both runs and flagged in neither, with `overlaps` and `ratio` (B / A): two
    ranges overlap exactly when `harness compare`'s ratio range holds 1, so this is its
    speed_ratio on each pair (`per_probe`: with the drift probe's columns, else without)."""
    probe = ["probe_rate", "probe_min", "probe_max"]
    cols = [*KEY, "status", "qps", "qps_min", "qps_max", "timing_unstable", *probe]
    m = a.reindex(columns=cols).merge(b.reindex(columns=cols), on=KEY, suffixes=("_a", "_b"))
    m = m[(m["status_a"] == "ok") & (m["status_b"] == "ok")]
    for s in ("_a", "_b"):
        m = m[~m[f"timing_unstable{s}"].astype(str).str.lower().eq("true")]
    shown = ["qps", "qps_min", "qps_max", *(probe if per_probe else [])]

    def side(row: pd.Series, s: str) -> dict[str, float]:
        got = {c: row[f"{c}{s}"] for c in shown}
        for c in ("qps_min", "qps_max"):  # one repeat: its single qps
            got[c] = got["qps"] if pd.isna(got[c]) else got[c]
        return got

    got = [speed_ratio(side(r, "_a"), side(r, "_b")) for _, r in m.iterrows()]
    m = m.assign(overlaps=[g["qps_ratio_low"] <= 1 <= g["qps_ratio_high"] for g in got],
                 ratio=[g["qps_ratio"] / (g["machine_speed"] if per_probe else 1.0)
                        for g in got])
    return m


def summary(m: pd.DataFrame, what: str) -> str:
    n, ok = len(m), int(m["overlaps"].sum())
    ratios = f"; B/A {m['ratio'].min():.2f}-{m['ratio'].max():.2f}" if n else ""
    share = f"{ok} ({ok / max(n, 1):.0%})"
    return f"{what}: unflagged rows in both {n}, ranges overlap {share}{ratios}\n"


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("what", nargs="+", help="a suite file, or two run folders")
    p.add_argument("--cache", default=None, help="the embedding cache (--cache-dir)")
    p.add_argument("--output", default="/tmp/harness-rerun-overlap")
    args = p.parse_args()
    if len(args.what) == 2:
        dirs = [Path(w) for w in args.what]
    else:
        dirs = [run(args.what[0], Path(args.output), args.cache) for _ in range(2)]
    a, b = (pd.read_csv(d / "results.csv") for d in dirs)
    text = (f"python bench/rerun_overlap.py {' '.join(sys.argv[1:])}\n"
            f"runs: {dirs[0]} / {dirs[1]}\n" + summary(overlap(a, b), "qps")
            + summary(overlap(a, b, per_probe=True), "qps per probe pass"))
    print(text, end="")
    out = ROOT / "bench" / "out"
    out.mkdir(exist_ok=True)
    (out / "rerun_overlap.txt").write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
