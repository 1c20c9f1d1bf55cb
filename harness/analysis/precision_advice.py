"""The recommendation's precision (issue #26): per dataset, model and dim, the cheapest code
whose task metric stays within the rankings' bar of exact float32 search.

The rule is the named ranking rule `bytes@task>=99%exact` (harness.analysis.rules): among the
exact-search rows of one dataset x model x dim (every precision and distance the run measured
there, with or without rescoring), those whose main task metric is at least 99% of the best
exact float32 row of that group are admitted, and the one with the fewest bytes per document
wins: `code_bytes_per_doc` = code_bytes_per_vector plus rescore_bytes_per_doc (the float32
vectors a rescoring setting keeps), not the exact backend's bytes_per_doc, which counts the
dequantized floats it searches; the task metric breaks ties. Exact search is used so that
the index's own loss does not decide the code. A group without an exact float32 row has no
reference, hence no advice.
"""

from __future__ import annotations

import pandas as pd

from harness.analysis.rule_names import BYTES_AT_TASK
from harness.analysis.rules import EXACT_SHARE, RuleInput, apply_rule, exact_reference

GROUP = ["dataset", "model", "dim"]
NEED = {*GROUP, "backend", "precision", "code_bytes_per_vector"}
COST = "code_bytes_per_doc"  # what the code costs per document (module docstring)


def _exact_rows(rows: pd.DataFrame, main: str) -> pd.DataFrame:
    """The ok, one-stage, dense exact-search rows holding the main metric."""
    sel = rows[(rows["backend"].astype(str) == "exact") & rows[main].notna()]
    if "status" in sel:
        sel = sel[sel["status"] == "ok"]
    for col in ("lexical_bytes", "rerank", "filter"):  # hybrid, two-stage, filtered rows
        if col in sel:
            sel = sel[sel[col].isna() | (sel[col].astype(str) == "")]
    rescore = pd.to_numeric(sel.get("rescore_bytes_per_doc", pd.Series(0.0, sel.index)),
                            errors="coerce").fillna(0.0)
    cost = pd.to_numeric(sel["code_bytes_per_vector"], errors="coerce") + rescore
    # apply_rule orders by index labels: make them unique
    return sel.assign(**{COST: cost}).reset_index(drop=True)


def precision_advice(rows: pd.DataFrame, main: str) -> pd.DataFrame:
    """One row per dataset x model x dim with an exact float32 reference: the recommended
    precision and the figures it rests on (its bytes per document and task metric, the
    reference and the bar, how many codes were measured and admitted)."""
    if rows.empty or not set(rows) >= NEED or main not in rows:
        return pd.DataFrame()
    exact = _exact_rows(rows, main)
    out = []
    for keys, g in exact.groupby(GROUP, sort=True):
        ref = exact_reference(g, main)
        if ref.empty:
            continue  # no float32 exact search at this dim: nothing to be within 99% of
        ranked = apply_rule(g, BYTES_AT_TASK, RuleInput(main, bytes=COST))
        if ranked.empty:
            continue
        win = ranked.iloc[0]
        reference = float(ref.iloc[0])
        out.append({
            **dict(zip(GROUP, keys, strict=True)),
            "recommended_precision": str(win["precision"]),
            "precision_metric": str(win.get("metric", "")),
            "precision_search_params": str(win.get("search_params", "")),
            "precision_rule": BYTES_AT_TASK,
            "precision_bytes_per_doc": float(win[COST]),
            "precision_task": float(win[main]),
            "precision_reference": reference,
            "precision_bar": EXACT_SHARE * reference,
            "codes_measured": int(g["precision"].nunique()),
            "codes_within": int(ranked["precision"].nunique()),
            "main_metric": main,
        })
    return pd.DataFrame(out)


def at_largest_dim(advice: pd.DataFrame, dataset: str, model: str) -> dict:
    """The advice for a dataset x model at its largest measured dim (the vectors the probe
    measures), as recommendation.csv columns; {} when there is none."""
    if advice.empty:
        return {}
    sub = advice[(advice["dataset"] == dataset) & (advice["model"] == model)]
    if sub.empty:
        return {}
    best = sub.loc[sub["dim"].astype(float).idxmax()]
    keep = ["recommended_precision", "precision_rule", "precision_bytes_per_doc",
            "precision_task", "precision_reference", "precision_bar", "main_metric"]
    return {"precision_dim": int(best["dim"]), **{k: best[k] for k in keep}}
