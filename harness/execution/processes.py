"""The process executor: each cell in its own fresh worker process.

A backend that segfaults or runs out of memory takes down its worker, not the run: the
driver records an error row naming the signal and the peak memory the worker had reached,
and goes on. Each cell's memory is its own (nothing earlier raised the high-water mark).
Workers start from a forkserver that has imported the harness once, so a cell costs a fork,
not an interpreter start; fork straight from the driver is avoided because OpenMP (faiss)
does not survive it.

A worker does not import the driver's main module (multiprocessing would, to unpickle
objects defined there): a cell is plain values and plugins arrive by module name
(HARNESS_PLUGINS), so nothing a worker needs lives in `__main__`, and a user's script that
calls `harness.run(...)` at module level, without an `if __name__ == "__main__":` guard,
would otherwise run again in every worker (and find its own run folder locked).
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import signal
import sys
import types
from collections.abc import Iterator, Sequence
from multiprocessing.connection import Connection
from typing import Any

from harness.execution.failed import error_rows
from harness.execution.timing import process_peak_mb
from harness.execution.worker import CellResult, Job, run_job
from harness.plan.cell import Cell

log = logging.getLogger("harness")
POLL_S = 0.2


class WorkerDied(RuntimeError):
    """A worker ended without returning its cell's result."""


def _child(job: Job, conn: Connection) -> None:
    try:
        conn.send(run_job(job))
    finally:
        conn.close()


@contextlib.contextmanager
def _main_left_behind(start_method: str) -> Iterator[None]:
    """Start a worker without the driver's `__main__` in its preparation data: while the
    worker is started (pickled, not forked), `__main__` is an empty module, which
    multiprocessing's spawn.get_preparation_data leaves out. Fork copies the driver as is."""
    if start_method == "fork":
        yield
        return
    main = sys.modules["__main__"]
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        sys.modules["__main__"] = main


class ProcessExecutor:
    def __init__(self, make_job: Any, start_method: str = "forkserver") -> None:
        self.make_job = make_job  # Cell -> Job
        self.start_method = start_method
        self.mp = multiprocessing.get_context(start_method)
        if start_method == "forkserver":
            self.mp.set_forkserver_preload(["harness.execution.worker"])

    def run(self, cells: Sequence[Cell], on_result: Any) -> None:
        for cell in cells:
            on_result(cell, self._run_one(cell))

    def _run_one(self, cell: Cell) -> CellResult:
        log.info("cell %s: %s", cell.cell_id, cell.label)
        recv, send = self.mp.Pipe(duplex=False)
        proc = self.mp.Process(target=_child, args=(self.make_job(cell), send), daemon=True)
        with _main_left_behind(self.start_method):
            proc.start()
        send.close()
        peak: float | None = None
        result: CellResult | None = None
        try:
            while result is None:
                if recv.poll(POLL_S):
                    try:
                        result = recv.recv()
                    except EOFError:
                        break  # the worker died before it could send
                else:
                    now = process_peak_mb(proc.pid)  # the high-water mark: a sample suffices
                    peak = peak if now is None else max(peak or 0.0, now)
                    if not proc.is_alive() and not recv.poll(0):
                        break
        finally:
            recv.close()
            proc.join()
        if result is None:
            exc = WorkerDied(_death(proc.exitcode, peak))
            return CellResult(error_rows(cell, exc), None)
        return result


def _death(exitcode: int | None, peak_mb: float | None) -> str:
    """'killed by SIGKILL (signal 9) after reaching 2,345 MB (out of memory?)'."""
    reached = f" after reaching {peak_mb:,.0f} MB" if peak_mb else ""
    if exitcode is not None and exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        hint = " (out of memory? the kernel's OOM killer sends SIGKILL)" if -exitcode == 9 else ""
        return f"worker killed by {name} (signal {-exitcode}){reached}{hint}"
    return f"worker exited with code {exitcode} without a result{reached}"
