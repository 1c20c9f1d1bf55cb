"""The information-loss funnel (Iceberg): where along the pipeline task quality is lost.

For every result row (a cell at one search setting) the main task metric is decomposed along
a chain of exact-search reference points computed on the same cached vectors:

  S0 ideal                       (1.0; for P@k the best achievable under the judgments)
  S1 exact, native dim, float32, the model's native distance   -> embedding loss = S0 - S1
  S2 exact, the cell's dim, float32, native distance           -> dimension loss = S1 - S2
  S3 exact, the cell's dim and precision (and rescoring), native distance
                                                               -> precision loss = S2 - S3
  S4 exact, the cell's dim, precision and distance             -> metric loss    = S3 - S4
  S5 the cell itself (its index at this search setting)        -> index loss     = S4 - S5

The stages telescope, so they sum to the end-to-end loss S0 - S5. A negative stage is a gain
(e.g. a distance that suits the data better than the model's native one). Separately, the
distance that is best for this data at the cell's dim and precision is reported with the loss
of the cell's distance against it (`metric_loss_vs_best`): that is metric misuse.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from harness.cache import EmbeddingCache, default_cache_dir
from harness.plan import Cell
from harness.runner import RunContext, run_cell
from harness.stats import bootstrap_ci
from harness.store import RunStore

DISTANCES = ("cosine", "ip", "l2")
STAGES = ("embedding_loss", "dimension_loss", "precision_loss", "metric_loss", "index_loss")


@dataclass
class Reference:
    """Exact-search reference points for one run, computed once each and memoised."""

    ctx: RunContext
    metric_name: str
    _memo: dict[str, tuple[float, np.ndarray]]

    def value(
        self, cell: Cell, *, dim: Any, precision: str, metric: str, rescore: int = 0
    ) -> tuple[float, np.ndarray]:
        grid = ({"rescore": rescore},) if rescore else ({},)
        ref = replace(
            cell,
            backend="exact",
            build={},
            search_grid=grid,
            dim=dim,
            precision=precision,
            metric=metric,
            repeats=1,
            warmup=0,
            evaluate=tuple(dict.fromkeys((self.metric_name, *cell.evaluate))),
        )
        key = ref.cell_id
        if key not in self._memo:
            rows, perq = run_cell(ref, self.ctx, timing=False)
            values = perq.task_values(0, self.metric_name)
            self._memo[key] = (float(rows[0][self.metric_name]), values)
        return self._memo[key]


def _cells(store: RunStore) -> dict[str, Cell]:
    out = {}
    for f in sorted(store.cells_dir.glob("*.json")):
        rec = json.loads(f.read_text())
        c = dict(rec["cell"])
        c.pop("label", None)
        if "dataset" not in c:
            continue  # written by an older harness without the cell description
        c["search_grid"] = tuple(c["search_grid"])
        c["evaluate"] = tuple(c["evaluate"])
        out[rec["cell_id"]] = Cell(**c)
    return out


def main_metric(store: RunStore) -> str:
    suite = yaml.safe_load(store.manifest().get("suite_text", "")) or {}
    evaluate = suite.get("evaluate") or ["ndcg@10"]
    return str(evaluate[0]).lower()


def native_distance(ctx: RunContext, cell: Cell) -> str:
    try:
        return ctx.encoder(cell).spec.default_metric
    except Exception:
        return "cosine"


def ideal(ctx: RunContext, cell: Cell, metric_name: str) -> float:
    family, _, k = metric_name.partition("@")
    ds = ctx.dataset(cell)
    if family == "p" and ds.qrels is not None:
        kk = int(k)
        per_q = [
            min(sum(1 for r in ds.qrels[q].values() if r > 0), kk) / kk
            for q in ds.query_ids
            if any(r > 0 for r in ds.qrels.get(q, {}).values())
        ]
        return float(np.mean(per_q)) if per_q else 1.0
    return 1.0


def funnel(
    run_dir: Path, *, cache_dir: Path | None = None, metric_name: str | None = None
) -> pd.DataFrame:
    """One row per ok result row: the reference points, the stage losses, metric misuse."""
    store = RunStore(run_dir)
    manifest = store.manifest()
    cache = Path(cache_dir or manifest.get("cache_dir") or default_cache_dir())
    name = (metric_name or main_metric(store)).lower()
    ctx = RunContext(cache=EmbeddingCache(cache))
    ref = Reference(ctx, name, {})
    cells = _cells(store)
    frame = store.frame()
    out = []
    for _, row in frame.iterrows():
        cell = cells.get(row["cell_id"])
        if cell is None or row.get("status") != "ok" or name not in row:
            continue
        params = json.loads(row["search_params"] or "{}")
        rescore = int(params.get("rescore", 0) or 0)
        native = native_distance(ctx, cell)
        s0 = ideal(ctx, cell, name)
        s1, _ = ref.value(cell, dim=None, precision="float32", metric=native)
        s2, _ = ref.value(cell, dim=cell.dim, precision="float32", metric=native)
        s3, _ = ref.value(
            cell, dim=cell.dim, precision=cell.precision, metric=native, rescore=rescore
        )
        s4, per_q4 = ref.value(
            cell, dim=cell.dim, precision=cell.precision, metric=cell.metric, rescore=rescore
        )
        s5 = float(row[name])
        by_distance = {
            m: ref.value(cell, dim=cell.dim, precision=cell.precision, metric=m, rescore=rescore)
            for m in DISTANCES
        }
        best = max(by_distance, key=lambda m: by_distance[m][0])
        gap = bootstrap_ci(by_distance[best][1] - per_q4) if best != cell.metric else None
        out.append(
            {
                "cell_id": row["cell_id"],
                "dataset": row["dataset"],
                "model": row["model"],
                "dim": row["dim"],
                "precision": row["precision"],
                "metric": row["metric"],
                "backend": row["backend"],
                "build_params": row["build_params"],
                "search_params": row["search_params"],
                "main_metric": name,
                "native_metric": native,
                "ideal": s0,
                "exact_native": s1,
                "exact_dim": s2,
                "exact_precision": s3,
                "exact_metric": s4,
                "observed": s5,
                "embedding_loss": s0 - s1,
                "dimension_loss": s1 - s2,
                "precision_loss": s2 - s3,
                "metric_loss": s3 - s4,
                "index_loss": s4 - s5,
                "total_loss": s0 - s5,
                **{f"exact_{m}": by_distance[m][0] for m in DISTANCES},
                "best_metric": best,
                "metric_loss_vs_best": by_distance[best][0] - s4,
                "metric_loss_ci_low": gap.low if gap else 0.0,
                "metric_loss_ci_high": gap.high if gap else 0.0,
                # misuse: another distance keeps quality this one loses, beyond the 95% CI
                "metric_misuse": bool(gap is not None and gap.low > 0),
            }
        )
    return pd.DataFrame(out)
