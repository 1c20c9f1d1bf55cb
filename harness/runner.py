"""The only module that sequences a cell's stages: data -> vectors -> index -> search -> metrics.

A failing cell is recorded with status 'error: ...' and the run goes on. Each finished cell
is on disk before the next starts.
"""

from __future__ import annotations

import json
import logging
import os
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np

from harness.backends.base import HARNESS_SEARCH_PARAMS, IndexInput
from harness.cache import EmbeddingCache
from harness.datasets.base import Dataset, fingerprint_texts
from harness.encoders.base import Encoder
from harness.measure import PeakMemory, per_query_ns, thread_limit, timed_pass
from harness.metrics.ir import qrels_evaluate
from harness.metrics.knn import knn_recall, true_scores_of
from harness.metrics.latency import latency_stats
from harness.perquery import PerQuery
from harness.plan import Cell
from harness.registry import BACKENDS
from harness.resolve import build_encoder, load_dataset
from harness.search import Searcher
from harness.suite import dim_size
from harness.transforms import Prepared, prepare

log = logging.getLogger("harness")


@dataclass
class Vectors:
    docs: np.ndarray
    queries: np.ndarray
    encode_s: float | None  # documents' encoding time (None: cache hit or given vectors)
    encode_docs_per_s: float | None
    model_fingerprint: str
    matryoshka_dims: tuple[int, ...] = ()  # dims the model was trained to be truncated to


