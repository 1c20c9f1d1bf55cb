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


def rule_text(rec: str = "knn_recall@10") -> str:
    """How the strategy advice is chosen, written out for the report and the recommendation."""
    return (f"at each filter (each selectivity of the sweep), the fastest backend x strategy "
            f"(single-thread qps at its best search setting) whose filtered {rec} against "
            f"pre is >= {RECALL_FLOOR}; neighbouring selectivities with the same winner form "
            f"one range, and a switch lies between the two measured selectivities around it")


def strategy_ranges(adv: pd.DataFrame) -> pd.DataFrame:
    """The advice over a selectivity sweep as ranges: one row per run of neighbouring
    selectivities (per dataset, in increasing order) with the same backend x strategy."""
    cols = ["dataset", "backend", "filter_strategy", "from_selectivity", "to_selectivity",
            "switch_below", "switch_above"]
    if adv.empty:
        return pd.DataFrame(columns=cols)
    sweep = adv[adv["filter"].astype(str).str.startswith("selectivity=")]
    out = []
    for dataset, sub in sweep.groupby("dataset", sort=True):
        sub = sub.sort_values("selectivity", kind="stable").reset_index(drop=True)
        start = 0
        for i in range(1, len(sub) + 1):
            if i < len(sub) and _winner(sub, i) == _winner(sub, start):
                continue
            below = sub["selectivity"].iloc[start - 1] if start > 0 else None
            above = sub["selectivity"].iloc[i] if i < len(sub) else None
            out.append({"dataset": dataset, "backend": sub["backend"].iloc[start],
                        "filter_strategy": sub["filter_strategy"].iloc[start],
                        "from_selectivity": float(sub["selectivity"].iloc[start]),
                        "to_selectivity": float(sub["selectivity"].iloc[i - 1]),
                        "switch_below": below, "switch_above": above})
            start = i
    return pd.DataFrame(out, columns=cols)


def _winner(sub: pd.DataFrame, i: int) -> tuple[str, str]:
    return str(sub["backend"].iloc[i]), str(sub["filter_strategy"].iloc[i])


def _pct(s: float) -> str:
    return f"{100 * s:.2g}%"


def advice_sentence(ranges: pd.DataFrame, adv: pd.DataFrame) -> str:
    """'exact pre at 1%; hnswlib in from 10% to 50%; same-label: hnswlib partition' (one
    dataset's advice: the sweep's ranges, then each named filter's winner)."""
    parts = []
    for r in ranges.itertuples():
        lo, hi = _pct(r.from_selectivity), _pct(r.to_selectivity)
        where = f"at {lo}" if lo == hi else f"from {lo} to {hi}"
        parts.append(f"{r.backend} {r.filter_strategy} {where}")
    named = adv[~adv["filter"].astype(str).str.startswith("selectivity=")]
    parts += [f"{r.filter}: {r.backend} {r.filter_strategy}" for r in named.itertuples()]
    return "; ".join(parts)


def filter_advice(ok: pd.DataFrame, metric: str) -> pd.DataFrame:
    """Per dataset x model with filtered rows: the advice sentence and the rule it used."""
    rows = filtered(ok)
    rec = recall_column(rows)
    if rows.empty or rec is None:
        return pd.DataFrame()
    out = []
    for (dataset, model), sub in rows.groupby(["dataset", "model"], sort=True):
        adv = advice(sub, metric)
        text = advice_sentence(strategy_ranges(adv), adv) if not adv.empty else ""
        out.append({"dataset": dataset, "model": model,
                    "filter_strategy_advice": text or f"no row reaches {rec} >= {RECALL_FLOOR}",
                    "filter_advice_rule": rule_text(rec)})
    return pd.DataFrame(out)
