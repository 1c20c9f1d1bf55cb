"""The only module that sequences a cell's stages: data -> vectors -> index -> search -> metrics.

A failing cell is recorded with status 'error: ...' and the run goes on. Each finished cell
is on disk before the next starts.
"""

from __future__ import annotations

import json
import traceback
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import numpy as np

from harness.backends.base import HARNESS_SEARCH_PARAMS, LEXICAL_KEY, backend_class
from harness.datasets.base import Dataset
from harness.embeddings.prepared import Prepared
from harness.execution import drift, two_stage
from harness.execution.disk import disk_columns
from harness.execution.failed import error_rows
from harness.execution.filtered import FilterRun, filtered_searchers, recall_of_passing
from harness.execution.filtered_metrics import filtered_task_metrics
from harness.execution.lexical_leg import (
    HybridSearcher,
    build_legs,
    lexical_prepared,
    options_of,
    texts,
)
from harness.execution.load.stage import load_stage
from harness.execution.memory import memory_columns
from harness.execution.recall_eps import eps_recall_columns
from harness.execution.selfhits import drop_identical, search_k
from harness.execution.task_metrics import row_main_metric, task_metrics
from harness.execution.timed import (
    CellIndex,
    Hybrid,
    Timings,
    index_for,
    lexical_index_for,
    measure,
    single_pass,
)
from harness.execution.timing import UNSTABLE_SPREAD, spread
from harness.inputs.cell_inputs import CellInputs, Vectors, exact_top_k
from harness.metrics.knn import knn_recall, true_scores_of
from harness.metrics.latency import latency_stats
from harness.metrics.tails import tail_columns
from harness.plan.cell import Cell, size_label
from harness.plan.refs import is_lexical
from harness.store.perquery import PerQuery, SettingValues
from harness.store.row import ResultRow


@dataclass(frozen=True)
class _Inputs:
    """A cell's loaded inputs, shared by every setting's row."""

    cell: Cell
    ds: Dataset
    vec: Vectors
    prep: Prepared
    k: int
    truth: tuple[np.ndarray, np.ndarray] | None  # exact top-k (None: no recall asked)
    filt: FilterRun | None = None  # a filtered cell's filter (truth is then its pre search)
    rerank: dict[str, Any] | None = None  # a second stage's fixed columns (its memory)


#: work on the cell's prepared vectors after its timed part (the query difficulty of its
#: vector space, measured where the vectors already are)
AfterCell = Callable[[Prepared, Dataset], None]


def run_cell(cell: Cell, ctx: CellInputs, after: AfterCell | None = None
             ) -> tuple[list[ResultRow], PerQuery, list[dict]]:
    """Build once, measure each search setting (interleaved repeats), compute metrics; then
    `after` on the prepared vectors, and the load axis on the same index (load.csv)."""
    inputs, ix = _cell_inputs(cell, ctx, with_truth=True)
    rows, perquery = _rows(inputs, ix, measure(cell, ix, watch=ctx.build_progress))
    if after is not None and all(r.get("status") == "ok" for r in rows):
        after(inputs.prep, inputs.ds)
    return rows, perquery, load_stage(cell, ix, rows)


def reference_cell(cell: Cell, ctx: CellInputs) -> tuple[list[ResultRow], PerQuery]:
    """An exact reference point of the analysis: each setting searched once (its qps from that
    single pass), no per-query latency loop and no recall against exact search."""
    inputs, ix = _cell_inputs(cell, ctx, with_truth=False)
    return _rows(inputs, ix, single_pass(cell, ix))


def _cell_inputs(cell: Cell, ctx: CellInputs, *, with_truth: bool) -> tuple[_Inputs, CellIndex]:
    if cell.rerank is None:
        return _first_stage_inputs(cell, ctx, with_truth=with_truth)
    # two stages: the first fetches the candidates; no exact kNN of the first model's vectors
    inputs, ix = _first_stage_inputs(cell, ctx, with_truth=False)
    reranker, fixed = two_stage.build_reranker(cell, ctx, inputs.ds)
    k = search_k(cell, inputs.ds)
    ix.searchers = [two_stage.RerankSearcher(s, reranker, k) for s in ix.searchers]
    return replace(inputs, rerank=fixed), ix


