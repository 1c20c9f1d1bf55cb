"""The backend plugin interface: declared capabilities, build, prepare, search, nbytes, memory.

The runner owns timing: backends only build and search. Capabilities are checked at plan
time, so an unsupported combination is skipped with a reason, never converted silently.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol, runtime_checkable

import numpy as np

from harness.registry import BACKENDS


@dataclass(frozen=True)
class Param:
    """One build or search parameter: its type, default, bounds and meaning."""

    type: type
    default: Any
    help: str
    minimum: float | None = None
    choices: tuple[Any, ...] = ()
    maximum: float | None = None  # the library's own cap (it would clamp silently)

    def problem(self, value: Any) -> str | None:
        if self.type is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, self.type) or (self.type is int and isinstance(value, bool)):
            return f"expected {self.type.__name__}, got {value!r}"
        if self.minimum is not None and value < self.minimum:
            return f"expected a value >= {self.minimum}, got {value!r}"
        if self.maximum is not None and value > self.maximum:
            return f"expected a value <= {self.maximum} (the library's limit), got {value!r}"
        if self.choices and value not in self.choices:
            return f"expected one of {', '.join(map(str, self.choices))}, got {value!r}"
        return None


#: Index families as Iceberg and VIBE group them: how an index narrows the candidates.
FAMILIES = ("graph", "partition", "quantized-flat", "tree", "exact")


@dataclass(frozen=True)
class Capabilities:
    metrics: frozenset[str]
    precisions: frozenset[str]
    build_params: Mapping[str, Param] = field(default_factory=dict)
    search_params: Mapping[str, Param] = field(default_factory=dict)
    # One of FAMILIES: graph (HNSW, NSG), partition (IVF, ScaNN's k-means tree), quantized-flat
    # (a scan of compressed codes), tree (random projections), exact; result rows are grouped by
    # it. Every registered backend declares one (tests/backends check); "" is left to ad-hoc
    # test doubles, so that they need not name one.
    family: str = ""
    exact: bool = False
    # "quantized": index IndexInput.vectors (the precision's representation);
    # "raw": index IndexInput.raw (float32) and quantize natively (e.g. faiss SQ8/fp16).
    input: str = "quantized"
    # What the build parameters need from the data (build with defaults, n docs, d dims) ->
    # the problem or None; checked at plan time from the dataset's shape and again at build
    # (harness/backends/data_rules.py).
    data_rule: Callable[[Mapping[str, Any], int, int], str | None] | None = None
    # A known limit of the library that no parameter fixes and the plan cannot see in the
    # data (printed by `harness plan` under "notes:" for every planned backend that has one).
    note: str = ""

    def __post_init__(self) -> None:
        if self.family and self.family not in FAMILIES:
            raise ValueError(f"family must be one of {', '.join(FAMILIES)}, got {self.family!r}")

    def with_defaults(self, section: str, given: Mapping[str, Any]) -> dict[str, Any]:
        schema = self.build_params if section == "build" else self.search_params
        out = {k: p.default for k, p in schema.items()}
        out.update({k: v for k, v in given.items()
                    if k not in HARNESS_SEARCH_PARAMS and k != LEXICAL_KEY})
        return out


# Search parameters the harness applies around any backend (inside the timed region).
HARNESS_SEARCH_PARAMS: Mapping[str, Param] = {
    "rescore": Param(int, 0, "oversampling factor: fetch k*rescore candidates, re-rank them "
                     "with the float32 query against stored document vectors (0 = off)",
                     minimum=0),
    "rescore_with": Param(str, "float32", "document vectors rescoring uses: float32, or int8 "
                          "(quantized on the corpus, 1 byte per dimension)",
                          choices=("float32", "int8")),
    # Hybrid retrieval: this setting's results fused with a lexical leg (inside the timing).
    "hybrid": Param(str, "none", "'none', or a lexical model of the suite (e.g. bm25) whose "
                    "results are fused with this dense setting's"),
    "fusion": Param(str, "rrf", "how the legs are fused: rrf (reciprocal rank), convex "
                    "(alpha * dense + (1 - alpha) * lexical, normalised scores) or dbsf "
                    "(distribution-based score fusion)", choices=("rrf", "convex", "dbsf")),
    "rrf_k": Param(float, 60.0, "RRF's rank constant: 1 / (rrf_k + rank)", minimum=0),
    "alpha": Param(float, 0.5, "convex fusion: the dense leg's weight, in [0, 1]", minimum=0),
    "norm": Param(str, "minmax", "convex fusion's score normalisation per query",
                  choices=("minmax", "zscore")),
}
# A hybrid setting's lexical retriever (the suite model's reference and params), added by the
# plan; like the keys above it is the harness's, never passed to a backend.
LEXICAL_KEY = "lexical"
# The keys each fusion reads; the others are dropped from a setting (so no duplicate settings).
FUSION_KEYS = {"rrf": ("rrf_k",), "convex": ("alpha", "norm"), "dbsf": ()}


@dataclass(frozen=True)
class IndexInput:
    """What a backend indexes: transformed document vectors and how to compare them.

    `metric` is the search distance after transforms: 'ip' (cosine arrives as 'ip' on
    normalised vectors), 'l2' or 'hamming' (packed bits, uint8). `raw` holds the float32
    vectors before quantization, for backends that quantize natively (capabilities.input).
    """

    vectors: np.ndarray
    metric: str
    precision: str
    raw: np.ndarray | None = None
    raw_metric: str | None = None


@dataclass(frozen=True)
class IndexMemory:
    """What a built index holds in memory, read from the index's own structures.

    `per_doc`: bytes per document (codes or vectors, graph links, inverted-list entries and
    their ids, per-element bookkeeping), so that N documents cost about N * per_doc + fixed.
    `fixed`: bytes independent of N: training data (IVF centroids, PQ codebooks and tables,
    SQ ranges) and the library's fixed tables. `rescore_per_doc`: the part of `per_doc` that
    is full vectors kept only to re-rank (IndexRefineFlat, ScaNN's reorder dataset).
    """

    per_doc: float
    fixed: int = 0
    rescore_per_doc: float = 0.0


@dataclass(frozen=True)
class Concurrency:
    """How concurrent clients of the load axis reach one built index (harness/execution/load).

    `mode`: "threads" when the library releases the GIL while it searches (clients are threads
    of one process sharing the index), "processes" when it holds the GIL (threads would queue
    on it: each client is a process that opens the index's saved form memory-mapped, one
    copy in the page cache, never one per client). `why`: the reason (the library's source or
    a measurement). `unshared`: for "processes", why the index cannot be shared between
    processes (process mode is then skipped with this reason); "" when it can (the backend
    implements SharedIndex). `batch`: the library searches a batch of queries in one call
    (the load axis's batch-size curve); False when it loops one query at a time.
    """

    mode: str
    why: str
    unshared: str = ""
    batch: bool = True

    def __post_init__(self) -> None:
        if self.mode not in ("threads", "processes"):
            raise ValueError(f"concurrency mode must be threads or processes, got {self.mode!r}")


@runtime_checkable
class SharedIndex(Protocol):
    """A built index that processes can share: saved once, opened memory-mapped by each."""

    def save(self, path: str) -> None: ...

    @classmethod
    def open_shared(cls, path: str, metric: str, build: Mapping[str, Any]) -> Backend:
        """The saved index at `path`, memory-mapped (read-only), ready to search."""
        ...


class Backend(Protocol):
    capabilities: ClassVar[Capabilities]
    # how clients of the load axis share the index (every registered backend declares it)
    concurrency: ClassVar[Concurrency]

    def __init__(self, metric: str, build: Mapping[str, Any], threads: int = 1) -> None: ...

    def build(self, data: IndexInput) -> None: ...

    def prepare(self, search: Mapping[str, Any]) -> None:
        """Apply search parameters once, outside the timed loop."""

    def set_threads(self, n: int) -> None:
        """The threads of the following searches, for libraries with their own thread pool
        (hnswlib, annoy). The runner builds with the suite's `threads`, then measures qps and
        latency with set_threads(1) and, when `threads` > 1, batch_qps with set_threads(threads).
        faiss-based backends do nothing here: they follow the runner's OpenMP limit."""

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(ids int64 with -1 for empty slots, scores float32 where higher is better)."""

    def nbytes(self) -> int:
        """The index's own size in bytes (serialized)."""

    def memory(self) -> IndexMemory:
        """Bytes per document and fixed bytes of the built index (see IndexMemory)."""


class Configured:
    """What a backend's __init__ does first: refuse a distance it lacks and fill in the build
    defaults (mixed into backends that have no other base)."""

    name: ClassVar[str]
    capabilities: ClassVar[Capabilities]

    def configure(self, metric: str, build: Mapping[str, Any], allowed: Collection[str],
                  accepts: str) -> None:
        """`accepts` ends "{name} searches ..." in the error for a metric not in `allowed`."""
        if metric not in allowed:
            raise ValueError(f"{self.name} searches {accepts}, not {metric!r}")
        self.metric = metric
        self.build_params = self.capabilities.with_defaults("build", build)
        self._n = 0


def backend_class(name: str, key: str | None = None) -> type[Backend]:
    """The registered backend's class, imported on first use; an unknown name is the
    registry's UserError (with a close match)."""
    cls: type[Backend] = BACKENDS.get(name, key=key).load()
    return cls


def saved_bytes(save: Any, filename: str) -> int:
    """Size of an index written by a library's own save(path), in a temporary folder.

    A save that writes a folder at `path` (ScaNN) counts every file in it. The folder is
    removed afterwards; libraries that map the file (annoy) keep a valid
    mapping after the unlink, so the index stays searchable.
    """
    import os
    import tempfile

    with tempfile.TemporaryDirectory(prefix="harness-index-") as tmp:
        path = os.path.join(tmp, filename)
        save(path)
        if os.path.isdir(path):
            return sum(
                os.path.getsize(os.path.join(root, f))
                for root, _, files in os.walk(path)
                for f in files
            )
        return os.path.getsize(path)


# --- shared by every float backend (faiss, hnswlib, annoy) -----------------------------------

#: Every metric a suite can name; cosine arrives at a backend as 'ip' on unit vectors.
FLOAT_METRICS = frozenset({"cosine", "ip", "l2"})
#: float16/float8/int8 reach a float backend as float32 values after quantize-dequantize:
#: the index stores float32 (index_bytes and bytes_per_doc say so); the precision's own code
#: size is the row's code_bytes_per_vector.
FLOAT_PRECISIONS = frozenset({"float32", "float16", "float8", "int8"})
#: harness/embeddings/lowbit.py's variants, searched by exact search (dequantized / Hamming).
LOWBIT_PRECISIONS = frozenset({"int4", "int2", "int8-percentile", "int8-sample",
                               "int8-per-batch", "binary-median", "binary-mean", "binary-2bit",
                               "float8-e5m2", "float8-scaled"})
#: Fixed seeds, so that training (k-means, PQ) and graph levels are reproducible.
SEED = 1234


def as_float32(x: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(x, dtype=np.float32)


def pad_to_k(ids: np.ndarray, scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Results of fewer than k columns (fewer documents than k) padded as empty slots."""
    pad = k - ids.shape[1]
    if pad <= 0:
        return ids, scores
    return (np.pad(ids, ((0, 0), (0, pad)), constant_values=-1),
            np.pad(scores, ((0, 0), (0, pad)), constant_values=-np.inf))
