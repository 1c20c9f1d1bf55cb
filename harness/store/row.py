"""The result row: every column a run writes, with its type, unit and better direction.

One row per cell x search setting. The runner fills a `ResultRow`, which accepts only the
columns declared here (plus the quality columns `family@k`: task metrics such as ndcg@10 and
knn_recall@k, float in [0, 1], higher is better), so a typo or an undeclared column fails at
the line that writes it. The tables (harness.store.tables), the report's column formats and
the reference page of the results (docs/results.md, checked by tests/store/test_row.py) read
this list; the order here is the order of results.csv.

`timing` marks figures that depend on the machine's speed, its load, the cache or the clock
rather than on the configuration: they are left out when two runs are checked for the same
numbers (bench/diff_runs.py).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

from harness.metrics.columns import AT_K
from harness.metrics.costs import COST_COLUMNS
from harness.metrics.tails import TAIL_COLUMNS, TAIL_DOCS

Kind = Literal["text", "int", "float", "bool", "json"]


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind
    unit: str  # "" when the column is a label or a count without a unit
    better: int  # +1 higher is better, -1 lower is better, 0 neither
    doc: str
    timing: bool = False


def _c(name: str, kind: Kind, unit: str, better: int, doc: str, timing: bool = False) -> Column:
    return Column(name, kind, unit, better, doc, timing)


COLUMNS: tuple[Column, ...] = (
    _c("cell_id", "text", "", 0, "the cell's content hash (dataset, model, dim, precision, "
       "distance, backend, build parameters)"),
    _c("dataset", "text", "", 0, "the dataset's label"),
    _c("model", "text", "", 0, "the model's label (bm25 for lexical cells)"),
    _c("dim", "int", "dimensions", 0, "searched dimension (empty for lexical cells)"),
    _c("dim_method", "text", "", 0, "native, truncate, pca or lexical"),
    _c("precision", "text", "", 0, "float32, float16, int8, binary, ..."),
    _c("metric", "text", "", 0, "the distance: cosine, ip or l2"),
    _c("backend", "text", "", 0, "the index or engine"),
    _c("build_params", "json", "", 0, "the index's build parameters (a JSON object)"),
    _c("search_params", "json", "", 0, "the search setting's parameters (a JSON object)"),
    _c("n_docs", "int", "documents", 0, "documents searched"),
    _c("corpus_size", "text", "", 0, "the corpus size axis: full or the sampled size"),
    _c("k", "int", "results", 0, "results returned per query"),
    _c("encode_docs_per_s", "float", "docs/s", 1, "encoding speed of this run", True),
    _c("encode_s", "float", "s", -1, "time spent encoding this cell's texts", True),
    _c("model_load_s", "float", "s", -1, "time to load the model", True),
    _c("encoded", "text", "", 0, "how the vectors were had: now (encoded in this run), cache "
       "(encode figures as recorded when encoded, empty if the entry has none) or given (a "
       "vector dataset, precomputed vectors)", True),
    _c("build_s", "float", "s", -1, "index build time", True),
    _c("index_bytes", "int", "bytes", -1, "measured size of the built index"),
    _c("code_bytes_per_vector", "float", "bytes", -1, "the precision's code size per vector at "
       "this dim (4d, 2d, d, d/2, ceil(d/8), ...): what an index storing it natively needs"),
    _c("peak_rss_mb", "float", "MB", -1, "peak resident memory of the cell above its start",
       True),
    _c("dataset_fingerprint", "text", "", 0, "content hash of the dataset"),
    _c("model_fingerprint", "text", "", 0, "content hash of the model"),
    _c("setting", "int", "", 0, "index of the search setting within the cell"),
    _c("family", "text", "", 0, "the index family: exact, graph, partition, ..."),
    _c("n_queries", "int", "queries", 0, "queries evaluated"),
    _c("main_metric", "text", "", 0, "the task metric this row is judged by: the dataset's "
       "own main metric when evaluated, else the suite's first it can compute"),
    _c("bytes_per_doc", "float", "bytes", -1, "memory per document: index, rescoring vectors "
       "and lexical index"),
    _c("index_fixed_bytes", "int", "bytes", -1, "the index's size independent of the corpus"),
    _c("rescore_bytes_per_doc", "float", "bytes", -1, "float32 vectors kept for rescoring"),
    _c("disk_bytes_per_doc", "float", "bytes", -1, "the engine's files on disk per document "
       "(empty for in-memory indexes)"),
    *(_c(name, "float", "fraction", 1, TAIL_DOCS[name]) for name in TAIL_COLUMNS),
    _c("task_loss_share_worst10", "float", "fraction", 0, "share of the row's main-metric "
       "loss against exact float32 search of the same dataset, model and dim (the model's "
       "distance) carried by its worst 10% of queries; written by the analysis step "
       "(row_analysis.csv), empty before it or when no query loses"),
    _c("qps", "float", "queries/s", 1, "single-thread queries per second (median of repeats)",
       True),
    _c("qps_normalised", "float", "queries/s", 1, "qps at the run's median machine speed: "
       "qps x the run's median probe_rate / the row's probe_rate (written by the analysis step, "
       "row_analysis.csv; empty before it or without the probe)", True),
    _c("qps_min", "float", "queries/s", 1, "slowest repeat", True),
    _c("qps_max", "float", "queries/s", 1, "fastest repeat", True),
    _c("qps_spread", "float", "ratio", 0, "qps_max / qps_min over the setting's interleaved "
       "repeats", True),
    _c("timing_unstable", "bool", "", 0, "qps_spread or probe_spread above 1.3 (one quiet "
       "measurement spreads 10-20%) or the machine was loaded; empty with one repeat on a "
       "quiet machine", True),
    _c("machine_loaded", "bool", "", 0, "load average above the core count while timing",
       True),
    _c("probe_rate", "float", "passes/s", 0, "the drift probe's speed while the cell was "
       "timed (median of its readings before the first repeat and after each; a fixed "
       "single-thread piece of work, harness/execution/drift.py): qps / probe_rate takes the "
       "machine's drift out of comparisons", True),
    _c("probe_min", "float", "passes/s", 0, "the drift probe's slowest reading during the "
       "cell (with probe_max: the range of qps per probe pass, [qps_min / probe_max, qps_max / "
       "probe_min], that compare reads)", True),
    _c("probe_max", "float", "passes/s", 0, "the drift probe's fastest reading during the cell",
       True),
    _c("probe_spread", "float", "ratio", 0, "max / min of the drift probe's readings during "
       "the cell; above 1.3 the machine changed speed and the row is timing_unstable", True),
    _c("query_batch", "int", "queries", 0, "queries per timed pass behind qps and batch_qps "
       "(every query in one call; exact search's speed depends on it)"),
    _c("batch_qps", "float", "queries/s", 1, "multi-thread batch throughput", True),
    _c("latency_p50_ms", "float", "ms", -1, "median single-query latency", True),
    _c("latency_p95_ms", "float", "ms", -1, "95th percentile latency", True),
    _c("latency_p99_ms", "float", "ms", -1, "99th percentile latency", True),
    _c("latency_mean_ms", "float", "ms", -1, "mean latency", True),
    _c("status", "text", "", 0, "ok, or error: the exception's message (a worker that died: "
       "the signal and the memory it had reached)"),
    _c("finished_at", "text", "UTC", 0, "when the row was written (ISO 8601)", True),
    _c("worker_peak_rss_mb", "float", "MB", 0, "peak resident memory of the cell's worker "
       "process", True),
    _c("run_id", "text", "", 0, "the run folder's name", True),
    _c("lexical_build_s", "float", "s", 0, "build time of a hybrid row's lexical leg", True),
    _c("lexical_bytes", "int", "bytes", 0, "size of a hybrid row's lexical index"),
    _c("rerank", "text", "", 0, "the second stage's model (bi-encoder, or ce:... for a "
       "cross-encoder); empty for one stage"),
    _c("rerank_candidates", "int", "results", 0, "first-stage results the second stage "
       "re-ranks"),
    _c("rerank_ms_p50", "float", "ms", -1, "median single-query time of the second stage "
       "alone (inside latency_p50_ms)", True),
    _c("rerank_ms_p99", "float", "ms", -1, "99th percentile time of the second stage alone",
       True),
    _c("rerank_bytes_per_doc", "float", "bytes", -1, "a bi-encoder re-ranker's float32 "
       "document vectors (counted in bytes_per_doc)"),
    _c("rerank_model_bytes", "int", "bytes", -1, "a cross-encoder re-ranker's parameters"),
    *(_c(name, "float", "USD", -1, "cost at the suite's prices (harness.metrics.costs)", True)
      for name in COST_COLUMNS),
    _c("load_qps", "float", "queries/s", 1, "the load axis's saturated qps: the closed loop's "
       "highest over its client counts (load.csv has the curve)", True),
    _c("load_clients", "int", "clients", 0, "the client count of load_qps"),
    _c("load_cores", "int", "cores", 0, "the cores of the machine load_qps was measured on"),
    _c("usd_per_1m_queries_basis", "text", "", 0, "what usd_per_1m_queries is priced from: "
       "load (load_qps per core x the instance's cores) or single-thread x cores (fallback)"),
    # filtered search (docs/filtered.md); empty on unfiltered rows
    _c("filter", "text", "", 0, "the filter's name (filtered rows: task metrics count only "
       "passing documents, knn_recall@k is against the pre-filter ground truth)"),
    _c("filter_strategy", "text", "", 0, "pre, in, post or partition"),
    _c("filter_oversample", "int", "", 0, "post-filter: results fetched = k x this"),
    _c("selectivity", "float", "fraction", 0, "share of documents the filter passes (mean "
       "over queries)"),
    _c("query_correlation", "float", "ratio", 0, "pass rate of a query's unfiltered top-100 / "
       "selectivity: 1 independent, > 1 correlated, < 1 anti-correlated"),
    _c("queries_without_passing_relevant", "int", "queries", 0, "queries with a relevant "
       "document but none passing the filter (left out of the task metrics)"),
    _c("short_of_k_share", "float", "fraction", -1, "share of queries that got fewer than k "
       "results"),
    _c("filter_ms", "float", "ms", -1, "time to build one query's allowed set (inside the "
       "timed search too)", True),
)
BY_NAME = {c.name: c for c in COLUMNS}
# quality columns (AT_K): task metrics (ndcg@10, label_recall@10, ...) and knn_recall@k
_FLOAT_AT_K = Column("family@k", "float", "", 1, "a task metric or knn_recall at cut-off k")

FLOAT_COLUMNS = tuple(c.name for c in COLUMNS if c.kind == "float")
INT_COLUMNS = tuple(c.name for c in COLUMNS if c.kind == "int")
TIMING_COLUMNS = frozenset({*(c.name for c in COLUMNS if c.timing), "speed_floor_qps"})
HIGHER_IS_BETTER = frozenset(c.name for c in COLUMNS if c.better > 0)
LOWER_IS_BETTER = frozenset(c.name for c in COLUMNS if c.better < 0)


def column(name: str) -> Column:
    """The declared column of `name` (a family@k name gets the quality column's entry)."""
    if name in BY_NAME:
        return BY_NAME[name]
    if AT_K.match(name):
        return _FLOAT_AT_K
    raise KeyError(f"{name!r} is not a result column (declare it in harness/store/row.py)")


def better(name: str) -> int:
    """+1 when higher is better, -1 when lower is better, 0 when neither (not highlighted)."""
    try:
        return column(name).better
    except KeyError:
        return 0


class ResultRow(dict[str, Any]):
    """A result row that takes only declared columns (see COLUMNS); its items are what the
    cell record stores and results.csv shows, in the order they were set."""

    def __init__(self, values: dict[str, Any] | None = None, **more: Any) -> None:
        super().__init__()
        self.update(values or {}, **more)

    def __setitem__(self, key: str, value: Any) -> None:
        column(key)  # raises for an undeclared column
        super().__setitem__(key, value)

    def update(self, values: Any = (), /, **more: Any) -> None:  # type: ignore[override]
        for key, value in dict(values, **more).items():
            self[key] = value

    def setdefault(self, key: str, default: Any = None) -> Any:
        if key not in self:
            self[key] = default
        return self[key]


def reference_markdown() -> str:
    """docs/results.md's table of columns, written from COLUMNS (a test keeps them equal)."""
    signs = {1: "higher", -1: "lower", 0: ""}
    lines = ["| column | type | unit | better | timing | meaning |", "|---|---|---|---|---|---|"]
    for c in (*COLUMNS, _FLOAT_AT_K):
        lines.append(f"| `{c.name}` | {c.kind} | {c.unit} | {signs[c.better]} | "
                     f"{'yes' if c.timing else ''} | {c.doc} |")
    return "\n".join(lines) + "\n"


def params(value: Any) -> dict[str, Any]:
    """A row's build_params or search_params as a mapping: the one place their JSON text is
    read ('' / None / NaN of a failed row -> {})."""
    if isinstance(value, dict):
        return dict(value)
    if not isinstance(value, str) or not value:
        return {}
    parsed = json.loads(value)
    if not isinstance(parsed, dict):
        raise ValueError(f"parameters are not a JSON object: {value[:80]!r}")
    return parsed
