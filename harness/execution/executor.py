"""The one cell loop: resume, --only, logging, the manifest and per-cell store writes.

An Executor decides where a cell runs; `run_plan` is the same for every executor, and the
driver (this process) alone writes the store.
"""

from __future__ import annotations

import difflib
import fnmatch
import logging
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import pandas as pd
from tqdm import tqdm

from harness.errors import UserError
from harness.execution.progress import Eta, cell_bar, duration
from harness.execution.references import DifficultyClaims, difficulty_key
from harness.execution.runner import safe_run_cell
from harness.execution.timing import UNSTABLE_SPREAD, loaded
from harness.execution.worker import CellResult, DifficultyOf
from harness.inputs.cell_inputs import CellInputs
from harness.metrics.probe_drift import between_cells
from harness.plan.cell import Cell, Plan
from harness.store.reference_cache import ReferenceCache
from harness.store.runs import RunStore
from harness.suite.schema import LoadedSuite

log = logging.getLogger("harness")

OnResult = Callable[[Cell, CellResult], None]
# `extra=` of a record for the run's log file only (a traceback): the terminal gets one line.
FILE_ONLY = {"file_only": True}
TICK_S = 1.0  # the cell bar's ETA is refreshed this often while a cell runs
HEARTBEAT_S = 60.0  # without a bar: a line per this many seconds of one running cell


class Executor(Protocol):
    def run(self, cells: Sequence[Cell], on_result: OnResult) -> None:
        """Run every cell and hand each result to `on_result` (in the driver process)."""
        ...


class InlineExecutor:
    """Cells one after another in this process, sharing one CellInputs."""

    def __init__(self, ctx: CellInputs, claims: DifficultyClaims | None = None) -> None:
        self.ctx, self.claims = ctx, claims

    def run(self, cells: Sequence[Cell], on_result: OnResult) -> None:
        for cell in cells:
            log.info("cell %s: %s", cell.cell_id, cell.label)
            calls = self.ctx.encode_calls
            measured = DifficultyOf(cell) if self.claims and self.claims.claim(cell) else None
            rows, perq, load = safe_run_cell(
                cell, self.ctx, on_error=lambda tb: log.error("%s", tb, extra=FILE_ONLY),
                after=measured)
            on_result(cell, CellResult(rows, perq, self.ctx.encode_calls - calls, load=load,
                                       difficulty=measured.value if measured else None))


@dataclass(frozen=True)
class RunOutcome:
    run_dir: Path
    frame: pd.DataFrame
    n_ran: int
    n_failed: int
    n_resumed: int
    encode_calls: int
    suite: LoadedSuite | None = None
    # seconds of the run's phases (wall, cells, analysis, report): the summary line's share
    phases: Mapping[str, float] | None = None


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
    progress = _Progress(todo, options.progress)

    def on_result(cell: Cell, result: CellResult) -> None:
        nonlocal failed, encode_calls
        encode_calls += result.encode_calls
        rows = result.rows
        for r in rows:
            if "worker_peak_rss_mb" in result.stats:
                r["worker_peak_rss_mb"] = result.stats["worker_peak_rss_mb"]
            r["run_id"] = store.dir.name
        store.write_cell(cell, rows, result.perquery, result.load)
        if result.difficulty is not None:  # measured in the cell, for the analysis
            ReferenceCache(store.dir).save_difficulty(difficulty_key(cell), result.difficulty)
        if any(r["status"] != "ok" for r in rows):
            failed += 1
            # one line here; the traceback is in the run's log (written where the cell ran)
            cause = str(rows[0]["status"]).splitlines()[0][:300]
            log.error("cell %s failed: %s (traceback: %s)", cell.cell_id, cause, store.log_path)
        progress.done(cell, result)

    try:
        executor.run(todo, on_result)
    finally:
        progress.close()
        # once per run, also when interrupted: a cell's cost stays flat as the run grows
        store.write_tables()
    return LoopOutcome(len(todo), failed, resumed, encode_calls)


def _encode_seconds(result: CellResult) -> float:
    """The documents' encoding time a cell paid (0 when it read them from the cache)."""
    if not result.encode_calls or not result.rows:
        return 0.0
    r = result.rows[0]
    return float(r.get("encode_s") or 0.0) + float(r.get("model_load_s") or 0.0)


