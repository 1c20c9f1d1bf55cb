"""What the faiss backends share: metric mapping, scores, sizes, k-means training.

Scores are similarities, higher is better: inner product as is, minus the squared euclidean
distance for l2, minus the Hamming distance (a bit count) for binary codes. These are the same
scales as exact search, so tie-aware knn_recall compares like with like.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np

from harness.backends._faiss_memory import faiss_memory
from harness.backends.base import SEED, Capabilities, Concurrency, IndexMemory, saved_bytes
from harness.backends.data_rules import MIN_POINTS_PER_CENTROID, too_few

log = logging.getLogger("harness")

#: faiss k-means wants at least this many training points per centroid.


def metric_type(metric: str, backend: str) -> int:
    import faiss

    if metric == "ip":
        return faiss.METRIC_INNER_PRODUCT
    if metric == "l2":
        return faiss.METRIC_L2
    raise ValueError(f"{backend} searches float vectors with 'ip' or 'l2', not {metric!r}")


def to_scores(dist: np.ndarray, metric: str) -> np.ndarray:
    """faiss distances -> similarities (higher is better) on exact search's scale."""
    if metric == "ip":
        return dist
    # l2: squared distances; hamming: int32 bit counts
    return np.negative(dist, dtype=np.float32)


def serialized_bytes(index: Any) -> int:
    """The index's saved size, written to a temporary file: serializing into memory would
    hold a second copy of the index at the cell's peak."""
    import faiss

    binary = isinstance(index, faiss.IndexBinary)
    write = faiss.write_index_binary if binary else faiss.write_index
    return saved_bytes(lambda path: write(index, path), "index.faiss")


def check_training_size(
    backend: str, what: str, value: int, n: int, centroids: int, cp: Any, hint: str | None = None
) -> None:
    """Raise when k-means cannot run (n < centroids); log a warning when it has too few points.

    The requested value is kept (never clamped), so the build parameters in the results are
    the ones the index really has. faiss's own stderr warning is replaced by the run log's.
    `hint` suggests a value that would have enough points (default: `what` <= n / 39).
    """
    problem = too_few(backend, what, value, n, centroids, hint)
    if problem:
        raise ValueError(problem)
    hint = hint or f"{what} <= {max(1, n // MIN_POINTS_PER_CENTROID)}"
    if n < MIN_POINTS_PER_CENTROID * centroids:
        log.warning(
            "%s: %s=%d trains %d centroids on %d vectors, fewer than the %d faiss recommends; "
            "k-means quality may suffer (use %s)",
            backend,
            what,
            value,
            centroids,
            n,
            MIN_POINTS_PER_CENTROID * centroids,
            hint,
        )
    cp.min_points_per_centroid = 1  # the warning above replaces faiss's stderr message
    cp.seed = SEED


class FaissBackend:
    """Search, scores, size and memory for every faiss index (exact and ANN); subclasses build and
    prepare."""

    name: ClassVar[str] = "faiss"
    # faiss's SWIG wrappers release the GIL around every C++ call (Py_BEGIN_ALLOW_THREADS)
    concurrency: ClassVar[Concurrency] = Concurrency(
        "threads", "faiss releases the GIL in search (SWIG -threads wrappers)")
    capabilities: ClassVar[Capabilities]

    def __init__(self, metric: str, build: Mapping[str, Any], threads: int = 1) -> None:
        self.metric = metric
        self.threads = threads
        self.build_params = self.capabilities.with_defaults("build", build)
        self._index: Any = None

    def b(self, name: str) -> Any:
        return self.build_params[name]

    def s(self, search: Mapping[str, Any], name: str) -> Any:
        """A search parameter, its declared default when `search` does not set it."""
        return self.capabilities.with_defaults("search", search)[name]

    def prepare(self, search: Mapping[str, Any]) -> None:
        return None

    def set_threads(self, n: int) -> None:
        return None  # faiss follows the runner's OpenMP limit (thread_limit)

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        dist, ids = self._index.search(queries, k)
        return ids, to_scores(dist, self.metric)

    def nbytes(self) -> int:
        return serialized_bytes(self._index)

    def memory(self) -> IndexMemory:
        return faiss_memory(self._index)

    @property
    def index(self) -> Any:
        """The faiss index object (for tests and benchmarks)."""
        return self._index


class SharedFaiss:
    """SharedIndex for faiss indexes whose whole state is the index object (flat, HNSW, IVF,
    SQ, NSG, binary): saved with write_index, opened with IO_FLAG_MMAP_IFC, which maps the
    file's vector and graph arrays in place (read-only) instead of copying them into the
    process, so N client processes share one copy in the page cache. Mixed in before
    FaissBackend; the search parameters are applied by prepare() on the opened index."""

    _index: Any

    def save(self, path: str) -> None:
        import faiss

        if isinstance(self._index, faiss.IndexBinary):
            faiss.write_index_binary(self._index, path)
        else:
            faiss.write_index(self._index, path)

    @classmethod
    def open_shared(cls, path: str, metric: str, build: Mapping[str, Any]) -> Any:
        import faiss

        flags = faiss.IO_FLAG_MMAP_IFC | faiss.IO_FLAG_READ_ONLY
        out = cls(metric, build)  # type: ignore[call-arg]
        try:
            out._index = faiss.read_index(path, flags)
        except RuntimeError:  # a binary index (IndexBinary*) has a reader of its own
            out._index = faiss.read_index_binary(path, flags)
        return out
