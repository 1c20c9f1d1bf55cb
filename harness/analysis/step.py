"""`harness run`'s analysis step (also `harness funnel`): funnel, rankings, recommendation.

Writes into the run folder, next to results.csv, the tables the report shows:
funnel.csv, rankings.csv (Kendall's tau per group), inversions.csv, rankings_at_speed.csv
(index builds compared at a matched speed floor), difficulty.csv and query_difficulty.csv
(rows by query difficulty and shift), recommendation.csv, scaling.csv (growth with the
corpus size), precision_advice.csv (the cheapest code within the rankings' bar per model
x dim); and appends the recommendation outcome to RESULTS_DIR/recommendations.csv, the
count across runs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from harness.analysis import outputs
from harness.analysis.difficulty import difficulty_tables
from harness.analysis.filter_curves import filter_advice, unfiltered
from harness.analysis.filter_stage import filter_funnel
from harness.analysis.funnel import DISTANCES, funnel
from harness.analysis.fusion_gains import hybrid_table
from harness.analysis.ports import References
from harness.analysis.precision_advice import at_largest_dim, precision_advice
from harness.analysis.probe import probe, probe_inputs, recommend
from harness.analysis.rankings import best_at_speed, rankings, rankings_at_speed
from harness.analysis.rerank_stage import rerank_table
from harness.analysis.rule_names import TASK_AT_SPEED
from harness.analysis.scaling import growth_table
from harness.analysis.speed import qps_normalised
from harness.fsutil import atomic_write_text
from harness.store.row_analysis import DERIVED, KEYS, ROW_ANALYSIS
from harness.store.runs import RunStore

# Task-metric difference under which two distances (or families) count as equally good: the
# recommendation matches when its choice is among the best within it. Deliberately small (a
# standard error over 500 queries is larger); a configured distance also ties with the best
# when the funnel's paired bootstrap CI of its loss includes zero.
TIE = 0.005
# Families the tree chooses between are graph and partition; every ANN family competes for
# the best row (exact search is the reference, lexical rows have no vectors).
NOT_ANN = ("exact", "lexical", "")


@dataclass(frozen=True)
class Analysis:
    funnel: pd.DataFrame
    rankings: pd.DataFrame
    inversions: pd.DataFrame
    recommendation: pd.DataFrame


def recommendation_table(store: RunStore, fun: pd.DataFrame, refs: References,
                         name: str, advice: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per (dataset, model): the probe's advice and whether the run's measurements agree,
    with the precision the run's exact rows recommend at the largest dim (precision_advice)."""
    frame = unfiltered(store.frame())
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
        row.update(at_largest_dim(advice if advice is not None else pd.DataFrame(), *key))
        out.append(row)
    return pd.DataFrame(out)


def _tied_best(values: pd.Series) -> set[str]:
    """The labels whose value is within TIE of the best."""
    return {str(k) for k, v in values.items() if v >= values.max() - TIE}


def _within_ci(rows: pd.DataFrame) -> set[str]:
    """Distances configured in the run whose loss against the best distance is within its
    paired bootstrap 95% CI (the funnel's metric_misuse is false): statistically tied."""
    if "metric_misuse" not in rows or "metric" not in rows:
        return set()
    misused = rows["metric_misuse"].astype(str).str.lower() == "true"
    return set(rows.loc[~misused, "metric"]) - set(rows.loc[misused, "metric"])


def _measured_metric(fun: pd.DataFrame, key: tuple[str, str], recommended: str) -> dict:
    """The best exact distance on the vectors the probe measured (float32, full dim); a
    distance within TIE of it, or within its CI, counts as best too."""
    cols = [f"exact_{m}" for m in DISTANCES]
    f = fun[(fun["dataset"] == key[0]) & (fun["model"] == key[1])] if len(fun) else fun
    if not len(f) or not set(cols) <= set(f.columns):
        return {}
    full = f[f["precision"] == "float32"] if (f["precision"] == "float32").any() else f
    full = full[full["dim"] == full["dim"].max()]
    ref = full.iloc[0]
    values = pd.Series({m: float(ref[f"exact_{m}"]) for m in DISTANCES})
    best = sorted(_tied_best(values) | _within_ci(full))
    return {"measured_metric": "|".join(best), "metric_matched": recommended in best,
            "metric_gap": float(values.max() - values[recommended])}


def _measured_index(ok: pd.DataFrame, key: tuple[str, str], name: str,
                    recommended: str) -> dict:
    """The recommended family's best row against the best row overall, at matched speed."""
    sub = ok[(ok["dataset"] == key[0]) & (ok["model"] == key[1])]
    if "family" not in sub or name not in sub or "qps" not in sub:
        return {}  # a run stored before rows carried the backend's family
    ann = sub[~sub["family"].fillna("").isin(NOT_ANN)]
    families = set(ann.loc[ann[name].notna() & ann["qps"].notna(), "family"])
    if recommended not in families or len(families) < 2:
        return {}  # nothing to compare the recommendation against
    floor, best = best_at_speed(ann, "family", name)
    tied = sorted(_tied_best(best))
    return {"measured_index": "|".join(tied), "index_matched": recommended in tied,
            "index_gap": float(best.max() - best[recommended]), "speed_floor_qps": floor,
            "index_rule": TASK_AT_SPEED}


