"""One run's finished result rows as the site's points: the configuration, the figures the
plots draw, and every task metric, in a compact column list + row arrays form."""

from __future__ import annotations

import json
import math
from typing import Any

import pandas as pd

from harness.store.row import params
from harness.store.runs import RunStore

# What a point is: the configuration (selectors and hover) ...
CONFIG = ("dataset", "dataset_fingerprint", "model", "dim", "dim_method", "precision", "metric",
          "backend", "family", "build_params", "search_params", "corpus_size", "k")
# ... the figures drawn and shown in the table ...
FIGURES = ("qps", "knn_recall@10", "bytes_per_doc", "latency_p50_ms", "latency_p99_ms",
           "index_bytes", "build_s")
# ... and pipeline stages written by runs that have them (a selector each when present).
STAGES = ("filter", "filter_selectivity", "rerank", "reranker", "rerank_depth")


def is_task_metric(name: str) -> bool:
    """ndcg@10, mrr@10, recall@100 ...: a quality column that is not kNN recall."""
    return "@" in name and not name.startswith("knn_")


def retriever(row: pd.Series) -> str:
    """dense, lexical, or hybrid (<fusion>): a hybrid row carries its lexical leg's size."""
    if pd.notna(row.get("lexical_bytes")):
        fusion = params(row.get("search_params")).get("fusion")
        return f"hybrid ({fusion})" if fusion else "hybrid"
    return "lexical" if row.get("family") == "lexical" else "dense"


def _value(v: Any) -> Any:
    """A JSON value: numpy scalars as Python numbers, NaN/None as null."""
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return None
    if hasattr(v, "item"):
        v = v.item()
        return None if isinstance(v, float) and not math.isfinite(v) else v
    return None if pd.isna(v) else v


def run_points(store: RunStore, run_key: str) -> dict[str, Any]:
    """{columns, rows, main_metric}: the run's ok rows (empty when it has none) and each
    dataset's main metric (the one rule, metrics.columns, as the rows carry it)."""
    frame = store.frame()
    if frame.empty or "status" not in frame:
        return {"columns": [], "rows": [], "main_metric": {}}
    ok = frame[frame["status"].astype(str) == "ok"].reset_index(drop=True)
    metrics = sorted(c for c in ok.columns if is_task_metric(str(c)))
    present = [c for c in (*CONFIG, *STAGES, *FIGURES) if c in ok and ok[c].notna().any()]
    columns = ["run", "cell_id", "setting", *present, "retriever", *metrics]
    rows = []
    for _, r in ok.iterrows():
        rows.append([run_key, r["cell_id"], _value(r.get("setting")),
                     *(_value(r[c]) for c in present), retriever(r),
                     *(_value(r[c]) for c in metrics)])
    return {"columns": columns, "rows": rows, "main_metric": store.main_metrics()}


def as_frame(points: dict[str, Any]) -> pd.DataFrame:
    return pd.DataFrame(points["rows"], columns=points["columns"])


def params_text(value: Any) -> str:
    """'M=16 efSearch=64' from a row's stored parameter JSON."""
    return " ".join(f"{k}={json.dumps(v) if isinstance(v, dict | list) else v}"
                    for k, v in params(value).items())
