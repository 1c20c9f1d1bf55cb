"""`harness run`'s analysis step (also `harness funnel`): funnel, rankings, recommendation.

Writes into the run folder, next to results.csv, the tables the report shows:
funnel.csv, rankings.csv (Kendall's tau per group), inversions.csv, rankings_at_speed.csv
(index builds compared at a matched speed floor), recommendation.csv; and
appends the recommendation outcome to RESULTS_DIR/recommendations.csv, the count across runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from harness.analysis.funnel import _cells, funnel, main_metric
from harness.analysis.rankings import rankings, rankings_at_speed
from harness.cache import EmbeddingCache, default_cache_dir
from harness.runner import RunContext
from harness.store import RunStore, atomic_write_text

GRAPH = {"faiss-hnsw", "hnswlib"}
PARTITION = {"faiss-ivf", "faiss-ivfpq", "annoy"}


@dataclass(frozen=True)
class Analysis:
    funnel: pd.DataFrame
    rankings: pd.DataFrame
    inversions: pd.DataFrame
    recommendation: pd.DataFrame


def _family(backend: str) -> str | None:
    return "graph" if backend in GRAPH else "partition" if backend in PARTITION else None


def recommendation_table(store: RunStore, fun: pd.DataFrame, ctx: RunContext,
                         name: str) -> pd.DataFrame:
    """Per (dataset, model): the probe's advice and whether the run's measurements agree."""
    from harness.analysis.probe import probe, recommend

    cells = _cells(store)
    frame = store.frame()
    ok = frame[frame["status"] == "ok"] if "status" in frame else frame
    out = []
    seen: set[tuple[str, str]] = set()
    for cell_id, cell in cells.items():
        key = (cell.dataset_ref.label, cell.model_ref.label)
        if key in seen or cell_id not in set(ok["cell_id"]):
            continue
        seen.add(key)
        ds = ctx.dataset(cell)
        vec = ctx.vectors(cell, ds)
        labels = ds.doc_labels
        feats = probe(vec.docs, vec.queries, labels, sample=2000, seed=cell.seed)
        rec = recommend(feats)
        row: dict = {"dataset": key[0], "model": key[1], **feats.as_dict(),
                     "recommended_metric": rec.metric, "metric_reason": rec.metric_reason,
                     "recommended_index": rec.index_family, "index_reason": rec.index_reason}
        f = fun[(fun["dataset"] == key[0]) & (fun["model"] == key[1])] if len(fun) else fun
        if len(f) and {"exact_ip", "exact_l2"} <= set(f.columns):
            # the tree chooses between inner product and Euclidean: compare those two, exact
            ref = f.iloc[0]
            ip, l2 = float(ref["exact_ip"]), float(ref["exact_l2"])
            row["measured_metric"] = "tie" if np.isclose(ip, l2, atol=1e-9) else (
                "ip" if ip > l2 else "l2")
            row["metric_matched"] = row["measured_metric"] in ("tie", rec.metric)
        sub = ok[(ok["dataset"] == key[0]) & (ok["model"] == key[1])]
        fams = sub.assign(family=sub["backend"].map(_family)).dropna(subset=["family"])
        if name in fams and fams["family"].nunique() == 2:
            best = fams.groupby("family")[name].max()
            row["measured_index"] = str(best.idxmax())
            row["index_matched"] = row["measured_index"] == rec.index_family
        out.append(row)
    return pd.DataFrame(out)


def analyse(run_dir: Path, *, cache_dir: Path | None = None) -> Analysis:
    store = RunStore(run_dir)
    manifest = store.manifest()
    cache = Path(cache_dir or manifest.get("cache_dir") or default_cache_dir())
    name = main_metric(store)
    fun = funnel(run_dir, cache_dir=cache)
    atomic_write_text(store.dir / "funnel.csv", fun.to_csv(index=False))

    frame = store.frame()

    def perquery(row: dict) -> np.ndarray | None:
        try:
            return store.perquery(row["cell_id"]).task_values(int(row["setting"]), name)
        except (OSError, KeyError, ValueError):
            return None

    ranks = rankings(frame, name, perquery=perquery) if "knn_recall@10" in frame else []
    rank_rows, inv_rows = [], []
    for r in ranks:
        rank_rows.append({**r.group, "configurations": len(r.table), "kendall_tau": r.tau,
                          "inversions": len(r.inversions)})
        for _, inv in r.inversions.iterrows():
            inv_rows.append({**r.group, **inv.to_dict()})
    rank_df, inv_df = pd.DataFrame(rank_rows), pd.DataFrame(inv_rows)
    atomic_write_text(store.dir / "rankings.csv", rank_df.to_csv(index=False))
    atomic_write_text(store.dir / "inversions.csv", inv_df.to_csv(index=False))
    speed_df = rankings_at_speed(frame, name) if "knn_recall@10" in frame else pd.DataFrame()
    atomic_write_text(store.dir / "rankings_at_speed.csv", speed_df.to_csv(index=False))

    ctx = RunContext(cache=EmbeddingCache(cache))
    rec = recommendation_table(store, fun, ctx, name)
    atomic_write_text(store.dir / "recommendation.csv", rec.to_csv(index=False))
    _count_across_runs(store, rec)
    return Analysis(fun, rank_df, inv_df, rec)


def _count_across_runs(store: RunStore, rec: pd.DataFrame) -> None:
    """RESULTS_DIR/recommendations.csv: one line per (run, dataset, model), replaced on rerun."""
    if rec.empty:
        return
    path = store.dir.parent / "recommendations.csv"
    keep = ["dataset", "model", "recommended_metric", "measured_metric", "metric_matched",
            "recommended_index", "measured_index", "index_matched"]
    new = rec[[c for c in keep if c in rec]].assign(run_id=store.dir.name)
    if path.is_file():
        old = pd.read_csv(path)
        old = old[old["run_id"] != store.dir.name]
        new = pd.concat([old, new], ignore_index=True)
    atomic_write_text(path, new.to_csv(index=False))


def across_runs(results_dir: Path) -> dict[str, int]:
    """How often the recommendation matched the measured best, over every analysed run."""
    path = Path(results_dir) / "recommendations.csv"
    if not path.is_file():
        return {}
    df = pd.read_csv(path)
    out = {}
    for col in ("metric_matched", "index_matched"):
        if col in df:
            vals = df[col].dropna().map(lambda v: str(v).lower() == "true")
            out[col] = int(vals.sum())
            out[col.replace("matched", "measured")] = len(vals)
    return out