@dataclass
class RunContext:
    """What cells of one run share: loaded data, encodings, prepared vectors, ground truth.

    Owned by one run; each memo is keyed by everything that determines its value.
    """

    cache: EmbeddingCache
    encode_calls: int = 0
    _datasets: dict[str, Dataset] = field(default_factory=dict)
    _encoders: dict[str, Encoder] = field(default_factory=dict)
    _vectors: dict[tuple, Vectors] = field(default_factory=dict)
    _prepared: dict[tuple, Prepared] = field(default_factory=dict)
    _truth: dict[tuple, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)

    def dataset(self, cell: Cell) -> Dataset:
        key = json.dumps([cell.dataset, cell.seed], sort_keys=True)
        if key not in self._datasets:
            log.info("loading dataset %s", cell.dataset_ref.label)
            self._datasets[key] = load_dataset(cell.dataset_ref, seed=cell.seed)
        return self._datasets[key]

    def encoder(self, cell: Cell) -> Encoder:
        key = json.dumps(cell.model, sort_keys=True)
        if key not in self._encoders:
            self._encoders[key] = build_encoder(cell.model_ref)
        return self._encoders[key]

    def vectors(self, cell: Cell, ds: Dataset) -> Vectors:
        key = (json.dumps(cell.model, sort_keys=True), ds.fingerprint)
        if key in self._vectors:
            return self._vectors[key]
        from harness.resolve import model_modality

        own = model_modality(cell.model_ref) == "vectors"
        if own != (not ds.is_text):  # the plan skips these cells; never mix them silently
            what = "holds text" if own else "holds vectors"
            raise ValueError(
                f"dataset {ds.name} {what}: model {cell.model_ref.label} does not apply to it"
            )
        if not ds.is_text:
            v = Vectors(ds.doc_vectors, ds.query_vectors, None, None, f"vectors:{ds.fingerprint}")
        else:
            enc = self.encoder(cell)
            spec = enc.spec
            if hasattr(enc, "vectors_for"):  # precomputed: looked up by id, nothing to encode
                d_vec = enc.vectors_for(ds.doc_ids, "document")
                q_vec = enc.vectors_for(ds.query_ids, "query")
                v = Vectors(d_vec, q_vec, None, None, spec.fingerprint, spec.matryoshka_dims)
                self._vectors[key] = v
                return v
            bs = cell.model_ref.batch_size
            fp_docs = fingerprint_texts(ds.doc_ids, ds.docs)
            fp_queries = fingerprint_texts(ds.query_ids, ds.queries)
            d = self._encode(enc, ds.docs, "document", fp_docs, bs, ds)
            q = self._encode(enc, ds.queries, "query", fp_queries, bs, ds)
            v = Vectors(
                d.vectors,
                q.vectors,
                d.seconds or None,
                d.per_second,
                spec.fingerprint,
                spec.matryoshka_dims,
            )
        self._vectors[key] = v
        return v

    def _encode(self, enc: Encoder, texts, role, fp, bs, ds):
        key = self.cache.key(enc, role, fp)
        path = self.cache.root / key[:2] / f"{key}.npy"
        if not path.is_file():
            log.info("encoding %d %s texts of %s with %s", len(texts), role, ds.name, enc.spec.name)
        out = self.cache.encode(enc, texts, role=role, texts_fingerprint=fp, batch_size=bs)
        if out.cache_hit:
            log.info(
                "cache hit: %s texts of %s with %s (nothing encoded)", role, ds.name, enc.spec.name
            )
        else:
            self.encode_calls += 1
            log.info(
                "encoded %d %s texts in %.1f s (%.0f/s)",
                len(texts),
                role,
                out.seconds,
                out.per_second or 0,
            )
        return out

    def prepared(self, cell: Cell, ds: Dataset, vec: Vectors) -> Prepared:
        key = (
            json.dumps(cell.model, sort_keys=True),
            ds.fingerprint,
            cell.dim,
            cell.metric,
            cell.precision,
        )
        if key not in self._prepared:
            self._prepared[key] = prepare(
                vec.docs,
                vec.queries,
                dim=cell.dim,
                metric=cell.metric,
                precision=cell.precision,
                matryoshka_dims=vec.matryoshka_dims,
                seed=cell.seed,
            )
        return self._prepared[key]

    def truth(
        self, cell: Cell, ds: Dataset, prep: Prepared, k: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """Exact top-k on the same transformed vectors and distance (computed once)."""
        key = (
            json.dumps(cell.model, sort_keys=True),
            ds.fingerprint,
            cell.dim,
            cell.metric,
            cell.precision,
            k,
        )
        if key not in self._truth:
            exact = BACKENDS.get("exact").load()(prep.metric, {}, threads=os.cpu_count() or 1)
            exact.build(IndexInput(prep.docs, prep.metric, prep.precision))
            self._truth[key] = exact.search(prep.queries, k)
        return self._truth[key]


def _search_k(cell: Cell, ds: Dataset) -> int:
    # One extra result when self-hits are dropped, so k results remain.
    return min(cell.k + (1 if ds.ignore_identical_ids else 0), ds.n_docs)


def drop_identical(ids: np.ndarray, scores: np.ndarray, ds: Dataset, k: int):
    """BEIR's self-retrieval rule, on copies: remove a hit whose doc id equals the query id."""
    if not ds.ignore_identical_ids:
        return ids[:, :k], scores[:, :k]
    out_i = np.full((len(ids), k), -1, dtype=np.int64)
    out_s = np.full((len(ids), k), -np.inf, dtype=np.float32)
    doc_ids = ds.doc_ids
    for r, qid in enumerate(ds.query_ids):
        keep = [j for j, i in enumerate(ids[r]) if i < 0 or doc_ids[i] != qid][:k]
        out_i[r, : len(keep)] = ids[r, keep]
        out_s[r, : len(keep)] = scores[r, keep]
    return out_i, out_s


def run_cell(
    cell: Cell, ctx: RunContext, *, timing: bool = True
) -> tuple[list[dict[str, Any]], PerQuery]:
    """Build once, measure each search setting (interleaved repeats), compute metrics.

    timing=False (reference points of the analysis) searches each setting once and skips the
    per-query latency loop and the recall against exact search; qps then comes from that
    single pass.
    """
    ds = ctx.dataset(cell)
    vec = ctx.vectors(cell, ds)
    prep = ctx.prepared(cell, ds, vec)
    k_search = _search_k(cell, ds)
    k = min(cell.k, ds.n_docs)
    if timing:  # reference points (timing=False) need no recall against exact search
        t_ids, t_scores = ctx.truth(cell, ds, prep, k_search)
        true_ids, true_scores = drop_identical(t_ids, t_scores, ds, k)

    backend_cls = BACKENDS.get(cell.backend).load()
    caps = backend_cls.capabilities
    build = caps.with_defaults("build", cell.build)
    native = caps.input == "raw"
    backend = backend_cls(prep.raw_metric if native else prep.metric, build, threads=cell.threads)
    index_input = IndexInput(
        prep.raw_docs if native else prep.docs,
        prep.raw_metric if native else prep.metric,
        prep.precision,
        raw=prep.raw_docs,
        raw_metric=prep.raw_metric,
    )
    queries = prep.raw_queries if native else prep.queries

    grid = [dict(s) for s in cell.search_grid] or [{}]
    settings = [caps.with_defaults("search", s) for s in grid]
    searchers = [
        Searcher(
            backend,
            prep,
            queries,
            k_search,
            int(s.get("rescore", 0) or 0),
            str(s.get("rescore_with") or "float32"),
        )
        for s in grid
    ]
    rows_of = [sr.rows() for sr in searchers]  # sliced before any timing
    rng = np.random.default_rng(cell.seed)
    results: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    qps: dict[int, list[float]] = {i: [] for i in range(len(settings))}
    lat: dict[int, list[np.ndarray]] = {i: [] for i in range(len(settings))}
    set_threads = getattr(backend, "set_threads", None) or (lambda n: None)
    # Peak memory covers the build and the searches: the cell's own high-water mark.
    # The build uses the suite's `threads`; qps and latency are always single-thread.
    # (thread_limit blocks are sequential, not nested: each sets its own limit on entry.)
    with PeakMemory() as mem:
        with thread_limit(cell.threads):
            t0 = time.perf_counter_ns()
            backend.build(index_input)
            build_s = (time.perf_counter_ns() - t0) / 1e9
        set_threads(1)
        with thread_limit(1):
            for rep in range(cell.repeats if timing else 1):
                # Interleave settings (shuffled round-robin) so machine drift spreads evenly.
                for i in rng.permutation(len(settings)):
                    backend.prepare(settings[i])
                    search = searchers[i]
                    if rep == 0 and cell.warmup:
                        search(search.head(cell.warmup))
                    seconds, out = timed_pass(search, search.whole())
                    qps[i].append(len(queries) / seconds if seconds > 0 else float("inf"))
                    if timing:
                        lat[i].append(per_query_ns(search, rows_of[i]))
                    if rep == 0:
                        results[i] = out
        # `threads` > 1: a separate batch-throughput measurement with that many threads
        batch_qps = (
            _batch_qps(cell, backend, settings, searchers, rng, set_threads)
            if timing
            else {i: [] for i in range(len(settings))}
        )
    index_bytes = backend.nbytes()

    rows: list[dict[str, Any]] = []
    perquery: dict[str, np.ndarray] = {}
    for i, params in enumerate(settings):
        params = {**params, **{k: v for k, v in grid[i].items() if k in HARNESS_SEARCH_PARAMS}}
        ids, scores = drop_identical(np.asarray(results[i][0]), np.asarray(results[i][1]), ds, k)
        row = _row_base(cell, ds, vec, prep, k, build, params, build_s, index_bytes, mem)
        row["setting"] = i
        metric_values = _task_metrics(cell, ds, ids, scores)
        evaluated_qids, per_q = metric_values
        for name, values in per_q.items():
            row[name] = float(np.mean(values)) if len(values) else float("nan")
            perquery[f"s{i}:{name}"] = values
        row["n_queries"] = len(evaluated_qids)
        found_true = true_scores_of(ids, prep.queries, prep.docs, prep.metric) if timing else None
        for kk in sorted({min(10, k), k}) if timing else ():
            rec = knn_recall(
                ids[:, :kk], true_ids[:, :kk], true_scores[:, :kk], found_true[:, :kk], kk
            )
            row[f"knn_recall@{kk}"] = float(np.mean(rec))
            perquery[f"s{i}:knn_recall@{kk}"] = rec
        all_lat = np.concatenate(lat[i]) if lat[i] else np.empty(0, dtype=np.int64)
        stats = latency_stats(all_lat)
        runs = sorted(qps[i])
        row.update(
            qps=float(np.median(runs)),
            qps_min=runs[0],
            qps_max=runs[-1],
            batch_qps=float(np.median(batch_qps[i])) if batch_qps[i] else None,
            latency_p50_ms=stats.p50_ms,
            latency_p95_ms=stats.p95_ms,
            latency_p99_ms=stats.p99_ms,
            latency_mean_ms=stats.mean_ms,
            status="ok",
            finished_at=datetime.now(UTC).isoformat(),
        )
        if lat[i]:
            perquery[f"s{i}:latency_ms"] = np.median(np.stack(lat[i]), axis=0) / 1e6
        # the first results of every query, for drill-downs (which documents were missed)
        top = ids[:, : min(10, k)]
        doc_ids = np.asarray(ds.doc_ids, dtype=str)
        perquery[f"s{i}:top_ids"] = np.where(top >= 0, doc_ids[np.maximum(top, 0)], "")
        rows.append(row)
    # Task-metric arrays follow `query_ids` (the evaluated queries); knn_recall, latency and
    # top_ids arrays follow `all_query_ids` (every query, in dataset order).
    perquery["query_ids"] = np.array(evaluated_qids if rows else [], dtype=str)
    perquery["all_query_ids"] = np.asarray(ds.query_ids, dtype=str)
    return rows, PerQuery.from_arrays(perquery)


def _batch_qps(cell, backend, settings, searchers, rng, set_threads) -> dict[int, list[float]]:
    """Queries / wall time of full passes with `cell.threads` threads (interleaved repeats);
    empty lists when threads == 1. Single-thread qps and latency are measured before."""
    out: dict[int, list[float]] = {i: [] for i in range(len(settings))}
    if cell.threads <= 1:
        return out
    set_threads(cell.threads)
    try:
        with thread_limit(cell.threads):
            for rep in range(cell.repeats):
                for i in rng.permutation(len(settings)):
                    backend.prepare(settings[i])
                    search = searchers[i]
                    if rep == 0 and cell.warmup:
                        search(search.head(cell.warmup))  # warms the thread pool too
                    seconds, _ = timed_pass(search, search.whole())
                    n = len(search.queries)
                    out[i].append(n / seconds if seconds > 0 else float("inf"))
    finally:
        set_threads(1)
    return out


def _task_metrics(cell: Cell, ds: Dataset, ids: np.ndarray, scores: np.ndarray):
    """Each name in `evaluate` that this dataset can compute; NaN for the others.

    qrels metrics need judgments, label metrics need labels. The evaluated queries are those
    every computable family can score: a positive judgment (qrels) and a label that occurs in
    the corpus (labels); one set, so per-query arrays line up with `query_ids`.
    """
    from harness.metrics.ir import parse_metric
    from harness.metrics.labels import evaluable, label_evaluate

    names = list(cell.evaluate)
    kinds = {n: parse_metric(n).kind for n in names}
    wanted = {kinds[n] for n in names} & set(ds.metric_kinds)
    keep = np.ones(ds.n_queries, dtype=bool)
    if "qrels" in wanted:
        keep &= [any(v > 0 for v in ds.qrels.get(q, {}).values()) for q in ds.query_ids]
    if "labels" in wanted:
        keep &= evaluable(ds.doc_labels, ds.query_labels)
    rows = np.flatnonzero(keep)
    qids = [ds.query_ids[i] for i in rows]
    out = {n: np.full(len(rows), np.nan) for n in names}
    if "qrels" in wanted:
        q_names = [n for n in names if kinds[n] == "qrels"]
        got, values = qrels_evaluate(ids[rows], scores[rows], ds.doc_ids, qids, ds.qrels, q_names)
        assert got == qids
        out.update(values)
    if "labels" in wanted:
        l_names = [n for n in names if kinds[n] == "labels"]
        labels = [ds.query_labels[i] for i in rows]
        out.update(label_evaluate(ids[rows], ds.doc_labels, labels, l_names))
    return qids, out


def _row_base(cell, ds, vec, prep, k, build, params, build_s, index_bytes, mem):
    return {
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
        "k": k,
        "encode_docs_per_s": vec.encode_docs_per_s,
        "build_s": build_s,
        "index_bytes": index_bytes,
        "bytes_per_vector": prep.bytes_per_vector,
        "peak_rss_mb": None if mem.peak_increase_bytes is None else mem.peak_increase_bytes / 2**20,
        "dataset_fingerprint": ds.fingerprint[:16],
        "model_fingerprint": vec.model_fingerprint[:16],
    }


def error_rows(cell: Cell, exc: BaseException) -> list[dict[str, Any]]:
    """The row recorded for a failed cell: its axes and the error, so the run can go on."""
    message = f"{type(exc).__name__}: {exc}".replace("\n", " ")[:500]
    return [
        {
            "cell_id": cell.cell_id,
            "dataset": cell.dataset_ref.label,
            "model": cell.model_ref.label,
            "dim": dim_size(cell.dim),
            "precision": cell.precision,
            "metric": cell.metric,
            "backend": cell.backend,
            "build_params": json.dumps(cell.build, sort_keys=True),
            "search_params": None,
            "status": f"error: {message}",
            "finished_at": datetime.now(UTC).isoformat(),
        }
    ]


def safe_run_cell(cell: Cell, ctx: RunContext, on_error: Callable[[str], None]):
    try:
        return run_cell(cell, ctx)
    except (KeyboardInterrupt, SystemExit):
        raise
    except Exception as exc:
        on_error(traceback.format_exc())
        return error_rows(cell, exc), None