def _first_stage_inputs(cell: Cell, ctx: CellInputs, *, with_truth: bool
                        ) -> tuple[_Inputs, CellIndex]:
    ds = ctx.dataset(cell)
    k_search = two_stage.first_depth(cell, search_k(cell, ds), ds.n_docs)
    k = min(cell.k, ds.n_docs)
    if is_lexical(cell.model_ref):
        prep = lexical_prepared(ds, cell.precision)
        vec = Vectors(prep.docs, prep.queries, None, None,
                      options_of(cell.model_ref.params).fingerprint())
        return _Inputs(cell, ds, vec, prep, k, None), lexical_index_for(cell, prep, k_search)
    vec = ctx.vectors(cell, ds)
    prep = _without_unread_raw(cell, ctx.prepared(cell, vec))
    filt = FilterRun(cell, *ctx.attributes(cell, ds), prep) if cell.filter else None
    truth = None
    if with_truth:
        t_ids, t_scores = filt.truth(k_search) if filt else exact_top_k(prep, k_search)
        truth = drop_identical(t_ids, t_scores, ds, k)
    ix = index_for(cell, prep, k_search, _hybrid(cell, ds))
    if filt:
        filtered_searchers(ix, filt, k_search)
    return _Inputs(cell, ds, vec, prep, k, truth, filt), ix


def _rows(inputs: _Inputs, ix: CellIndex, t: Timings) -> tuple[list[ResultRow], PerQuery]:
    rows: list[ResultRow] = []
    settings: list[SettingValues] = []
    evaluated_qids: list[str] = []
    for i in range(len(ix.settings)):
        row, values, evaluated_qids = _setting_row(inputs, ix, t, i)
        rows.append(row)
        settings.append(values)
    # Task-metric arrays follow `query_ids` (the evaluated queries); knn_recall, latency and
    # top_ids arrays follow `all_query_ids` (every query, in dataset order).
    perquery = PerQuery(np.array(evaluated_qids if rows else [], dtype=str),
                        np.asarray(inputs.ds.query_ids, dtype=str), tuple(settings))
    return rows, perquery


def _without_unread_raw(cell: Cell, prep: Prepared) -> Prepared:
    """A lossy precision's float32 vectors are kept only if something reads them (rescoring,
    a backend that quantizes natively); otherwise they are let go before the index is built,
    so a float16/int8 cell holds one copy of the corpus, not two."""
    if prep.raw_docs is prep.docs:
        return prep
    rescores = any(int(s.get("rescore", 0) or 0) >= 1 for s in cell.search_grid)
    if rescores or backend_class(cell.backend).capabilities.input == "raw":
        return prep
    return replace(prep, raw_docs=prep.docs, raw_queries=prep.queries)


def _hybrid(cell: Cell, ds: Dataset) -> Hybrid | None:
    """The lexical legs of the cell's hybrid settings, built before any timing."""
    grid = [dict(s) for s in cell.search_grid]
    if not any(LEXICAL_KEY in s for s in grid):
        return None
    return Hybrid(build_legs(grid, ds), texts(ds, "query"))


def _setting_row(inp: _Inputs, ix: CellIndex, t: Timings, i: int
                 ) -> tuple[ResultRow, SettingValues, list[str]]:
    """One result row (a search setting of the cell) and its per-query arrays."""
    params = {**ix.settings[i], **{k: v for k, v in ix.grid[i].items()
                                   if k in HARNESS_SEARCH_PARAMS or k == LEXICAL_KEY}}
    ids, scores = drop_identical(np.asarray(t.results[i][0]), np.asarray(t.results[i][1]),
                                 inp.ds, inp.k)
    if not np.isfinite(scores[ids >= 0]).all():  # NaN ranks arbitrarily: never an "ok" row
        raise ValueError(f"{inp.cell.backend} returned NaN or infinite scores (bad vectors?)")
    row = _row_base(inp, ix.build, params, t)
    row["setting"] = i
    row["family"] = ix.family
    evaluated_qids, per_q = (_filtered(inp, ids, scores, row) if inp.filt else
                             task_metrics(inp.cell, inp.ds, ids, scores))
    values: dict[str, np.ndarray] = {}
    for name, vals in per_q.items():
        row[name] = float(np.mean(vals)) if len(vals) else float("nan")
        values[name] = vals
    row["n_queries"] = len(evaluated_qids)
    row.update(_lexical_columns(ix, i, row))
    row.update(memory_columns(t.memory, two_stage.first_stage(ix.searchers[i]), inp.ds.n_docs))
    row.update(two_stage.rerank_columns(ix.searchers[i], inp.cell, inp.rerank or {}))
    row["bytes_per_doc"] += row.get("rerank_bytes_per_doc") or 0.0
    row.update(disk_columns(ix.backend, t.index_bytes, inp.ds.n_docs))
    if inp.truth is not None and LEXICAL_KEY not in ix.grid[i]:  # fused lists: no exact kNN
        true_ids, true_scores = inp.truth
        found_true = true_scores_of(ids, inp.prep.queries, inp.prep.docs, inp.prep.metric)
        ks = sorted({min(10, inp.k), inp.k})
        for kk in ks:
            rec = knn_recall(ids[:, :kk], true_ids[:, :kk], true_scores[:, :kk],
                             found_true[:, :kk], kk)
            rec = recall_of_passing(rec, true_ids, kk) if inp.filt else rec
            row[f"knn_recall@{kk}"] = float(np.mean(rec))
            values[f"knn_recall@{kk}"] = rec
        eps = eps_recall_columns(ids, true_scores, found_true, ks, inp.prep.metric)
        row.update({name: float(np.mean(v)) for name, v in eps.items()})
        values.update(eps)
    row.update(tail_columns(values, row["main_metric"], inp.k))
    row.update(_speed_columns(t, i))
    if t.lat[i]:
        values["latency_ms"] = np.median(np.stack(t.lat[i]), axis=0) / 1e6
    # every query's ranked results, for drill-downs and exported runs (TREC, MTEB)
    doc_ids = np.asarray(inp.ds.doc_ids, dtype=str)
    top_ids = np.where(ids >= 0, doc_ids[np.maximum(ids, 0)], "")
    top_scores = np.where(ids >= 0, scores, np.nan).astype(np.float32)
    return row, SettingValues(values, top_ids, top_scores), evaluated_qids


