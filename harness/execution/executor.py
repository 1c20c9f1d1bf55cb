"""The one cell loop: resume, --only, logging, the manifest and per-cell store writes.

An Executor decides where a cell runs; `run_plan` is the same for every executor, and the
driver (this process) alone writes the store.
"""

from __future__ import annotations

import difflib
import fnmatch
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

import pandas as pd
from tqdm import tqdm

from harness.cell import Cell, Plan
from harness.errors import UserError
from harness.execution.context import RunContext
from harness.execution.runner import safe_run_cell
from harness.execution.worker import CellResult
from harness.store import RunStore
from harness.suite import LoadedSuite

log = logging.getLogger("harness")

OnResult = Callable[[Cell, CellResult], None]


class Executor(Protocol):
    def run(self, cells: Sequence[Cell], on_result: OnResult) -> None:
        """Run every cell and hand each result to `on_result` (in the driver process)."""
        ...


class InlineExecutor:
    """Cells one after another in this process, sharing one RunContext."""

    def __init__(self, ctx: RunContext) -> None:
        self.ctx = ctx

    def run(self, cells: Sequence[Cell], on_result: OnResult) -> None:
        for cell in cells:
            log.info("cell %s: %s", cell.cell_id, cell.label)
            calls = self.ctx.encode_calls
            rows, perq = safe_run_cell(cell, self.ctx, on_error=lambda tb: log.error("%s", tb))
            on_result(cell, CellResult(rows, perq, self.ctx.encode_calls - calls))


@dataclass(frozen=True)
class RunOutcome:
    run_dir: Path
    frame: pd.DataFrame
    n_ran: int
    n_failed: int
    n_resumed: int
    encode_calls: int
    suite: LoadedSuite | None = None


def run_id(loaded: LoadedSuite) -> str:
    """Deterministic from the suite's content, so re-running the same suite resumes it."""
    return f"{loaded.suite.name}-{loaded.sha256[:8]}"


def select(cells: Iterable[Cell], pattern: str | None) -> list[Cell]:
    """--only: a glob over the cell label, a substring of it, or a cell id prefix. A pattern
    matching nothing is a user error naming the closest labels (not a run of nothing)."""
    cells = list(cells)
    if not pattern:
        return cells
    picked = [
        c
        for c in cells
        if fnmatch.fnmatch(c.label, pattern) or pattern in c.label or c.cell_id.startswith(pattern)
    ]
    if cells and not picked:
        close = difflib.get_close_matches(pattern, [c.label for c in cells], n=3, cutoff=0)
        raise UserError(f"--only {pattern!r} matches none of the {len(cells)} cells",
                        key="--only", suggestion="closest labels: " + "; ".join(close)
                        + " (a glob or substring of a label, or a cell id prefix; "
                        "`harness plan SUITE` lists them)")
    return picked


@dataclass(frozen=True)
class LoopOutcome:
    ran: int
    failed: int
    resumed: int
    encode_calls: int


@dataclass(frozen=True)
class LoopOptions:
    resume: bool = True
    only: str | None = None
    progress: bool = True


def run_plan(plan: Plan, store: RunStore, executor: Executor,
             options: LoopOptions = LoopOptions()) -> LoopOutcome:
    """Run the plan's cells not yet finished in the store."""
    cells = select(plan.cells, options.only)
    done = store.finished() if options.resume else {}
    todo = [c for c in cells if c.cell_id not in done]
    resumed = len(cells) - len(todo)
    log.info("run %s: %d cells (%d already done, %d skipped by plan) -> %s", store.dir.name,
             len(cells), resumed, len(plan.skipped), store.dir)
    failed = encode_calls = 0
    bar = tqdm(total=len(todo), desc="cells", unit="cell", disable=not options.progress,
               leave=True)

    def on_result(cell: Cell, result: CellResult) -> None:
        nonlocal failed, encode_calls
        encode_calls += result.encode_calls
        rows = result.rows
        for r in rows:
            if "worker_peak_rss_mb" in result.stats:
                r["worker_peak_rss_mb"] = result.stats["worker_peak_rss_mb"]
            r["run_id"] = store.dir.name
        store.write_cell(cell, rows, result.perquery)
        if any(r["status"] != "ok" for r in rows):
            failed += 1
            log.error("cell %s failed: %s", cell.cell_id, rows[0]["status"])
        bar.set_postfix_str(cell.label[:60])
        bar.update(1)

    try:
        executor.run(todo, on_result)
    finally:
        bar.close()
    return LoopOutcome(len(todo), failed, resumed, encode_calls)


class _TqdmHandler(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        tqdm.write(self.format(record))


def setup_logging(store: RunStore, echo: bool) -> list[logging.Handler]:
    """The run's log file, and the terminal echo (through tqdm, so bars stay intact)."""
    log.setLevel(logging.INFO)
    store.dir.mkdir(parents=True, exist_ok=True)
    file_h = logging.FileHandler(store.log_path, encoding="utf-8")
    file_h.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    handlers: list[logging.Handler] = [file_h]
    if echo:
        term = _TqdmHandler()
        term.setFormatter(logging.Formatter("%(message)s"))
        handlers.append(term)
    for h in handlers:
        log.addHandler(h)
    return handlers


def close_logging(handlers: list[logging.Handler]) -> None:
    for h in handlers:
        log.removeHandler(h)
        h.close()


def now() -> str:
    return datetime.now(UTC).isoformat()
