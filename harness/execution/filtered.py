"""A filtered cell's search: the allowed set built inside the timed region, then a strategy.

`FilterRun` holds the cell's filter over the dataset's attributes: the allowed documents of
each query (a static filter: one mask), the `pre` ground truth, and the filter columns of
a row. `FilteredSearcher` replaces the cell's searchers: every call evaluates the filter
for its queries (timed, as a request would) and runs `pre`, `in` or `post`
(backends/filter_search.py), or `partition`: the cell's backend built once per value of a
categorical field (backends/partitioned.py), each query routed to the sub-indexes its filter
selects (datasets/partitions.py). Batches carry the queries' rows so a query-dependent filter
(`$query.<field>`) reads each query's own attributes.
"""

from __future__ import annotations

import time
from typing import Any, Protocol

import numpy as np

from harness.backends.filter_search import in_search, post_search, pre_search
from harness.backends.partitioned import Partitioned
from harness.datasets.attributes import Attributes
from harness.datasets.partitions import groups_of, partition_key, selected
from harness.datasets.predicates import mask, query_row
from harness.embeddings.prepared import Prepared
from harness.inputs.cell_inputs import exact_top_k
from harness.metrics.filter_metrics import query_correlation, short_share
from harness.plan.cell import Cell
from harness.plan.filter_cells import expr_of
from harness.suite.filters import FilterSpec

#: neighbours of the unfiltered exact search the query correlation looks at
CORRELATION_DEPTH = 100
Batch = tuple[np.ndarray, np.ndarray]  # (query vectors, their rows in the dataset)


class Indexed(Protocol):
    """A backend whose library index can filter during search (faiss or hnswlib)."""

    @property
    def index(self) -> Any: ...

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]: ...


class FilterRun:
    """A cell's filter evaluated over one dataset's attributes."""

    def __init__(self, cell: Cell, docs: Attributes, queries: Attributes,
                 prep: Prepared) -> None:
        f = cell.filter or {}
        self.name: str = f["name"]
        self.strategy: str = f["strategy"]
        self.oversample: int = int(f.get("oversample", 1))
        self.expr = expr_of(f)
        self.static = not FilterSpec(self.name, self.expr).query_dependent
        self.docs, self.queries, self.prep = docs, queries, prep
        self.threads = cell.threads
        key = partition_key(self.expr, docs) if self.strategy == "partition" else None
        self.key = key
        self.groups = groups_of(docs, key.field) if key is not None else None
        n = 1 if self.static else queries.n
        self.allowed = np.stack([self.mask_for(i) for i in range(n)])  # untimed, for metrics
        self._unfiltered: np.ndarray | None = None

    def mask_for(self, i: int) -> np.ndarray:
        """Query i's allowed documents (bool); what a timed call evaluates."""
        return mask(self.expr, self.docs, None if self.static else query_row(self.queries, i))

    def parts_for(self, i: int) -> list[int]:
        """The sub-indexes query i searches under `partition` (what a timed call evaluates)."""
        assert self.key is not None and self.groups is not None
        return selected(self.key, self.groups,
                        None if self.static else query_row(self.queries, i))

    def allowed_of(self, i: int) -> np.ndarray:
        return self.allowed[0 if self.static else i]

    def truth(self, k: int) -> tuple[np.ndarray, np.ndarray]:
        """The `pre` ground truth: exact top-k among each query's passing documents."""
        p = self.prep
        if self.static:
            return pre_search(p.queries, p.docs, p.metric, self.allowed[0], k)
        parts = [pre_search(p.queries[i:i + 1], p.docs, p.metric, self.allowed[i], k)
                 for i in range(len(p.queries))]
        return np.concatenate([a for a, _ in parts]), np.concatenate([b for _, b in parts])

    def unfiltered_ids(self) -> np.ndarray:
        """Each query's unfiltered exact top-100 (for the query correlation), once."""
        if self._unfiltered is None:
            k = min(CORRELATION_DEPTH, len(self.prep.docs))
            self._unfiltered = exact_top_k(self.prep, k)[0]
        return self._unfiltered

    def filter_ms(self, repeats: int = 3) -> float:
        """Milliseconds to build one query's allowed set (median of repeats, mean of queries)."""
        n = self.queries.n if not self.static else max(self.queries.n, 1)
        runs = []
        for _ in range(repeats):
            t0 = time.perf_counter_ns()
            for i in range(n):
                self.mask_for(i)
            runs.append((time.perf_counter_ns() - t0) / 1e6 / n)
        return float(np.median(runs))

    def columns(self, ids: np.ndarray, k: int, unfiltered_ids: np.ndarray) -> dict[str, Any]:
        """The filter's columns of a row (its task-metric count is added by the metrics)."""
        sel = float(np.mean([self.allowed_of(i).mean() for i in range(len(ids))]))
        return {"filter": self.name, "filter_strategy": self.strategy,
                "filter_oversample": self.oversample if self.strategy == "post" else None,
                "selectivity": sel,
                "query_correlation": query_correlation(unfiltered_ids, self.allowed_of),
                "short_of_k_share": short_share(ids, k), "filter_ms": self.filter_ms()}