def _lexical_columns(ix: CellIndex, i: int, row: ResultRow) -> dict[str, Any]:
    """A lexical cell has no vectors (no dim); a hybrid row's lexical leg adds its build time
    and size (memory_columns adds it to bytes_per_doc)."""
    if ix.family == "lexical":
        return {"dim": None}
    searcher = two_stage.first_stage(ix.searchers[i])
    if not isinstance(searcher, HybridSearcher):
        return {}
    leg = searcher.leg
    return {"lexical_build_s": leg.build_s, "lexical_bytes": leg.nbytes,
            "index_bytes": row["index_bytes"] + leg.nbytes}


def _speed_columns(t: Timings, i: int) -> dict[str, Any]:
    all_lat = np.concatenate(t.lat[i]) if t.lat[i] else np.empty(0, dtype=np.int64)
    stats = latency_stats(all_lat)
    runs = sorted(t.qps[i])
    ratio = spread(runs)
    probe = drift.summary(t.probe)
    drifted = bool(probe["probe_spread"] and probe["probe_spread"] > UNSTABLE_SPREAD)
    return {
        "qps": float(np.median(runs)),
        "qps_min": runs[0],
        "qps_max": runs[-1],
        "qps_spread": ratio,
        "timing_unstable": t.machine_loaded or drifted or (ratio and ratio > UNSTABLE_SPREAD),
        "machine_loaded": t.machine_loaded, "query_batch": t.query_batch,
        **probe,
        "batch_qps": float(np.median(t.batch_qps[i])) if t.batch_qps[i] else None,
        "latency_p50_ms": stats.p50_ms,
        "latency_p95_ms": stats.p95_ms,
        "latency_p99_ms": stats.p99_ms,
        "latency_mean_ms": stats.mean_ms,
        "status": "ok",
        "finished_at": datetime.now(UTC).isoformat(),
    }


def _filtered(inp: _Inputs, ids: np.ndarray, scores: np.ndarray, row: ResultRow):
    """A filtered row's task metrics (restricted to passing documents) and filter columns."""
    assert inp.filt is not None
    qids, per_q, without = filtered_task_metrics(inp.cell, inp.ds, ids, scores,
                                                 inp.filt.allowed_of)
    row.update(inp.filt.columns(ids, inp.k, inp.filt.unfiltered_ids()),
               queries_without_passing_relevant=without)
    return qids, per_q


def _row_base(inp: _Inputs, build: dict[str, Any], params: dict[str, Any],
              t: Timings) -> ResultRow:
    cell, ds, vec, prep = inp.cell, inp.ds, inp.vec, inp.prep
    return ResultRow({
        "cell_id": cell.cell_id,
        "dataset": cell.dataset_ref.label,
        "model": cell.model_ref.label,
        "dim": prep.dim,
        "dim_method": prep.dim_method,
        "precision": cell.precision,
        "metric": cell.metric,
        "backend": cell.backend,
        "build_params": json.dumps(build, sort_keys=True),
        "search_params": json.dumps(params, sort_keys=True),
        "n_docs": ds.n_docs,
        "corpus_size": size_label(cell),
        "k": inp.k,
        "main_metric": row_main_metric(cell, ds),
        **vec.columns(),
        "build_s": t.build_s,
        "index_bytes": t.index_bytes,
        "code_bytes_per_vector": prep.bytes_per_vector,
        "peak_rss_mb": t.peak_rss_mb,
        "dataset_fingerprint": ds.fingerprint[:16],
        "model_fingerprint": vec.model_fingerprint[:16],
    })


def safe_run_cell(cell: Cell, ctx: CellInputs, on_error: Callable[[str], None],
                  after: AfterCell | None = None
                  ) -> tuple[list[ResultRow], PerQuery | None, list[dict]]:
    try:
        return run_cell(cell, ctx, after)
    except (KeyboardInterrupt, SystemExit):
        raise
    except Exception as exc:
        on_error(traceback.format_exc())
        return error_rows(cell, exc), None, []
