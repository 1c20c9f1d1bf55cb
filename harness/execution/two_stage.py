"""A cell's second stage inside the timed path: the first stage's searcher fetches
`candidates`, the re-ranker (execution/reranking.py) keeps k of them, in the same call.

The second stage is also timed alone: every single-query call (the per-query latency loop)
records its re-ranking nanoseconds, so `rerank_ms_p50/p99` are the second stage's share of
the same calls `latency_p50/p99_ms` measure. Batch calls (qps passes, warm-up) are not
recorded. A bi-encoder's float32 document vectors count in `bytes_per_doc`
(`rerank_bytes_per_doc`); a cross-encoder's parameters are `rerank_model_bytes`.
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any, Protocol

import numpy as np

from harness.datasets.base import Dataset
from harness.encoders.cross import load_cross_encoder, locate_cross_encoder
from harness.execution.lexical_leg import texts
from harness.execution.reranking import BiEncoderReranker, CrossEncoderReranker
from harness.inputs.cell_inputs import CellInputs
from harness.metrics.latency import latency_stats
from harness.plan.cell import Cell


class Reranker(Protocol):
    def __call__(self, rows: np.ndarray, ids: np.ndarray, k: int
                 ) -> tuple[np.ndarray, np.ndarray]: ...


class RerankSearcher:
    """A first-stage searcher (Searcher, HybridSearcher, a lexical cell's) and a re-ranker."""

    def __init__(self, first: Any, reranker: Reranker, k: int) -> None:
        self.first, self.reranker, self.k = first, reranker, k
        self.queries = first.queries
        self.stage_ns: list[int] = []  # one per single-query call

    def whole(self) -> tuple[Any, np.ndarray]:
        return self.first.whole(), np.arange(len(self.queries))

    def rows(self) -> list[tuple[Any, np.ndarray]]:
        return [(b, np.array([i])) for i, b in enumerate(self.first.rows())]

    def head(self, n: int) -> tuple[Any, np.ndarray]:
        return self.first.head(n), np.arange(min(n, len(self.queries)))

    def __call__(self, batch: tuple[Any, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        ids, _ = self.first(batch[0])
        t0 = time.perf_counter_ns()
        out = self.reranker(batch[1], np.asarray(ids), self.k)
        if len(batch[1]) == 1:
            self.stage_ns.append(time.perf_counter_ns() - t0)
        return out


def first_stage(searcher: Any) -> Any:
    """The first stage's searcher of a two-stage searcher; any other searcher itself."""
    return searcher.first if isinstance(searcher, RerankSearcher) else searcher


def first_depth(cell: Cell, k_search: int, n_docs: int) -> int:
    """How many results the first stage fetches: the cell's candidates (at least k)."""
    if cell.rerank is None:
        return k_search
    return min(max(int(cell.rerank["candidates"]), k_search), n_docs)


def build_reranker(cell: Cell, ctx: CellInputs, ds: Dataset) -> tuple[Reranker, dict[str, Any]]:
    """The cell's re-ranker (untimed: vectors read or encoded, a model loaded) and the row
    columns it fixes (its memory)."""
    stage = cell.rerank or {}
    if stage.get("kind") == "cross":
        folder = locate_cross_encoder(str(stage["model"]["ref"]))
        if folder is None:
            raise ValueError(f"cross-encoder {stage['model']['ref']} is not on this machine")
        scorer = load_cross_encoder(folder, int(stage.get("batch_size", 32)))
        reranker: Reranker = CrossEncoderReranker(scorer, list(texts(ds, "query")),
                                                  list(texts(ds, "document")))
        return reranker, {"rerank_model_bytes": scorer.nbytes(), "rerank_bytes_per_doc": 0.0}
    second = replace(cell, model=dict(stage["model"]), rerank=None)
    vec = ctx.vectors(second, ds)
    metric = ctx.encoder(second).spec.default_metric
    bi = BiEncoderReranker(vec.queries, vec.docs, metric)
    return bi, {"rerank_bytes_per_doc": bi.bytes_per_doc()}


def rerank_columns(searcher: Any, cell: Cell, fixed: dict[str, Any]) -> dict[str, Any]:
    """A row's second-stage columns (none for a one-stage row)."""
    if not isinstance(searcher, RerankSearcher) or cell.rerank is None:
        return {}
    stats = latency_stats(np.asarray(searcher.stage_ns, dtype=np.int64))
    out = {"rerank": cell.rerank["label"], "rerank_candidates": int(cell.rerank["candidates"]),
           "rerank_ms_p50": stats.p50_ms if stats.n else None,
           "rerank_ms_p99": stats.p99_ms if stats.n else None}
    return {**out, **fixed}
