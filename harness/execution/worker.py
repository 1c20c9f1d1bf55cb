"""What runs where a cell runs (a worker process or a Ray task): one cell from its plain
description, in a fresh context, returned to the driver as plain values.

Plugins registered outside the harness (a test backend, a user's own) reach workers through
HARNESS_PLUGINS: a comma-separated list of modules each worker imports before its cell.
"""

from __future__ import annotations

import importlib
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.datasets.base import Dataset
from harness.embeddings.cache import EmbeddingCache
from harness.embeddings.prepared import Prepared
from harness.execution import difficulty_search
from harness.execution.progress import EncodeBars, build_tickers
from harness.execution.runner import safe_run_cell
from harness.execution.timing import process_peak_mb
from harness.inputs.cell_inputs import CellInputs
from harness.metrics.query_difficulty import QueryDifficulty
from harness.plan.cell import Cell
from harness.store.perquery import PerQuery

log = logging.getLogger("harness")
PLUGINS_ENV = "HARNESS_PLUGINS"


@dataclass(frozen=True)
class Job:
    """Everything a worker needs: the cell, where the embedding cache is, where to log."""

    cell: Cell
    cache_dir: str
    log_path: str | None = None
    plugins: tuple[str, ...] = ()
    progress: bool = False  # draw encoding progress on this process's stderr
    # measure the query difficulty of the cell's vector space after its timed part (the
    # first cell of each space: references.DifficultyClaims)
    difficulty: bool = False


@dataclass
class CellResult:
    rows: list[dict[str, Any]]
    perquery: PerQuery | None
    encode_calls: int = 0
    stats: dict[str, Any] = field(default_factory=dict)
    load: list[dict[str, Any]] = field(default_factory=list)  # the load axis's records
    difficulty: QueryDifficulty | None = None  # of the cell's vector space, when asked


def plugins_from_env() -> tuple[str, ...]:
    return tuple(m.strip() for m in os.environ.get(PLUGINS_ENV, "").split(",") if m.strip())


def import_plugins(modules: tuple[str, ...]) -> None:
    for name in modules:
        importlib.import_module(name)


def run_job(job: Job) -> CellResult:
    """Run one cell in this process (a fresh context: nothing outlives the cell)."""
    import_plugins(job.plugins)
    handler = _log_to(job.log_path)
    try:
        # the worker's stderr is the driver's terminal: its bar goes below the cell bar
        bars = EncodeBars(position=1, echo_plain=True) if job.progress else None
        ctx = CellInputs(cache=EmbeddingCache(Path(job.cache_dir), on_progress=bars),
                         build_progress=build_tickers(position=1, echo_plain=True)
                         if job.progress else None)
        log.info("worker %d runs cell %s", os.getpid(), job.cell.cell_id)
        measured = DifficultyOf(job.cell) if job.difficulty else None
        rows, perq, load = safe_run_cell(job.cell, ctx,
                                         on_error=lambda tb: log.error("%s", tb),
                                         after=measured)
        # the whole worker's high-water mark: data, vectors, ground truth, index and searches
        return CellResult(rows, perq, ctx.encode_calls,
                          {"worker_peak_rss_mb": process_peak_mb(os.getpid())}, load,
                          measured.value if measured else None)
    finally:
        if handler is not None:
            log.removeHandler(handler)
            handler.close()


class DifficultyOf:
    """The query difficulty of a cell's vector space, measured on its prepared vectors."""

    def __init__(self, cell: Cell) -> None:
        self.cell = cell
        self.value: QueryDifficulty | None = None

    def __call__(self, prep: Prepared, ds: Dataset) -> None:
        self.value = difficulty_search.measure(prep, ds, self.cell.k, self.cell.seed)


def _log_to(path: str | None) -> logging.Handler | None:
    """Append the worker's log lines to the run's log file (the driver echoes the terminal)."""
    if not path:
        return None
    log.setLevel(logging.INFO)
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    log.addHandler(handler)
    return handler
