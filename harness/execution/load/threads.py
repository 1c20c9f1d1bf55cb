"""Clients as threads of this process, sharing the built index (backends that release the
GIL while they search). Each client thread limits faiss's OpenMP team to one thread (its
setting is per thread); the driver's BLAS limit is the runner's."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import numpy as np

from harness.execution.load.loop import ClientSample, SearchRow, closed_loop, open_loop
from harness.execution.load.points import PointFigures, cpu_seconds, figures

START_DELAY_NS = 50_000_000  # every thread is waiting before the first query is sent


def _one_omp_thread() -> None:
    try:
        import faiss
    except ImportError:  # pragma: no cover - faiss is a core dependency
        return
    faiss.omp_set_num_threads(1)


def _run(clients: int, body: Callable[[int, int], ClientSample], cores: int) -> PointFigures:
    out: list[ClientSample | None] = [None] * clients
    errors: list[BaseException] = []
    start = time.monotonic_ns() + START_DELAY_NS

    def client(c: int) -> None:
        try:
            _one_omp_thread()
            out[c] = body(c, start)
        except BaseException as exc:  # re-raised in the driver: a failing search fails the cell
            errors.append(exc)

    threads = [threading.Thread(target=client, args=(c,), name=f"load-{c}")
               for c in range(clients)]
    cpu0 = cpu_seconds()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    cpu = cpu_seconds() - cpu0
    if errors:
        raise errors[0]
    return figures([s for s in out if s is not None], start, cpu, cores)


def closed_threads(search: SearchRow, n_rows: int, clients: int, seconds: float,
                   cores: int) -> PointFigures:
    def body(c: int, start: int) -> ClientSample:
        return closed_loop(search, n_rows, c * n_rows // clients, start,
                           start + int(seconds * 1e9))

    return _run(clients, body, cores)


def open_threads(search: SearchRow, n_rows: int, dealt: list[np.ndarray], cores: int
                 ) -> PointFigures:
    def body(c: int, start: int) -> ClientSample:
        return open_loop(search, n_rows, dealt[c], start)

    return _run(len(dealt), body, cores)
