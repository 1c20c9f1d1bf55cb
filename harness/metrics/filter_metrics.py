"""Metrics of a filtered search: qrels restricted to passing documents, shortfall, correlation.

A document that fails the filter is not a valid answer, so task metrics use the qrels
restricted to passing documents; a query left with no passing relevant document is counted
(`queries_without_passing_relevant`) and left out of the mean.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np

Qrels = Mapping[str, Mapping[str, int]]


def restricted_qrels(qrels: Qrels, doc_index: Mapping[str, int],
                     allowed_of: Callable[[int], np.ndarray], query_ids: Sequence[str]
                     ) -> tuple[dict[str, dict[str, int]], int]:
    """(qrels of passing documents for queries keeping a positive one, queries left out)."""
    out: dict[str, dict[str, int]] = {}
    without = 0
    for i, q in enumerate(query_ids):
        allowed = allowed_of(i)
        kept = {d: r for d, r in qrels.get(q, {}).items()
                if d in doc_index and allowed[doc_index[d]]}
        if any(r > 0 for r in kept.values()):
            out[q] = kept
        else:
            without += 1
    return out, without


def short_share(ids: np.ndarray, k: int) -> float:
    """Share of queries that got fewer than k results (-1 slots)."""
    return float(np.mean((ids[:, :k] >= 0).sum(1) < k)) if len(ids) else float("nan")


def query_correlation(unfiltered_ids: np.ndarray, allowed_of: Callable[[int], np.ndarray]
                      ) -> float:
    """How much likelier a query's unfiltered neighbours pass than a random document:
    mean pass rate of the neighbours / mean selectivity (1 = independent)."""
    hit = sel = 0.0
    for i, row in enumerate(unfiltered_ids):
        allowed = allowed_of(i)
        row = row[row >= 0]
        hit += float(allowed[row].mean()) if len(row) else 0.0
        sel += float(allowed.mean())
    return hit / sel if sel else float("nan")
