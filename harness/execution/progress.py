"""Progress a person can trust: the run's cell bar with an ETA from what cells have cost, a
bar per encoding (texts done / total, texts per second) and a live line per long index build.

On a terminal (the stream is a TTY) progress is a tqdm bar. Anywhere else (a log file, CI, a
pipe) it is plain lines, at most one every PLAIN_EVERY_S seconds: never `\\r` frames.

Encodings run where the cell runs. With the process executor that is a worker process whose
stderr is the driver's terminal: the worker draws its encoding bar on the line below the
driver's cell bar (position 1), and clears it when done. In this process (the inline
executor) tqdm stacks the bars itself.
"""

from __future__ import annotations

import json
import logging
import sys
import threading
import time
from collections.abc import Sequence
from typing import IO, Any

from tqdm import tqdm

from harness.inputs.cell_inputs import BuildWatch
from harness.plan.cell import Cell

log = logging.getLogger("harness")
PLAIN_EVERY_S = 15.0  # plain progress lines: at most one per this many seconds
SHOW_AFTER_S = 1.0  # a bar appears only for work that takes longer than this
BUILD_SHOW_S = 3.0  # an index build gets a line once it has taken this long


def is_tty(stream: IO[str] | None = None) -> bool:
    stream = stream or sys.stderr
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def duration(seconds: float) -> str:
    """'45 s', '3 min 05 s', '2 h 10 min'."""
    s = round(seconds)
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min {s % 60:02d} s"
    return f"{s // 3600} h {s % 3600 // 60:02d} min"


class Eta:
    """The run's remaining time from what its cells cost so far, encoding counted once.

    The first cell of each (model, dataset) pays its encoding (later ones read the cache), so
    a cell's cost is split: its encoding seconds, averaged over the pairs already encoded and
    charged once per pair still to come, and the rest (build, searches, metrics), averaged
    over the cells done and charged per cell to come. Unknown until a cell has finished.
    """

    def __init__(self, cells: Sequence[Cell]) -> None:
        self.remaining = len(cells)
        self.pending = {self.pair(c) for c in cells}
        self.encode_s: list[float] = []
        self.rest_s: list[float] = []

    @staticmethod
    def pair(cell: Cell) -> str:
        return json.dumps([cell.model, cell.dataset], sort_keys=True, default=str)

    def done(self, cell: Cell, wall_s: float, encode_s: float) -> None:
        self.remaining -= 1
        if self.pair(cell) in self.pending:
            self.pending.discard(self.pair(cell))
            self.encode_s.append(encode_s)
        self.rest_s.append(max(wall_s - encode_s, 0.0))

    def seconds(self, running_s: float = 0.0) -> float | None:
        """Seconds left (running_s: how long the current cell has run), None when unknown."""
        if not self.rest_s:
            return None
        encode = sum(self.encode_s) / len(self.encode_s) * len(self.pending)
        rest = sum(self.rest_s) / len(self.rest_s) * self.remaining
        return max(encode + rest - running_s, 0.0)

    def text(self, running_s: float = 0.0) -> str:
        s = self.seconds(running_s)
        return "ETA after the first cell" if s is None else f"ETA {duration(s)}"