def analyse(store: RunStore, references: Callable[[str], References]) -> Analysis:
    """Every analysis table of a stored run, written into its folder. Each dataset is judged
    by its own main metric (the rule in metrics.columns): one pass per metric over the
    datasets it judges, `references(metric)` giving that pass its reference points."""
    groups: dict[str, set[str]] = {}
    for dataset, name in store.main_metrics().items():
        groups.setdefault(name, set()).add(dataset)
    if len(groups) <= 1:
        name = next(iter(groups), store.main_metric())
        tables = _tables(store, references(name), name)
    else:
        parts = [_tables(store.only(groups[n]), references(n), n) for n in sorted(groups)]
        tables = {key: _concat([p[key] for p in parts]) for key in parts[0]}
    tables[ROW_ANALYSIS] = with_qps_normalised(tables[ROW_ANALYSIS], store.frame())
    for key, table in tables.items():
        _write(store, key, table)
    store.write_tables()  # results.csv and .parquet with the derived columns joined
    rec = tables[outputs.RECOMMENDATION]
    _count_across_runs(store, rec)
    return Analysis(tables[outputs.FUNNEL], tables[outputs.RANKINGS],
                    tables[outputs.INVERSIONS], rec)


def _concat(tables: list[pd.DataFrame]) -> pd.DataFrame:
    full = [t for t in tables if not t.empty]
    return pd.concat(full, ignore_index=True) if full else pd.DataFrame()


def _tables(store: RunStore, refs: References, name: str) -> dict[str, pd.DataFrame]:
    """The analysis tables of the datasets one main metric judges, by output file name."""
    fun = funnel(store, refs, name)
    frame = unfiltered(store.frame())  # filtered rows: analysis/filter_curves.py

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
    speed_df = rankings_at_speed(frame, name) if "knn_recall@10" in frame else pd.DataFrame()
    by_group, per_query = difficulty_tables(store, refs, name)
    advice = precision_advice(frame, name)
    return {
        outputs.FUNNEL: fun,
        outputs.RANKINGS: pd.DataFrame(rank_rows),
        outputs.INVERSIONS: pd.DataFrame(inv_rows),
        outputs.RANKINGS_AT_SPEED: speed_df,
        outputs.HYBRID: hybrid_table(frame, name, perquery),
        outputs.SCALING: growth_table(frame, name, extrapolate_to(store)),
        outputs.DIFFICULTY: by_group,
        outputs.QUERY_DIFFICULTY: per_query,
        outputs.RERANK: rerank_table(store, refs, name),
        outputs.FILTER_FUNNEL: filter_funnel(store, refs, name),
        outputs.RECOMMENDATION: with_filter_advice(
            recommendation_table(store, fun, refs, name, advice), store, name),
        outputs.PRECISION: advice,
        ROW_ANALYSIS: row_analysis(fun, frame),
    }


def with_filter_advice(rec: pd.DataFrame, store: RunStore, name: str) -> pd.DataFrame:
    """The recommendation with, per dataset x model that has filtered rows, which filter
    strategy to use at which selectivity and the rule it used (analysis/filter_curves.py);
    a run without filtered rows keeps its table as it was."""
    frame = store.frame()
    ok = frame[frame["status"] == "ok"] if "status" in frame else frame
    adv = filter_advice(ok, name)
    if adv.empty or rec.empty:
        return rec
    return rec.merge(adv, on=["dataset", "model"], how="left")


def row_analysis(fun: pd.DataFrame, frame: pd.DataFrame) -> pd.DataFrame:
    """The result columns the funnel derives (harness.store.row_analysis), keyed by
    (cell_id, setting): the funnel names a row by its cell and search parameters."""
    cols = [c for c in DERIVED if c in fun]
    keys = ["cell_id", "search_params"]
    if fun.empty or not cols or not set(frame) >= {*keys, "setting"}:
        return pd.DataFrame(columns=KEYS)
    names = frame[[*keys, "setting"]].astype({"search_params": str})
    got = fun[[*keys, *cols]].astype({"search_params": str}).merge(names, on=keys, how="inner")
    return got[[*KEYS, *cols]].drop_duplicates(KEYS)


def with_qps_normalised(derived: pd.DataFrame, frame: pd.DataFrame) -> pd.DataFrame:
    """The derived columns with qps_normalised for every row of the run (filtered, lexical
    and load rows too): the drift probe's median is the whole run's."""
    if not set(frame) >= set(KEYS):
        return derived.reindex(columns=[*KEYS, *DERIVED])
    speed = frame[KEYS].assign(qps_normalised=qps_normalised(frame).to_numpy())
    speed = speed.drop_duplicates(KEYS)
    if not derived.empty:
        derived = derived.drop(columns=["qps_normalised"], errors="ignore")
        speed = speed.merge(derived.drop_duplicates(KEYS), on=KEYS, how="left")
    return speed.reindex(columns=[*KEYS, *DERIVED])


def extrapolate_to(store: RunStore) -> int | None:
    """The suite's `extrapolate_to` (the N the growth fits are extrapolated to), if any."""
    target = store.suite().get("extrapolate_to")
    return target if isinstance(target, int) and target > 0 else None


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
    return matched_counts(pd.read_csv(path))


def matched_counts(rec: pd.DataFrame) -> dict[str, int]:
    """{metric,index}_matched: recommendations the measurements agree with, of
    {metric,index}_measured: those the run could check."""
    out = {}
    for col in ("metric_matched", "index_matched"):
        if col in rec:
            vals = rec[col].dropna().map(lambda v: str(v).lower() == "true")
            out[col] = int(vals.sum())
            out[col.replace("matched", "measured")] = len(vals)
    return out
