"""Filtered search vs selectivity: each backend x strategy's curve and which to use where.

`curve` keeps, per dataset, backend, strategy and filter, the row of the highest search
setting (highest filtered kNN recall, then qps). `advice` names, per dataset and filter, the
fastest row whose filtered kNN recall (against `pre`) is at least RECALL_FLOOR: `pre` always
qualifies, so the answer says at which selectivity a graph's own filter or post-filtering
stops being worth it.
"""

from __future__ import annotations

import pandas as pd

RECALL_FLOOR = 0.95
KEYS = ["dataset", "backend", "filter_strategy", "filter"]


def filtered(ok: pd.DataFrame) -> pd.DataFrame:
    """The filtered rows of a run (empty when it has none)."""
    if "filter" not in ok or "filter_strategy" not in ok:
        return ok.iloc[0:0]
    f = ok["filter"]
    return ok[f.notna() & (f.astype(str) != "")]


def recall_column(frame: pd.DataFrame) -> str | None:
    """The kNN recall column at the smallest cut-off the rows carry (knn_recall@10 usually)."""
    cols = [c for c in frame.columns if c.startswith("knn_recall@") and frame[c].notna().any()]
    return min(cols, key=lambda c: int(c.split("@")[1])) if cols else None


def curve(rows: pd.DataFrame, metric: str) -> pd.DataFrame:
    """One row per dataset x backend x strategy x filter: its highest search setting."""
    rec = recall_column(rows)
    if rows.empty or rec is None:
        return rows.iloc[0:0]
    order = rows.sort_values([rec, "qps"], ascending=False, kind="stable")
    best = order.drop_duplicates(KEYS).sort_values(["dataset", "selectivity", *KEYS])
    cols = [*KEYS, "selectivity", "query_correlation", metric, "n_queries", rec, "qps",
            "short_of_k_share", "queries_without_passing_relevant", "filter_ms",
            "search_params"]
    return best[[c for c in dict.fromkeys(cols) if c in best]].reset_index(drop=True)


def advice(rows: pd.DataFrame, metric: str) -> pd.DataFrame:
    """Per dataset and filter, the fastest row with filtered kNN recall >= RECALL_FLOOR."""
    rec = recall_column(rows)
    if rows.empty or rec is None:
        return rows.iloc[0:0]
    good = rows[rows[rec] >= RECALL_FLOOR].sort_values("qps", ascending=False, kind="stable")
    best = good.drop_duplicates(["dataset", "filter"]).sort_values(["dataset", "selectivity"])
    cols = ["dataset", "filter", "selectivity", "backend", "filter_strategy", "search_params",
            rec, metric, "qps"]
    return best[[c for c in dict.fromkeys(cols) if c in best]].reset_index(drop=True)


def unfiltered(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows without a filter: the other analyses compare configurations on one query set."""
    if "filter" not in frame:
        return frame
    f = frame["filter"]
    return frame[f.isna() | (f.astype(str) == "")]
