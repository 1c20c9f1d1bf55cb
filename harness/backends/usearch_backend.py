"""usearch: an HNSW graph whose vectors are stored in usearch's own precision.

The backend takes the float32 vectors (capabilities.input = "raw") and lets usearch quantize
them: float32 -> f32, float16 -> f16, int8 -> i8, binary -> b1 (the harness's sign bits,
np.packbits(x > 0), searched by Hamming distance). usearch's i8 stores trunc(127 * x), so it
is meant for vectors within [-1, 1] (unit vectors); others are refused rather than clipped.

usearch has its own thread pool: add() builds with the suite's `threads`, and every search
passes `threads` explicitly (1 while the runner measures qps and latency).

Memory: usearch's own statistics give the graph's allocated bytes (per node: its 8-byte key,
level, and per level a neighbour count and the slots of its links: 2M on level 0, M above);
the vectors sit in a separate tape at the dtype's size (4d, 2d, d or d / 8 bytes).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np

from harness.backends.base import (
    FLOAT_METRICS,
    Capabilities,
    Concurrency,
    IndexInput,
    IndexMemory,
    Param,
    as_float32,
    saved_bytes,
)

#: harness precision -> usearch dtype (float8 has no usearch equivalent with e4m3's scaling)
DTYPES = {"float32": "f32", "float16": "f16", "int8": "i8", "binary": "b1"}
#: usearch dtype -> its ScalarKind's str() (a restored index reports its dtype so)
_KINDS = {"f32": "ScalarKind.F32", "f16": "ScalarKind.F16", "i8": "ScalarKind.I8",
          "b1": "ScalarKind.B1"}
#: bytes per dimension of each usearch dtype (b1: one bit)
DTYPE_BYTES = {"f32": 4.0, "f16": 2.0, "i8": 1.0, "b1": 1 / 8}
#: usearch's i8 scale: a unit-range value x is stored as trunc(127 * x)
I8_SCALE = 127.0


class UsearchBackend:
    name: ClassVar[str] = "usearch"
    concurrency: ClassVar[Concurrency] = Concurrency(
        "processes", "measured on a quiet 2-core machine (bench/gil.py, 20000 x 256): "
        "2 client threads gave 0.83x the qps of "
        "1, and a bare two-thread loop on Index.search 0.86-0.97x: its searches do not run in "
        "parallel from Python threads")
    capabilities: ClassVar[Capabilities] = Capabilities(
        metrics=FLOAT_METRICS,
        precisions=frozenset(DTYPES),
        family="graph",
        build_params={
            "connectivity": Param(int, 16, "links per node (HNSW M)", minimum=2),
            "expansion_add": Param(int, 128, "candidate list size while building", minimum=1),
        },
        search_params={
            "expansion_search": Param(int, 64, "candidate list size while searching", minimum=1),
        },
        input="raw",
    )

    def __init__(self, metric: str, build: Mapping[str, Any], threads: int = 1) -> None:
        if metric not in ("ip", "l2"):
            raise ValueError(f"usearch searches float vectors with 'ip' or 'l2', not {metric!r}")
        self.metric = metric
        self.threads = threads
        self.build_params = self.capabilities.with_defaults("build", build)
        self.dtype = ""
        self._index: Any = None

    def build(self, data: IndexInput) -> None:
        from usearch.index import Index

        if data.precision not in DTYPES:
            raise ValueError(
                f"{self.name}: precision {data.precision!r} is not supported "
                f"(supports: {', '.join(sorted(DTYPES))})"
            )
        x = as_float32(data.raw if data.raw is not None else data.vectors)
        self.dtype = DTYPES[data.precision]
        if self.dtype == "i8" and len(x) and float(np.abs(x).max()) > 1.0:
            raise ValueError(
                f"{self.name}: int8 (usearch i8) stores trunc(127 * x) and needs values in "
                f"[-1, 1], these vectors reach {float(np.abs(x).max()):.3g} (use metric cosine)"
            )
        metric = "hamming" if self.dtype == "b1" else {"ip": "ip", "l2": "l2sq"}[self.metric]
        index = Index(
            ndim=x.shape[1],
            metric=metric,
            dtype=self.dtype,
            connectivity=int(self.build_params["connectivity"]),
            expansion_add=int(self.build_params["expansion_add"]),
        )
        index.add(np.arange(len(x)), self._encode(x), threads=self.threads)
        self._index = index

    def _encode(self, x: np.ndarray) -> np.ndarray:
        # b1 takes packed bits (ndim stays the bit count); the other dtypes convert float32
        return np.packbits(x > 0, axis=1) if self.dtype == "b1" else x

    def set_threads(self, n: int) -> None:
        self.threads = n

    def prepare(self, search: Mapping[str, Any]) -> None:
        default = self.capabilities.search_params["expansion_search"].default
        self._index.expansion_search = int(search.get("expansion_search", default))

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        found = self._index.search(self._encode(queries), k, threads=self.threads)
        keys, dist = found.keys, found.distances
        if keys.ndim == 1:  # one query: usearch returns Matches, not BatchMatches
            counts = np.array([len(keys)])
            keys, dist = keys[None, :], dist[None, :]
        else:
            counts = found.counts
        if keys.shape[1] == k and counts.min() == k:
            return keys.astype(np.int64), self._scores(dist)
        # fewer than k found: empty slots (usearch leaves garbage distances in them)
        empty = np.arange(k)[None, :] >= counts[:, None]
        pad = ((0, 0), (0, k - keys.shape[1]))
        ids = np.where(empty, -1, np.pad(keys.astype(np.int64), pad))
        scores = self._scores(np.where(empty, 0.0, np.pad(dist, pad)).astype(np.float32))
        return ids, np.where(empty, -np.inf, scores).astype(np.float32)

    def _scores(self, dist: np.ndarray) -> np.ndarray:
        """usearch distances -> exact search's similarities (approximate for f16/i8)."""
        if self.dtype == "b1":
            return np.negative(dist, dtype=np.float32)  # Hamming: a bit count
        scale = 1.0 / (I8_SCALE * I8_SCALE) if self.dtype == "i8" else 1.0
        if self.metric == "ip":  # usearch 'ip' distance = 1 - <q, x>
            return ((1.0 - dist) * scale).astype(np.float32)
        return (-dist * scale).astype(np.float32)  # 'l2sq': squared distance

    def nbytes(self) -> int:
        return saved_bytes(self._index.save, "index.usearch")

    def memory(self) -> IndexMemory:
        n = max(1, len(self._index))
        vector = np.ceil(self._index.ndim * DTYPE_BYTES[self.dtype])
        return IndexMemory(self._index.stats.allocated_bytes / n + float(vector))

    def save(self, path: str) -> None:
        """SharedIndex: usearch's own file; the dtype is in it (Index.restore reads it)."""
        self._index.save(path)

    @classmethod
    def open_shared(cls, path: str, metric: str, build: Mapping[str, Any]) -> UsearchBackend:
        """Index.restore(view=True) memory-maps the file: one copy for every client."""
        from usearch.index import Index

        out = cls(metric, build)
        out._index = Index.restore(path, view=True)
        out.dtype = {v: k for k, v in _KINDS.items()}[str(out._index.dtype)]
        return out

    @property
    def index(self) -> Any:
        """The usearch.index.Index object (for tests and benchmarks)."""
        return self._index
