"""Clients as processes, for backends that hold the GIL while they search: the index is saved
once (SharedIndex.save) and every client process opens it memory-mapped, so N clients share
one copy in the page cache. Clients are plain interpreters (`python -m ...child`), not
multiprocessing children: the cell's own worker is a daemon process, which may not have any.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from harness.backends.base import SharedIndex
from harness.execution.load.loop import ClientSample
from harness.execution.load.points import PointFigures, figures

START_DELAY_NS = 100_000_000
PLUGINS_ENV = "HARNESS_PLUGINS"  # as harness.execution.worker reads it (a client imports them)


@dataclass
class SavedIndex:
    """A built index in its saved form, with what a client needs to open and search it."""

    folder: Path
    job: dict[str, Any]


def save_index(backend: SharedIndex, queries: np.ndarray, metric: str,
               build: dict[str, Any], k: int, folder: str) -> SavedIndex:
    root = Path(folder)
    backend.save(str(root / "index"))
    np.save(root / "queries.npy", np.ascontiguousarray(queries))
    cls = type(backend)
    job = {"module": cls.__module__, "qualname": cls.__qualname__, "index": str(root / "index"),
           "metric": metric, "build": build, "queries": str(root / "queries.npy"), "k": k,
           "plugins": os.environ.get(PLUGINS_ENV, "")}
    return SavedIndex(root, job)


def _spawn(saved: SavedIndex, c: int, job: dict[str, Any]) -> subprocess.Popen[str]:
    path = saved.folder / f"job{c}.json"
    path.write_text(json.dumps({**saved.job, **job, "out": str(saved.folder / f"out{c}.npz")}))
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
           "MKL_NUM_THREADS": "1"}
    return subprocess.Popen([sys.executable, "-m", "harness.execution.load.child", str(path)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)


def _run(saved: SavedIndex, jobs: list[dict[str, Any]], cores: int) -> PointFigures:
    procs = [_spawn(saved, c, job) for c, job in enumerate(jobs)]
    try:
        for p in procs:
            assert p.stdout is not None
            line = p.stdout.readline().strip()
            if line != "ready":
                raise RuntimeError(f"load client process failed before its start ({line!r})")
        start = time.monotonic_ns() + START_DELAY_NS
        for p in procs:
            assert p.stdin is not None
            p.stdin.write(f"{start}\n")
            p.stdin.flush()
        codes = [p.wait() for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
    if any(codes):
        raise RuntimeError(f"load client process exited with code {max(codes)}")
    samples, cpu = [], 0.0
    for c in range(len(jobs)):
        with np.load(saved.folder / f"out{c}.npz") as z:
            samples.append(ClientSample(z["latency_ns"], z["finish_ns"]))
            cpu += float(z["cpu_s"])
    return figures(samples, start, cpu, cores)


def closed_procs(saved: SavedIndex, settings: dict[str, Any], n_rows: int, clients: int,
                 seconds: float, cores: int) -> PointFigures:
    jobs = [{"settings": settings, "due": None, "seconds": seconds,
             "first": c * n_rows // clients} for c in range(clients)]
    return _run(saved, jobs, cores)


def open_procs(saved: SavedIndex, settings: dict[str, Any], dealt: list[np.ndarray],
               cores: int) -> PointFigures:
    jobs = []
    for c, due in enumerate(dealt):
        path = saved.folder / f"due{c}.npy"
        np.save(path, due)
        jobs.append({"settings": settings, "due": str(path), "seconds": None, "first": 0})
    return _run(saved, jobs, cores)


def client_anon_bytes(saved: SavedIndex, clients: int) -> list[int]:
    """Per client of the last point, the private memory opening the index added (RssAnon
    delta; a memory-mapped index adds about none, a copied one its whole size)."""
    out = []
    for c in range(clients):
        with np.load(saved.folder / f"out{c}.npz") as z:
            out.append(int(z["anon_bytes"]))
    return out


def scratch() -> tempfile.TemporaryDirectory[str]:
    return tempfile.TemporaryDirectory(prefix="harness-load-")
