"""What the result columns mean: which are task metrics, and which direction is better.

Metric metadata lives here, next to the metric kernels, so that analysis and reports read
one definition (ranx keeps `higher_is_better` with its metrics for the same reason).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from harness.metrics.costs import COST_COLUMNS

# Task metrics are "<name>@<k>" columns; these @k columns are not task metrics.
NOT_TASK = re.compile(r"^(knn_recall|qps|latency|batch_qps)")
AT_K = re.compile(r"^[a-z][a-z0-9_]*@\d+$")
HIGHER_IS_BETTER = frozenset({"qps", "batch_qps", "qps_min", "qps_max", "encode_docs_per_s"})
LOWER_IS_BETTER = frozenset(
    {
        "latency_p50_ms",
        "latency_p95_ms",
        "latency_p99_ms",
        "latency_mean_ms",
        "build_s",
        "index_bytes",
        "bytes_per_doc",
        "code_bytes_per_vector",
        "rescore_bytes_per_doc",
        "disk_bytes_per_doc",
        "index_fixed_bytes",
        "peak_rss_mb",
        "encode_s",
        "model_load_s",
        *COST_COLUMNS,
    }
)
# Figures that depend on the machine's speed, its load, the cache or the clock, not on the
# configuration: left out when two runs are checked for the same numbers.
TIMING_COLUMNS = frozenset(
    {"build_s", "qps", "qps_min", "qps_max", "qps_spread", "timing_unstable", "machine_loaded",
     "batch_qps", "latency_p50_ms", "latency_p95_ms", "latency_p99_ms", "latency_mean_ms",
     "encode_docs_per_s", "encode_s", "model_load_s", "encoded", "peak_rss_mb",
     "worker_peak_rss_mb", "finished_at", "run_id", "speed_floor_qps", *COST_COLUMNS}
)
# A per-query value of 0 for one of these metric families at k means no relevant document is
# in the top k (the drill-down says "missed" for it).
ZERO_MEANS_NONE = frozenset({"ndcg", "mrr", "p", "map", "hit", "recall", "r", "success"})


def is_task_metric(col: str) -> bool:
    return bool(AT_K.match(col)) and not NOT_TASK.match(col)


def better(col: str) -> int:
    """+1 when higher is better, -1 when lower is better, 0 when neither (not highlighted)."""
    if col in LOWER_IS_BETTER:
        return -1
    if col in HIGHER_IS_BETTER or is_task_metric(col) or col.startswith("knn_recall@"):
        return 1
    return 0


def has_positive(judged: Mapping[str, int] | None) -> bool:
    """Whether a query's judgments hold a relevant document (a grade above 0)."""
    return any(v > 0 for v in (judged or {}).values())


def main_metric(evaluate: Sequence[str]) -> str:
    """The metric a run is judged by (funnel, rankings, `best`): the suite's first `evaluate`
    entry, ndcg@10 when none is given."""
    return str(evaluate[0]).lower() if evaluate else "ndcg@10"
