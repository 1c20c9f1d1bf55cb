"""A run's filtered rows as a markdown table: each dataset x filter x backend x strategy at its
highest search setting (analysis.filter_curves.curve), as docs/filtered.md quotes them.

    PYTHONPATH=. python bench/filtered_table.py RUN_DIR [--dataset synth-100k]
"""

from __future__ import annotations

import argparse

import pandas as pd

from harness.analysis.filter_curves import curve, filtered


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("run_dir")
    ap.add_argument("--dataset", default=None)
    ap.add_argument("--metric", default="ndcg@10")
    a = ap.parse_args()
    rows = filtered(pd.read_csv(f"{a.run_dir}/results.csv"))
    if a.dataset:
        rows = rows[rows["dataset"] == a.dataset]
    cur = curve(rows, a.metric)
    cols = ["dataset", "filter", "backend", "filter_strategy", "search_params", a.metric,
            "n_queries", "knn_recall@10", "short_of_k_share", "qps"]
    print("| " + " | ".join(cols) + " |")
    print("|" + "---|" * len(cols))
    for _, r in cur.iterrows():
        cells = [f"{r[c]:.4f}" if c in (a.metric, "knn_recall@10", "short_of_k_share")
                 else f"{r[c]:,.0f}" if c in ("qps", "n_queries") else str(r[c]).replace("|", "/")
                 for c in cols]
        print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
