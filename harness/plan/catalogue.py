"""Listings and summaries for the terminal: the catalogue of plugins and a run's short table."""

from __future__ import annotations

import pandas as pd

from harness.console import table
from harness.registry import BACKENDS, MODEL_KINDS, MODELS

SUMMARY_COLUMNS = (
    "dataset", "model", "dim", "dim_method", "precision", "metric", "backend", "build_params",
    "search_params",
)


def summary(frame: pd.DataFrame, metrics: list[str]) -> str:
    """A short table for the terminal: axes, task metrics, speed and size."""
    if frame.empty:
        return "(no results)"
    cols = [c for c in SUMMARY_COLUMNS if c in frame and frame[c].nunique(dropna=False) > 1]
    cols = cols or ["model"]
    wanted = [*metrics, "knn_recall@10", "qps", "latency_p99_ms", "bytes_per_doc", "status"]
    shown = frame[[*cols, *[m for m in wanted if m in frame]]].copy()
    if "search_params" in shown:
        shown["search_params"] = shown["search_params"].fillna("")
    return table(shown, lambda v: f"{v:.4f}")  # task metrics to 4 decimals, as trec_eval


def catalogue(kind: str) -> pd.DataFrame:
    """`harness datasets` / `harness models` / `harness backends`: what exists and is installed."""
    rows = []
    if kind == "backends":
        for e in BACKENDS:
            caps = e.load().capabilities
            rows.append(
                {
                    "name": e.name,
                    "family": caps.family,
                    "metrics": ",".join(sorted(caps.metrics)),
                    "precisions": ",".join(sorted(caps.precisions)),
                    "build": ",".join(caps.build_params),
                    "search": ",".join(caps.search_params),
                    "installed": e.available(),
                    "summary": e.summary,
                }
            )
        return pd.DataFrame(rows)
    if kind == "datasets":
        from harness.datasets.kinds import listing

        return pd.DataFrame(listing())
    for e in MODELS:
        rows.append(
            {
                "reference": e.name,
                "installed": e.available(),
                "summary": e.summary,
                **{k: v for k, v in e.info.items() if k in ("dim", "docs", "queries")},
                "install": "" if e.available() else e.install,
            }
        )
    for e in MODEL_KINDS:
        rows.append(
            {
                "reference": e.info.get("example", f"{e.name}:..."),
                "installed": e.available(),
                "summary": e.summary,
                "install": "" if e.available() else e.install,
            }
        )
    return pd.DataFrame(rows)
