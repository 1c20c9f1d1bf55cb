"""ann-benchmarks' k-nn recall recomputed from an ann-benchmarks export, against the run's
knn_recall_eps@k column (docs/engines.md, "knn_recall_eps@10 against knn_recall@10").

The formula is ann-benchmarks' own (ann_benchmarks/plotting/metrics.py, get_recall_values with
knn_threshold, epsilon 1e-3), written out here: per query, the number of the first `count`
returned distances <= the `count`-th true distance + epsilon, over `count`, averaged.

    PYTHONPATH=. python -m harness export RUN_DIR OUT --format ann-benchmarks
    PYTHONPATH=. python bench/annb_eps.py OUT RUN_DIR
"""

from __future__ import annotations

import argparse
from pathlib import Path

import h5py
import numpy as np

from harness.store.opening import open_run
from harness.store.row import params


def annb_recall(true_distances: np.ndarray, run_distances: np.ndarray, count: int,
                epsilon: float = 1e-3) -> float:
    recalls = np.zeros(len(run_distances))
    for i in range(len(run_distances)):
        t = true_distances[i][count - 1] + epsilon
        recalls[i] = sum(1 for d in run_distances[i][:count] if d <= t)
    return float(np.mean(recalls) / count)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("export_dir")
    ap.add_argument("run_dir")
    a = ap.parse_args()
    frame = open_run(a.run_dir).frame()
    names = {}
    for _, r in frame.iterrows():
        both = {**params(r["build_params"]), **params(r["search_params"])}
        inner = ",".join(f"{k}={v}" for k, v in sorted(both.items()))
        names[(r["backend"], f"{r['backend']}({inner})")] = r
    files = sorted(Path(a.export_dir, "results").rglob("*.hdf5"))  # also '.hdf5' (no params)
    worst = 0.0
    for path in files:
        with h5py.File(path, "r") as f:
            attrs, distances = dict(f.attrs), f["distances"][:]
        with h5py.File(Path(a.export_dir, "data", f"{attrs['dataset']}.hdf5"), "r") as d:
            truth = d["distances"][:]
        count = int(attrs["count"])
        row = names[(attrs["algo"], attrs["name"])]
        got = annb_recall(truth, distances, count)
        worst = max(worst, abs(got - float(row[f"knn_recall_eps@{count}"])))
        print(f"{attrs['name']:<60} annb {got:.4f}  knn_recall_eps@{count} "
              f"{row[f'knn_recall_eps@{count}']:.4f}  knn_recall@{count} "
              f"{row[f'knn_recall@{count}']:.4f}")
    print(f"{len(files)} result files; largest |annb - knn_recall_eps| = {worst:.2e}")


if __name__ == "__main__":
    main()
