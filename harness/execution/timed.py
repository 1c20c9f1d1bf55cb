"""The timed part of a cell: the backend built with the suite's threads, then interleaved
single-thread passes per search setting, per-query latency, and batch throughput.

The runner owns timing; backends only build and search. Nothing but the search runs inside
a timed region (queries are sliced before it).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from harness.backends.base import Backend, IndexInput, IndexMemory, backend_class
from harness.embeddings.prepared import Prepared, backend_input
from harness.execution import drift
from harness.execution.lexical_leg import (
    HybridSearcher,
    LexicalBackend,
    LexicalLeg,
    leg_of,
    options_of,
)
from harness.execution.progress import BuildWatch
from harness.execution.searcher import Searcher
from harness.execution.timing import (
    PeakMemory,
    loaded,
    machine_load,
    per_query_ns,
    thread_limit,
    timed_pass,
)
from harness.plan.cell import Cell

log = logging.getLogger("harness")
BUILD_NOTE_S = 5.0  # builds at least this long are logged with their time


@dataclass
class CellIndex:
    """A built-to-be backend with its parameters and the searches of the cell's grid."""

    backend: Backend
    build: dict[str, Any]
    index_input: IndexInput
    queries: np.ndarray
    grid: list[dict[str, Any]]
    settings: list[dict[str, Any]]
    searchers: list[Searcher | HybridSearcher]  # hybrid settings fuse a lexical leg
    family: str = ""  # the backend's declared index family (graph, partition, ...)