class FilteredSearcher:
    """search(batch) -> (ids, scores): the filter evaluated, then the cell's strategy."""

    def __init__(self, run: FilterRun, backend: Indexed, metric: str, vectors: np.ndarray,
                 queries: np.ndarray, k: int) -> None:
        self.run, self.backend, self.metric = run, backend, metric
        self.vectors, self.queries, self.k = vectors, queries, k
        self.n_docs = len(vectors)

    def whole(self) -> Batch:
        return self.queries, np.arange(len(self.queries))

    def rows(self) -> list[Batch]:
        return [(self.queries[i:i + 1], np.array([i])) for i in range(len(self.queries))]

    def head(self, n: int) -> Batch:
        return self.queries[:n], np.arange(min(n, len(self.queries)))

    def __call__(self, batch: Batch) -> tuple[np.ndarray, np.ndarray]:
        q, rows = batch
        if self.run.strategy == "partition":
            return self._partitioned(q, rows)
        if self.run.static:
            return self._search(q, self.run.mask_for(0))
        parts = [self._search(q[j:j + 1], self.run.mask_for(int(i))) for j, i in enumerate(rows)]
        return np.concatenate([a for a, _ in parts]), np.concatenate([b for _, b in parts])

    def _search(self, q: np.ndarray, allowed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        strategy = self.run.strategy
        if strategy == "pre":
            return pre_search(q, self.vectors, self.metric, allowed, self.k)
        if strategy == "in":
            return in_search(self.backend.index, self.metric, q, allowed, self.k)
        return post_search(self._unfiltered, q, allowed, self.k, self.run.oversample)

    def _partitioned(self, q: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Each query's selected sub-indexes (a static filter: the same for the batch)."""
        backend = self.backend
        assert isinstance(backend, Partitioned)
        if self.run.static:
            return backend.search_parts(q, self.k, self.run.parts_for(0))
        parts = [backend.search_parts(q[j:j + 1], self.k, self.run.parts_for(int(i)))
                 for j, i in enumerate(rows)]
        return np.concatenate([a for a, _ in parts]), np.concatenate([b for _, b in parts])

    def _unfiltered(self, q: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        ids, scores = self.backend.search(q, min(k, self.n_docs))
        return np.asarray(ids), np.asarray(scores)


def filtered_searchers(ix: Any, run: FilterRun, k: int) -> None:
    """The cell's searchers replaced by filtered ones (one per search setting); under
    `partition` the cell's backend becomes one instance per group (built by the timed build)."""
    if run.groups is not None:
        cls, metric, build = type(ix.backend), ix.index_input.metric, ix.build
        ix.backend = Partitioned(lambda: cls(metric, build, threads=run.threads),
                                 run.groups.rows)
    ix.searchers = [FilteredSearcher(run, ix.backend, ix.index_input.metric,
                                     ix.index_input.vectors, ix.queries, k)
                    for _ in ix.searchers]


def recall_of_passing(rec: np.ndarray, true_ids: np.ndarray, k: int) -> np.ndarray:
    """kNN recall over what there is to find: a query with m < k passing documents divides
    by m (one with none found nothing to find: 1)."""
    m = (np.asarray(true_ids)[:, :k] >= 0).sum(axis=1)
    return np.where(m > 0, rec * k / np.maximum(m, 1), 1.0)
