"""The analysis share of a `harness run`: 100,000 x 128 vectors, 12 variants, 30 cells.

    python bench/analysis_share.py                    # about 6 minutes on 2 quiet cores
    python bench/analysis_share.py --n 20000          # smaller, a quick check

Writes the labelled gaussian mixture of bench/scale.py (seeded, .npy files) once, then runs
`harness run` (process executor, no report) on dims native/64/32 x precisions
float32/float16/int8/binary with exact, faiss-ivf (nlist 256, nprobe 8 and 32) and
faiss-hnsw (M 16, efSearch 32) cells (IVF and HNSW skip binary: 30 cells), and prints the
run's summary line and its manifest's phase_seconds (cells, analysis, wall): the share to
watch is analysis / wall (goal: <= 10%). Figures go to bench/out/analysis_share.txt.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

from scale import write_data

ROOT = Path(__file__).resolve().parents[1]
SUITE = """schema_version: 1
name: analysis-share
seed: 0
k: 10
datasets: [{{ref: "labelled:{data}"}}]
models: [vectors]
dims: [null, 64, 32]
precisions: [float32, float16, int8, binary]
metrics: [cosine]
backends:
  - name: exact
  - {{name: faiss-ivf, build: {{nlist: 256}}, search: {{nprobe: [8, 32]}}}}
  - {{name: faiss-hnsw, build: {{M: 16, efConstruction: 40}}, search: {{efSearch: [32]}}}}
evaluate: [label_recall@10]
repeats: 1
warmup: 10
"""


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=100_000)
    p.add_argument("--dim", type=int, default=128)
    p.add_argument("--queries", type=int, default=200)
    p.add_argument("--work", default="/tmp/harness-analysis-share")
    args = p.parse_args()
    work = Path(args.work)
    data = write_data(work / f"data-{args.n}x{args.dim}", args.n, args.dim, args.queries)
    suite = work / "analysis-share.yaml"
    suite.write_text(SUITE.format(data=data))
    done = subprocess.run([sys.executable, "-m", "harness", "run", str(suite), "--output",
                           str(work / "results"), "--cache-dir", str(work / "cache"),
                           "--no-progress", "--no-report", "--no-resume"], check=True,
                          cwd=ROOT, capture_output=True, text=True)
    line = done.stdout.strip().splitlines()[-1]
    run_dir = Path(line.split()[1])
    phases = json.loads((run_dir / "manifest.json").read_text())["phase_seconds"]
    text = (f"python bench/analysis_share.py {' '.join(sys.argv[1:])}\n{line}\n"
            f"phase_seconds: {phases}\nanalysis share: "
            f"{phases['analysis'] / phases['wall']:.1%}\n")
    print(text, end="")
    out = ROOT / "bench" / "out"
    out.mkdir(exist_ok=True)
    (out / "analysis_share.txt").write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