@dataclass
class Timings:
    """What the timed part of a cell measured, per search setting index."""

    build_s: float = 0.0
    results: dict[int, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    qps: dict[int, list[float]] = field(default_factory=dict)
    lat: dict[int, list[np.ndarray]] = field(default_factory=dict)
    batch_qps: dict[int, list[float]] = field(default_factory=dict)
    index_bytes: int = 0
    memory: IndexMemory = field(default_factory=lambda: IndexMemory(float("nan")))
    peak_rss_mb: float | None = None
    # the 1-minute load average exceeded the cores when the cell's timing began or ended
    machine_loaded: bool = False
    # queries per timed pass (qps, batch_qps): exact search's speed depends on it (faiss takes
    # its BLAS path only above a batch threshold), so it is part of the measurement
    query_batch: int = 0
    # the drift probe's rates (passes/s) before the first repeat and after each (drift.py)
    probe: list[float] = field(default_factory=list)


@dataclass(frozen=True)
class Hybrid:
    """What hybrid settings need: built lexical legs and the query texts."""

    legs: dict[str, LexicalLeg]
    query_texts: np.ndarray


def index_for(cell: Cell, prep: Prepared, k_search: int, hybrid: Hybrid | None = None
              ) -> CellIndex:
    backend_cls = backend_class(cell.backend)
    caps = backend_cls.capabilities
    build = caps.with_defaults("build", cell.build)
    index_input, queries = backend_input(prep, caps.input == "raw")
    backend = backend_cls(index_input.metric, build, threads=cell.threads)
    grid = [dict(s) for s in cell.search_grid] or [{}]
    searchers: list[Searcher | HybridSearcher] = []
    for s in grid:
        dense = Searcher(backend, prep, queries, k_search, int(s.get("rescore", 0) or 0),
                         str(s.get("rescore_with") or "float32"))
        leg = leg_of(s, hybrid.legs) if hybrid else None
        searchers.append(HybridSearcher(dense, leg, hybrid.query_texts, s) if leg else dense)
    settings = [caps.with_defaults("search", s) for s in grid]
    return CellIndex(backend, build, index_input, queries, grid, settings, searchers,
                     caps.family)


def lexical_index_for(cell: Cell, prep: Prepared, k_search: int) -> CellIndex:
    """A lexical model's cell: its own index over the texts, one search setting."""
    backend = LexicalBackend(options_of(cell.model_ref.params))
    index_input = IndexInput(prep.docs, prep.metric, prep.precision)
    searcher = Searcher(backend, prep, prep.queries, k_search)
    return CellIndex(backend, dict(cell.model_ref.params), index_input, prep.queries, [{}],
                     [{}], [searcher], "lexical")


def measure(cell: Cell, ix: CellIndex, watch: BuildWatch | None = None) -> Timings:
    """Build, then interleaved timed passes per setting and per-query latency.

    Peak memory covers the build and the searches: the cell's own high-water mark. The build
    uses the suite's `threads`; qps and latency are always single-thread. (thread_limit blocks
    are sequential, not nested: each sets its own limit on entry.) `watch` wraps the build
    (the progress line of a long build).
    """
    t = _timings(ix)
    rows_of = [sr.rows() for sr in ix.searchers]  # sliced before any timing
    rng = np.random.default_rng(cell.seed)
    t.machine_loaded = loaded(machine_load())
    with PeakMemory() as mem:
        _build(cell, ix, t, watch)
        ix.backend.set_threads(1)
        with thread_limit(1):
            t.probe.append(drift.reading())
            for rep in range(cell.repeats):
                # Interleave settings (shuffled round-robin) so machine drift spreads evenly.
                for i in rng.permutation(len(ix.settings)):
                    _pass(cell, ix, t, i, first=rep == 0)
                    t.lat[i].append(per_query_ns(ix.searchers[i], rows_of[i]))
                t.probe.append(drift.reading())
        # `threads` > 1: a separate batch-throughput measurement with that many threads
        t.batch_qps = _batch_qps(cell, ix, rng, ix.backend.set_threads)
    t.machine_loaded = t.machine_loaded or loaded(machine_load())
    return _finish(ix, t, mem)


def single_pass(cell: Cell, ix: CellIndex) -> Timings:
    """Build, then one search pass per setting: the analysis's exact reference points, which
    need results, not speed (no latency loop, no batch throughput). They run in the driver:
    resetting its high-water mark there would hide the driver's own peak (the manifest's
    driver_peak_rss_mb), so memory is only read."""
    t = _timings(ix)
    with nullcontext(PeakMemory()) as mem:
        _build(cell, ix, t, None)
        ix.backend.set_threads(1)
        with thread_limit(1):
            for i in range(len(ix.settings)):
                _pass(cell, ix, t, i, first=True)
    return _finish(ix, t, mem)


def _timings(ix: CellIndex) -> Timings:
    n = len(ix.settings)
    return Timings(qps={i: [] for i in range(n)}, lat={i: [] for i in range(n)},
                   batch_qps={i: [] for i in range(n)}, query_batch=len(ix.queries))


def _build(cell: Cell, ix: CellIndex, t: Timings, watch: BuildWatch | None) -> None:
    what = f"building {cell.backend} over {len(ix.index_input.vectors):,} documents"
    with thread_limit(cell.threads), (watch(what) if watch else nullcontext()):
        t0 = time.perf_counter_ns()
        ix.backend.build(ix.index_input)
        t.build_s = (time.perf_counter_ns() - t0) / 1e9
    if t.build_s >= BUILD_NOTE_S:  # a build is one library call: say how long it took
        log.info("cell %s: %s index built in %.1f s", cell.cell_id, cell.backend, t.build_s)


def _pass(cell: Cell, ix: CellIndex, t: Timings, i: int, *, first: bool) -> None:
    """One timed pass of setting i over every query (its results kept from the first)."""
    ix.backend.prepare(ix.settings[i])
    search = ix.searchers[i]
    if first and cell.warmup:
        search(search.head(cell.warmup))
    seconds, out = timed_pass(search, search.whole())
    t.qps[i].append(len(ix.queries) / seconds if seconds > 0 else float("inf"))
    if first:
        t.results[i] = out


def _finish(ix: CellIndex, t: Timings, mem: PeakMemory) -> Timings:
    t.index_bytes = ix.backend.nbytes()
    t.memory = ix.backend.memory()
    t.peak_rss_mb = None if mem.peak_increase_bytes is None else mem.peak_increase_bytes / 2**20
    return t


def _batch_qps(cell: Cell, ix: CellIndex, rng: np.random.Generator,
               set_threads: Callable[[int], None]) -> dict[int, list[float]]:
    """Queries / wall time of full passes with `cell.threads` threads (interleaved repeats);
    empty lists when threads == 1. Single-thread qps and latency are measured before."""
    out: dict[int, list[float]] = {i: [] for i in range(len(ix.settings))}
    if cell.threads <= 1:
        return out
    set_threads(cell.threads)
    try:
        with thread_limit(cell.threads):
            for rep in range(cell.repeats):
                for i in rng.permutation(len(ix.settings)):
                    ix.backend.prepare(ix.settings[i])
                    search = ix.searchers[i]
                    if rep == 0 and cell.warmup:
                        search(search.head(cell.warmup))  # warms the thread pool too
                    seconds, _ = timed_pass(search, search.whole())
                    n = len(search.queries)
                    out[i].append(n / seconds if seconds > 0 else float("inf"))
    finally:
        set_threads(1)
    return out