class _Progress:
    """The cell bar (on a terminal) or a plain line per cell, both with the run's ETA; while a
    cell runs, the bar's ETA and elapsed time tick, and without a bar a heartbeat line says a
    long cell is still running."""

    def __init__(self, todo: Sequence[Cell], enabled: bool) -> None:
        self.eta, self.total, self.n = Eta(todo), len(todo), 0
        self.bar = cell_bar(len(todo), enabled)
        self.enabled = enabled
        self.started = self.last_beat = time.perf_counter()
        self.lock, self.stop = threading.Lock(), threading.Event()
        self.ticker = threading.Thread(target=self._tick, daemon=True, name="cell-eta")
        if enabled and todo:
            self.ticker.start()

    def done(self, cell: Cell, result: CellResult) -> None:
        now = time.perf_counter()
        with self.lock:
            self.eta.done(cell, now - self.started, _encode_seconds(result))
            self.started = self.last_beat = now
            self.n += 1
            if self.bar is not None:
                self.bar.set_postfix_str(f"{self.eta.text()} · {cell.label[:50]}", refresh=False)
                self.bar.update(1)
            elif self.enabled:
                log.info("[%d/%d] done; %s", self.n, self.total, self.eta.text())

    def _tick(self) -> None:
        while not self.stop.wait(TICK_S):
            with self.lock:
                running = time.perf_counter() - self.started
                if self.bar is not None:
                    self.bar.set_postfix_str(
                        f"{self.eta.text(running)} · cell {self.n + 1} running {duration(running)}")
                elif running - (self.last_beat - self.started) >= HEARTBEAT_S:
                    self.last_beat = time.perf_counter()
                    log.info("[%d/%d] cell %d still running (%s)", self.n, self.total, self.n + 1,
                             duration(running))

    def close(self) -> None:
        self.stop.set()
        if self.ticker.is_alive():
            self.ticker.join()
        if self.bar is not None:
            self.bar.close()


class _TqdmHandler(logging.Handler):
    """Log lines on stderr, where the bar is (stdout holds the results, e.g. `run --json`)."""

    def emit(self, record: logging.LogRecord) -> None:
        tqdm.write(self.format(record), file=sys.stderr)


def _to_terminal(record: logging.LogRecord) -> bool:
    return not getattr(record, "file_only", False)


def setup_logging(store: RunStore, echo: bool) -> list[logging.Handler]:
    """The run's log file (everything, tracebacks too), and the terminal echo: one line per
    record, through tqdm so bars stay intact (records marked FILE_ONLY stay in the file)."""
    log.setLevel(logging.INFO)
    store.dir.mkdir(parents=True, exist_ok=True)
    file_h = logging.FileHandler(store.log_path, encoding="utf-8")
    file_h.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    handlers: list[logging.Handler] = [file_h]
    if echo:
        term = _TqdmHandler()
        term.setFormatter(logging.Formatter("%(message)s"))
        term.addFilter(_to_terminal)
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


def speed_caveats(frame: pd.DataFrame, loads: Mapping[str, Any]) -> list[str]:
    """Say when speed figures are not to be trusted: the machine was busy at the start or end
    of the run (`loads`: load_at_start, load_at_end), or repeats of a setting disagreed
    (the results' timing_unstable rows)."""
    notes = []
    for when in ("load_at_start", "load_at_end"):
        load = loads.get(when) or {}
        if loaded(load):
            notes.append(f"the machine was loaded ({when.replace('_', ' ')}: load average "
                         f"{load['load_avg'][0]} on {load['cpu_count']} cores): speed figures "
                         "were measured under contention")
    if "timing_unstable" in frame:
        n = int(frame["timing_unstable"].eq(True).sum())
        if n:
            notes.append(f"{n} result row(s) have timing_unstable: their repeats' qps "
                         f"(qps_spread) or the drift probe's readings (probe_spread) differ by "
                         f"more than {UNSTABLE_SPREAD}x, or the machine was loaded while they "
                         "were measured (machine_loaded)")
    moved = between_cells(frame)
    if moved and moved > UNSTABLE_SPREAD:
        notes.append(f"the machine's speed moved {moved:.2f}x between cells (the drift probe, "
                     "probe_rate): compare rows by qps_normalised, or with `harness compare`, "
                     "which divides by the probe")
    for note in notes:
        log.warning("speed: %s", note)
    return notes