class EncodeBars:
    """The progress callback of EmbeddingCache: (what, done, total) as texts are encoded."""

    def __init__(self, *, stream: IO[str] | None = None, position: int | None = None,
                 echo_plain: bool = False, show_after: float = SHOW_AFTER_S) -> None:
        self.stream = stream or sys.stderr
        self.tty = is_tty(self.stream)
        self.position, self.echo, self.show_after = position, echo_plain, show_after
        self.bar: tqdm | None = None
        self.t0 = self.last_line = 0.0
        self.start_done = 0

    def __call__(self, what: str, done: int, total: int) -> None:
        if self.bar is None and self.t0 == 0.0:
            self._start(what, done, total)
        if self.bar is not None:
            self.bar.update(done - self.bar.n)
        else:
            self._plain(what, done, total)
        if done >= total:
            self._finish()

    def _start(self, what: str, done: int, total: int) -> None:
        self.t0 = self.last_line = time.perf_counter()
        self.start_done = done
        if self.tty:
            self.bar = tqdm(total=total, initial=done, desc=what, unit=" docs", unit_scale=False,
                            file=self.stream, position=self.position, leave=False,
                            delay=self.show_after, mininterval=min(0.2, self.show_after),
                            dynamic_ncols=True)

    def _plain(self, what: str, done: int, total: int) -> None:
        now = time.perf_counter()
        if done < total and now - self.last_line < PLAIN_EVERY_S:
            return
        self.last_line = now
        rate = (done - self.start_done) / max(now - self.t0, 1e-9)
        line = f"{what}: {done:,}/{total:,} texts ({rate:,.0f} docs/s)"
        log.info("%s", line)
        if self.echo:
            print(line, file=self.stream, flush=True)

    def _finish(self) -> None:
        if self.bar is not None:
            self.bar.close()
        self.bar, self.t0 = None, 0.0


def cell_bar(total: int, enabled: bool, stream: IO[str] | None = None) -> Any:
    """The run's cell bar on a terminal; None otherwise (plain lines are logged instead)."""
    if not enabled or not is_tty(stream):
        return None
    return tqdm(total=total, desc="cells", unit="cell", file=stream or sys.stderr, leave=True,
                bar_format="{desc}: {percentage:3.0f}%|{bar:24}| {n_fmt}/{total_fmt} "
                           "[{elapsed}{postfix}]")




class BuildTicker:
    """A live line while one index builds (one library call: no fraction to show, so the bar
    says what is built over how many vectors and how long it has taken so far).

    Nothing appears for builds shorter than `show_after`. On a terminal the line refreshes
    every `tick_s`; elsewhere a plain line is written at most every PLAIN_EVERY_S. The
    libraries release the GIL while they build, so the ticking thread keeps time.
    """

    def __init__(self, what: str, *, stream: IO[str] | None = None, position: int | None = None,
                 echo_plain: bool = False, show_after: float | None = None,
                 tick_s: float = 0.5) -> None:
        self.what, self.stream = what, stream or sys.stderr
        self.position, self.echo, self.tick_s = position, echo_plain, tick_s
        self.show_after = BUILD_SHOW_S if show_after is None else show_after
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._tick, daemon=True)
        self.bar: tqdm | None = None
        self.t0 = 0.0

    def __enter__(self) -> BuildTicker:
        self.t0 = time.perf_counter()
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join()
        if self.bar is not None:
            self.bar.close()

    def _tick(self) -> None:
        last_line = self.t0
        while not self.stop.wait(self.tick_s):
            now = time.perf_counter()
            if now - self.t0 < self.show_after:
                continue
            if not is_tty(self.stream):
                if now - last_line >= PLAIN_EVERY_S or last_line == self.t0:
                    last_line = now
                    self._plain(now - self.t0)
                continue
            if self.bar is None:
                self.bar = tqdm(total=None, file=self.stream, position=self.position,
                                leave=False, dynamic_ncols=True, bar_format="{desc}")
            self.bar.set_description_str(self._line(now - self.t0))  # time since the start

    def _line(self, elapsed: float) -> str:
        return f"{self.what}: {duration(elapsed)} so far"

    def _plain(self, elapsed: float) -> None:
        line = self._line(elapsed)
        log.info("%s", line)
        if self.echo:
            print(line, file=self.stream, flush=True)


def build_tickers(*, position: int | None = None, echo_plain: bool = False) -> BuildWatch:
    """The CellInputs's build_progress: a BuildTicker per index build, drawn like the
    encoding bars of the same process."""
    return lambda what: BuildTicker(what, position=position, echo_plain=echo_plain)
