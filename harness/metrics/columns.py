"""Which result columns are task metrics, and the main-metric rule (the columns' types, units
and directions: harness.store.row).

Metric metadata lives here, next to the metric kernels, so that analysis and reports read
one definition (ranx keeps `higher_is_better` with its metrics for the same reason).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence

# Task metrics are "<name>@<k>" columns; these @k columns are not task metrics.
NOT_TASK = re.compile(r"^(knn_recall|qps|latency|batch_qps)")
AT_K = re.compile(r"^[a-z][a-z0-9_]*@\d+$")
# A per-query value of 0 for one of these metric families at k means no relevant document is
# in the top k (the drill-down says "missed" for it).
ZERO_MEANS_NONE = frozenset({"ndcg", "mrr", "p", "map", "hit", "recall", "r", "success"})


def is_task_metric(col: str) -> bool:
    return bool(AT_K.match(col)) and not NOT_TASK.match(col)


def has_positive(judged: Mapping[str, int] | None) -> bool:
    """Whether a query's judgments hold a relevant document (a grade above 0)."""
    return any(v > 0 for v in (judged or {}).values())


def main_metric(evaluate: Sequence[str], dataset_main: str | None = None,
                computable: Collection[str] | None = None) -> str:
    """The one main-metric rule (funnel, rankings, tails, `best`, reports): the dataset's own
    main metric when the suite evaluates it; else the suite's first `evaluate` entry the
    dataset can compute (`computable`); else its first entry; ndcg@10 when none is given."""
    names = [str(m).lower() for m in evaluate]
    own = (dataset_main or "").lower()
    if own and own in names:
        return own
    usable = [n for n in names if computable is None or n in {c.lower() for c in computable}]
    return (usable or names or ["ndcg@10"])[0]
