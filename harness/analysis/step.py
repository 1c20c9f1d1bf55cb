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

from harness.analysis import outputs
from harness.analysis.funnel import funnel
from harness.analysis.hybrid import hybrid_table
from harness.analysis.ports import References
from harness.analysis.probe import probe, probe_inputs, recommend
from harness.analysis.rankings import rankings, rankings_at_speed
from harness.fsutil import atomic_write_text
from harness.store import RunStore


@dataclass(frozen=True)
class Analysis:
    funnel: pd.DataFrame
    rankings: pd.DataFrame
    inversions: pd.DataFrame
    recommendation: pd.DataFrame


def recommendation_table(store: RunStore, fun: pd.DataFrame, refs: References,
                         name: str) -> pd.DataFrame:
    """Per (dataset, model): the probe's advice and whether the run's measurements agree."""
    frame = store.frame()
    ok = frame[frame["status"] == "ok"] if "status" in frame else frame
    ok_ids = set(ok["cell_id"]) if "cell_id" in ok else set()
    if "family" in ok:  # lexical retrievers have no vectors to probe
        ok_ids -= set(ok.loc[ok["family"] == "lexical", "cell_id"])
    out = []
    seen: set[tuple[str, str]] = set()
    for cell_id, cell in store.cells().items():
        key = (cell.dataset_ref.label, cell.model_ref.label)
        if key in seen or cell_id not in ok_ids:
            continue
        seen.add(key)
        docs, queries = refs.vectors(cell)
        docs, labels = probe_inputs(refs.dataset(cell), docs)
        feats = probe(docs, queries, labels, sample=2000, seed=cell.seed)
        rec = recommend(feats)
        row: dict = {"dataset": key[0], "model": key[1], **feats.as_dict(),
                     "recommended_metric": rec.metric, "metric_reason": rec.metric_reason,
                     "recommended_index": rec.index_family, "index_reason": rec.index_reason}
        row.update(_measured_metric(fun, key, rec.metric))
        row.update(_measured_index(ok, key, name, rec.index_family))
        out.append(row)
    return pd.DataFrame(out)


def _measured_metric(fun: pd.DataFrame, key: tuple[str, str], recommended: str) -> dict:
    f = fun[(fun["dataset"] == key[0]) & (fun["model"] == key[1])] if len(fun) else fun
    if not len(f) or not {"exact_ip", "exact_l2"} <= set(f.columns):
        return {}
    # the tree chooses between inner product and Euclidean: compare those two, exact
    ref = f.iloc[0]
    ip, l2 = float(ref["exact_ip"]), float(ref["exact_l2"])
    measured = "tie" if np.isclose(ip, l2, atol=1e-9) else ("ip" if ip > l2 else "l2")
    return {"measured_metric": measured, "metric_matched": measured in ("tie", recommended)}


def _measured_index(ok: pd.DataFrame, key: tuple[str, str], name: str,
                    recommended: str) -> dict:
    sub = ok[(ok["dataset"] == key[0]) & (ok["model"] == key[1])]
    if "family" not in sub:
        return {}  # a run stored before rows carried the backend's family
    # the tree chooses between graph- and partition-based indexes: compare those two
    fams = sub[sub["family"].isin(("graph", "partition"))]
    if name not in fams or fams["family"].nunique() != 2:
        return {}
    best = fams.groupby("family")[name].max()
    measured = str(best.idxmax())
    return {"measured_index": measured, "index_matched": measured == recommended}


def analyse(store: RunStore, refs: References) -> Analysis:
    """Every analysis table of a stored run, written into its folder."""
    name = store.main_metric()
    fun = funnel(store, refs, name)
    _write(store, outputs.FUNNEL, fun)
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
    _write(store, outputs.RANKINGS, rank_df)
    _write(store, outputs.INVERSIONS, inv_df)
    speed_df = rankings_at_speed(frame, name) if "knn_recall@10" in frame else pd.DataFrame()
    _write(store, outputs.RANKINGS_AT_SPEED, speed_df)
    _write(store, outputs.HYBRID, hybrid_table(frame, name, perquery))
    rec = recommendation_table(store, fun, refs, name)
    _write(store, outputs.RECOMMENDATION, rec)
    _count_across_runs(store, rec)
    return Analysis(fun, rank_df, inv_df, rec)


def _write(store: RunStore, name: str, table: pd.DataFrame) -> None:
    atomic_write_text(store.dir / name, table.to_csv(index=False))


def _count_across_runs(store: RunStore, rec: pd.DataFrame) -> None:
    """RESULTS_DIR/recommendations.csv: one line per (run, dataset, model), replaced on rerun."""
    if rec.empty:
        return
    path = store.dir.parent / outputs.ACROSS_RUNS
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
    path = Path(results_dir) / outputs.ACROSS_RUNS
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
