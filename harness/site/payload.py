"""A dataset's page data: the points of every run on it, the selectors that split them, and
the Pareto fronts of its three trade-off plots (harness.analysis.frontier.pareto_mask, the
project's one Pareto mask), computed per dataset content (fingerprint)."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pandas as pd

from harness.analysis.frontier import pareto_mask
from harness.site.run_points import STAGES, is_task_metric, params_text

# Selector columns, in the page's order; a column is offered when its values differ.
SELECTORS = ("model", "dim_method", "precision", "family", "backend", "retriever", *STAGES,
             "metric", "dim", "dataset_fingerprint")
# plot id -> (x, y, maximise, minimise); "@metric" is the chosen task metric
PLOTS = {
    "qps": ("qps", "@metric", ("qps", "@metric"), ()),
    "knn": ("qps", "knn_recall@10", ("qps", "knn_recall@10"), ()),
    "bytes": ("bytes_per_doc", "@metric", ("@metric",), ("bytes_per_doc",)),
}


def _main_metric(declared: list[str | None], metrics: list[str]) -> str | None:
    """The main metric most runs on the dataset declare (and measured), else the first."""
    for name, _ in Counter(d for d in declared if d).most_common():
        if name in metrics:
            return name
    return metrics[0] if metrics else None


def _fronts(frame: pd.DataFrame, metrics: list[str]) -> dict[str, list[list[int]]]:
    """'<plot>|<metric>' -> one list of row indices per dataset fingerprint: the rows no other
    row of the same content beats on both axes of that plot."""
    out: dict[str, list[list[int]]] = {}
    groups = frame.groupby(frame.get("dataset_fingerprint", pd.Series("", index=frame.index))
                           .fillna(""), sort=True)
    for plot, (_, _, maximise, minimise) in PLOTS.items():
        for metric in metrics if "@metric" in maximise else ["-"]:
            lists = []
            for _, g in groups:
                mx = [metric if c == "@metric" else c for c in maximise]
                mn = list(minimise)
                if not all(c in g for c in (*mx, *mn)):
                    continue
                mask = pareto_mask(g, mx, mn)
                if mask.any():
                    lists.append([int(i) for i in g.index[mask]])
            out[f"{plot}|{metric}"] = lists
    return out


def dataset_payload(name: str, frames: list[pd.DataFrame], declared: list[str | None],
                    runs: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The JSON a dataset page reads: columns + rows of every point, selectors, fronts."""
    frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    frame = frame.reset_index(drop=True)
    for col in ("build_params", "search_params"):
        if col in frame:
            frame[col] = frame[col].map(params_text)
    metrics = [c for c in frame.columns if is_task_metric(str(c)) and frame[c].notna().any()]
    selectors = [c for c in SELECTORS if c in frame and frame[c].dropna().nunique() > 1]
    rows = frame.astype(object).where(frame.notna(), None).values.tolist()
    fps = frame["dataset_fingerprint"].dropna().unique() if "dataset_fingerprint" in frame else []
    warnings = ([f"{len(fps)} different contents (fingerprints) under the name '{name}': "
                 "Pareto fronts are drawn per content"] if len(fps) > 1 else [])
    return {"dataset": name, "main_metric": _main_metric(declared, metrics),
            "metrics": metrics, "columns": [str(c) for c in frame.columns], "rows": rows,
            "selectors": selectors, "fronts": _fronts(frame, metrics),
            "runs": {k: runs[k] for k in sorted(set(frame["run"]))}, "warnings": warnings}
