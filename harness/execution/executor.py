"""The one cell loop: resume, --only, logging, the manifest and per-cell store writes.

An Executor decides where a cell runs; `run_plan` is the same for every executor, and the
driver (this process) alone writes the store.
"""

from __future__ import annotations

import fnmatch
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import pandas as pd
from tqdm import tqdm

from harness.cell import Cell, Plan
from harness.execution.context import RunContext
from harness.execution.runner import safe_run_cell
from harness.perquery import PerQuery
from harness.store import RunStore
from harness.suite import LoadedSuite

log = logging.getLogger("harness")

OnResult = Callable[[Cell, list[dict[str, Any]], "PerQuery | None"], None]


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
            rows, perq = safe_run_cell(cell, self.ctx, on_error=lambda tb: log.error("%s", tb))
            on_result(cell, rows, perq)


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
    """--only: a glob over the cell label, a substring of it, or a cell id prefix."""
    if not pattern:
        return list(cells)
    return [
        c
        for c in cells
        if fnmatch.fnmatch(c.label, pattern) or pattern in c.label or c.cell_id.startswith(pattern)
    ]


@dataclass(frozen=True)
class LoopOptions:
    resume: bool = True
    only: str | None = None
    progress: bool = True


def run_plan(plan: Plan, store: RunStore, executor: Executor,
             options: LoopOptions = LoopOptions()) -> tuple[int, int, int]:
    """Run the plan's cells not yet finished in the store: (ran, failed, resumed)."""
    cells = select(plan.cells, options.only)
    done = store.finished() if options.resume else {}
    todo = [c for c in cells if c.cell_id not in done]
    resumed = len(cells) - len(todo)
    log.info("run %s: %d cells (%d already done, %d skipped by plan) -> %s", store.dir.name,
             len(cells), resumed, len(plan.skipped), store.dir)
    failed = 0
    bar = tqdm(total=len(todo), desc="cells", unit="cell", disable=not options.progress,
               leave=True)

    def on_result(cell: Cell, rows: list[dict[str, Any]], perq: PerQuery | None) -> None:
        nonlocal failed
        for r in rows:
            r["run_id"] = store.dir.name
        store.write_cell(cell, rows, perq)
        if any(r["status"] != "ok" for r in rows):
            failed += 1
            log.error("cell %s failed: %s", cell.cell_id, rows[0]["status"])
        bar.set_postfix_str(cell.label[:60])
        bar.update(1)

    try:
        executor.run(todo, on_result)
    finally:
        bar.close()
    return len(todo), failed, resumed


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
