"""Test-only backends of known service time for the load axis (imported by workers and load
client processes through HARNESS_PLUGINS=tests.execution.load_backends).

test-sleep: exact search plus a fixed 2 ms sleep per query (the GIL is released while it
sleeps: threads). test-gil: a pure-Python loop per query that holds the GIL (processes),
shared between processes through its saved vectors, memory-mapped."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np

from harness.backends.base import Concurrency, IndexInput
from harness.backends.exact import ExactBackend
from harness.registry import BACKENDS, Entry

SLEEP_S = 0.002
GIL_LOOP = 20_000  # Python-level iterations per query (about 0.5-1 ms holding the GIL)


class SleepBackend(ExactBackend):
    concurrency: ClassVar[Concurrency] = Concurrency("threads", "time.sleep releases the GIL")

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        time.sleep(SLEEP_S * len(queries))
        return super().search(queries, k)


class GilBackend(ExactBackend):
    concurrency: ClassVar[Concurrency] = Concurrency(
        "processes", "a pure-Python loop per query holds the GIL")

    def build(self, data: IndexInput) -> None:
        super().build(data)
        self.vectors = np.ascontiguousarray(data.vectors, dtype=np.float32)

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        for _ in range(len(queries)):
            x = 0
            for j in range(GIL_LOOP):
                x += j
        scores = np.asarray(queries, dtype=np.float32) @ self.vectors.T
        ids = np.argsort(-scores, axis=1)[:, :k]
        return ids.astype(np.int64), np.take_along_axis(scores, ids, axis=1)

    def save(self, path: str) -> None:
        np.save(path + ".npy", self.vectors)

    @classmethod
    def open_shared(cls, path: str, metric: str, build: Mapping[str, Any]) -> GilBackend:
        out = cls(metric, build)
        out.vectors = np.load(path + ".npy", mmap_mode="r")
        return out


for _name, _cls in (("test-sleep", "SleepBackend"), ("test-gil", "GilBackend")):
    if _name not in BACKENDS:
        BACKENDS.register(Entry(_name, f"tests.execution.load_backends:{_cls}",
                                "test only", requires=("faiss",)))


class CopyingExact(ExactBackend):
    """A control for the shared-memory test: opens the saved index by reading it whole into
    the process (faiss.read_index without IO flags), one copy per client."""

    @classmethod
    def open_shared(cls, path: str, metric: str, build: Mapping[str, Any]) -> CopyingExact:
        import faiss

        out = cls(metric, build)
        out._index = faiss.read_index(path)
        return out
