"""A run of suites/engines.yaml (or engines-100k.yaml) as the markdown tables docs/engines.md
quotes (of a run still going, its finished cells): every engine at every search setting, then
per engine its fastest setting reaching knn_recall@10 >= --target (or "not reached" with its
best recall), fastest first.

    PYTHONPATH=. python bench/engines_table.py RUN_DIR [--target 0.95] [--k 10]
"""

from __future__ import annotations

import argparse
import json

import pandas as pd

from harness.store.opening import open_run

SHOWN = {"method"}  # build parameters named in the engine's label (nmslib hnsw / sw-graph)


def engine(row: pd.Series) -> str:
    build = json.loads(row["build_params"] or "{}")
    tag = ",".join(str(build[p]) for p in sorted(SHOWN & set(build)))
    return f"{row['backend']} ({tag})" if tag else str(row["backend"])


def setting(row: pd.Series) -> str:
    search = json.loads(row["search_params"] or "{}")
    return " ".join(f"{k}={v}" for k, v in search.items()) or "-"


def _num(v: float, digits: int = 0) -> str:
    return "" if pd.isna(v) else f"{v:,.{digits}f}"


def table(rows: pd.DataFrame, k: int) -> list[str]:
    cols = ["engine", "search", f"knn_recall@{k}", f"knn_recall_eps@{k}", "qps", "p99 ms",
            "build s", "bytes/doc", "disk bytes/doc"]
    out = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for _, r in rows.iterrows():
        cells = [r["engine"], setting(r), f"{r[f'knn_recall@{k}']:.3f}",
                 f"{r[f'knn_recall_eps@{k}']:.3f}", _num(r["qps"]),
                 _num(r["latency_p99_ms"], 2), _num(r["build_s"], 1),
                 _num(r["bytes_per_doc"]), _num(r.get("disk_bytes_per_doc", float("nan")))]
        out.append("| " + " | ".join(cells) + " |")
    return out


def at_target(rows: pd.DataFrame, k: int, target: float) -> list[str]:
    """Per engine: its fastest setting with knn_recall@k >= target, fastest first."""
    recall = f"knn_recall@{k}"
    out = [f"| engine | fastest setting with {recall} >= {target} | {recall} | qps |",
           "|---|---|---|---|"]
    reached, missed = [], []
    for name, group in rows.groupby("engine", sort=False):
        ok = group[group[recall] >= target]
        if len(ok):
            best = ok.sort_values("qps", ascending=False).iloc[0]
            reached.append((best["qps"], f"| {name} | {setting(best)} | {best[recall]:.3f} | "
                                         f"{_num(best['qps'])} |"))
        else:
            top = group.sort_values(recall, ascending=False).iloc[0]
            missed.append(f"| {name} | not reached (best: {setting(top)}) | "
                          f"{top[recall]:.3f} | {_num(top['qps'])} |")
    return out + [line for _, line in sorted(reached, reverse=True)] + missed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("run_dir")
    ap.add_argument("--target", type=float, default=0.95)
    ap.add_argument("--k", type=int, default=10)
    a = ap.parse_args()
    rows = open_run(a.run_dir).frame()  # also a run still going: its finished cells
    rows = rows[rows["status"] == "ok"].copy()
    rows["engine"] = rows.apply(engine, axis=1)
    datasets = rows["dataset"].unique()
    for ds in datasets:
        part = rows[rows["dataset"] == ds]
        print(f"{ds}: {int(part['n_docs'].iloc[0]):,} documents, "
              f"{int(part['n_queries'].iloc[0]):,} queries, k = {a.k}\n")
        print("\n".join(table(part, a.k)) + "\n")
        print("\n".join(at_target(part, a.k, a.target)) + "\n")


if __name__ == "__main__":
    main()
