"""The load stage of a cell: after its normal measurement, on the same built index.

Which setting: `at: best` measures the search setting with the highest main metric (ties:
the faster one), the one a service would deploy; `at: each` measures every setting. Per
setting, in order: the closed-loop curve (each client count), the open loop at each rate
(a fraction of the closed loop's highest qps, dealt to max(clients) workers), the batch-size
curve (single thread, where the backend has a batch call), and max_qps_at_p99_ms for each
SLO (read from the open-loop points when there are any: they include queueing; else from
the closed loop). Clients are threads or processes as the backend declares (Concurrency),
or as the suite's `clients_as` asks for every backend.
"""

from __future__ import annotations

import logging
import math
from typing import Any

from harness.backends.base import Concurrency, SharedIndex
from harness.execution.lexical_leg import HybridSearcher
from harness.execution.load.batches import batch_points
from harness.execution.load.loop import deal, poisson_schedule
from harness.execution.load.points import PointFigures, max_qps_at
from harness.execution.load.procs import (
    SavedIndex,
    closed_procs,
    open_procs,
    save_index,
    scratch,
)
from harness.execution.load.threads import closed_threads, open_threads
from harness.execution.searcher import Searcher
from harness.execution.timed import CellIndex
from harness.execution.timing import loaded, machine_load, thread_limit
from harness.metrics.columns import main_metric
from harness.plan.cell import Cell
from harness.plan.load_checks import cores
from harness.registry import BACKENDS
from harness.store.row import ResultRow

log = logging.getLogger("harness")


def chosen(rows: list[ResultRow], at: str, metric: str) -> list[int]:
    """The settings the load axis measures (see the module docstring)."""
    if at == "each":
        return list(range(len(rows)))

    def key(i: int) -> tuple[float, float]:
        q, s = rows[i].get(metric), rows[i].get("qps")
        q = -math.inf if q is None or q != q else float(q)
        return q, -math.inf if s is None or s != s else float(s)

    return [max(range(len(rows)), key=key)] if rows else []


def load_stage(cell: Cell, ix: CellIndex, rows: list[ResultRow]) -> list[dict[str, Any]]:
    """The cell's load records (load.csv rows); rows of measured settings get load_qps."""
    if cell.load is None or ix.family == "lexical":
        return []
    conc = BACKENDS.get(cell.backend).load().concurrency
    out: list[dict[str, Any]] = []
    with scratch() as folder, thread_limit(1):
        ix.backend.set_threads(1)
        saved: SavedIndex | None = None
        for i in chosen(rows, cell.load["at"], main_metric(cell.evaluate)):
            searcher = ix.searchers[i]
            if isinstance(searcher, HybridSearcher):
                log.info("cell %s: setting %d is hybrid: no load points", cell.cell_id, i)
                continue
            as_, note = _mode(conc, cell.load.get("clients_as", "declared"), ix, searcher)
            if as_ == "processes" and saved is None:
                saved = save_index(ix.backend, ix.queries, ix.index_input.metric, ix.build,
                                   searcher.k, folder)
            recs = _setting(cell, ix, i, (as_, note, saved))
            out += recs
            _mark(rows[i], [r for r in recs if r["kind"] == "closed"])
    return out


def _mode(conc: Concurrency, asked: str, ix: CellIndex, searcher: Searcher
          ) -> tuple[str, str]:
    """threads or processes (as the backend declares, or as the suite's clients_as asks)."""
    if asked == "threads" or (asked == "declared" and conc.mode == "threads"):
        return "threads", ""
    if conc.unshared:
        return "threads", f"process mode skipped: {conc.unshared}"
    if not isinstance(ix.backend, SharedIndex):
        return "threads", "process mode skipped: the backend has no saved form (SharedIndex)"
    if searcher.rescore >= 1:
        return "threads", "process mode skipped: rescoring runs in the harness, not the index"
    return "processes", ""


def _setting(cell: Cell, ix: CellIndex, i: int, how: tuple[str, str, SavedIndex | None]
             ) -> list[dict[str, Any]]:
    as_, note, saved = how
    spec, n_cores = cell.load or {}, cores()
    searcher = ix.searchers[i]
    ix.backend.prepare(ix.settings[i])
    n_rows = len(searcher.queries)
    settings = dict(ix.settings[i])
    base = {"cell_id": cell.cell_id, "setting": i, "clients_as": as_, "cores": n_cores,
            "note": note}
    busy = loaded(machine_load())
    seconds = float(spec["seconds"])

    search = searcher.row_search()
    recs = []
    for n in spec["clients"]:
        fig = (closed_procs(saved, settings, n_rows, n, seconds, n_cores) if saved
               and as_ == "processes" else
               closed_threads(search, n_rows, n, seconds, n_cores))
        recs.append(_rec(base, "closed", fig, clients=n))
    top = max((r["qps"] for r in recs if r["qps"] == r["qps"]), default=float("nan"))
    workers = max(spec["clients"])
    for k, rate in enumerate(spec["rates"] if top == top else []):
        dealt = deal(poisson_schedule(rate * top, seconds, cell.seed + k), workers)
        fig = (open_procs(saved, settings, dealt, n_cores) if saved and as_ == "processes"
               else open_threads(search, n_rows, dealt, n_cores))
        recs.append(_rec(base, "open", fig, clients=workers, offered_qps=rate * top,
                         rate=rate))
    if spec["batch_sizes"] and BACKENDS.get(cell.backend).load().concurrency.batch:
        for size, fig in batch_points(searcher, spec["batch_sizes"], seconds, n_cores):
            recs.append(_rec({**base, "clients_as": "batch"}, "batch", fig, clients=1,
                             batch_size=size))
    recs += _slos(base, recs, spec["slo_p99_ms"])
    busy = busy or loaded(machine_load())
    return [{**r, "machine_loaded": busy} for r in recs]


def _rec(base: dict[str, Any], kind: str, fig: PointFigures, **more: Any) -> dict[str, Any]:
    return {**base, "kind": kind, **more, **fig.record()}


def _slos(base: dict[str, Any], recs: list[dict[str, Any]], slos: list[float]
          ) -> list[dict[str, Any]]:
    opened = [r for r in recs if r["kind"] == "open"]
    source = opened or [r for r in recs if r["kind"] == "closed"]
    return [{**base, "kind": "slo", "slo_p99_ms": s, "slo_from": "open" if opened else "closed",
             "max_qps_at_p99_ms": max_qps_at(source, s)} for s in slos]


def _mark(row: ResultRow, closed: list[dict[str, Any]]) -> None:
    """The setting's saturated qps (the closed loop's highest), for the $ per query."""
    good = [r for r in closed if r["qps"] == r["qps"]]
    if not good:
        return
    best = max(good, key=lambda r: r["qps"])
    row["load_qps"] = float(best["qps"])
    row["load_clients"] = int(best["clients"])
    row["load_cores"] = int(best["cores"])


