"""The cell's vectors ready for a backend: `prepare` runs transforms.py's steps in order
(normalise, reduce, normalise, quantize; see that module's docstring) block by block."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from harness.backends.base import IndexInput
from harness.embeddings.lowbit import PerBatchInt8
from harness.embeddings.transforms import PCA, Float32, Int8, dim_method, l2_normalize, truncate
from harness.embeddings.variants import quantizer as make_quantizer
from harness.embeddings.variants import rotate, rotation
from harness.memmaps import blocks
from harness.suite.axes import dim_reducer, dim_size
from harness.suite.precision import code_of


@dataclass(frozen=True)
class Prepared:
    """Vectors ready for a backend, and the distance to search them with.

    `docs`/`queries` are what an exact search at this precision sees (float32 values after
    quantize-dequantize for float16/float8/int8; packed uint8 bits for binary, compared by
    Hamming). `raw_docs`/`raw_queries` are the float32 vectors before quantization (after
    reduction and normalisation): backends that quantize natively (faiss SQ) index these, and
    rescoring re-ranks with them. `raw_metric` is the distance on the raw vectors ('ip' or
    'l2'). `dim_method` says how `dim` was obtained (see dim_method()).
    """

    docs: np.ndarray
    queries: np.ndarray
    metric: str  # search metric: 'ip' (cosine on unit vectors), 'l2', or 'hamming'
    precision: str
    dim: int
    bytes_per_vector: float
    raw_docs: np.ndarray
    raw_queries: np.ndarray
    raw_metric: str
    dim_method: str = "native"
    quantizer: Any = field(default=None, compare=False, repr=False)
    _memo: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def int8_docs(self) -> tuple[np.ndarray, Int8]:
        """The corpus as int8 codes and their quantizer (fitted once on raw_docs), for
        rescoring against int8 document vectors. Reuses this cell's quantizer if it is a fitted
        int8; a per-batch one holds whichever batch it saw last (the queries), so the corpus
        gets its own fit."""
        if "int8" not in self._memo:
            q = self.quantizer
            if not isinstance(q, Int8) or isinstance(q, PerBatchInt8):
                q = Int8().fit(self.raw_docs)
            self._memo["int8"] = (q.encode(self.raw_docs), q)
        return self._memo["int8"]


def _by_rows(x: np.ndarray, fn: Callable[[np.ndarray], np.ndarray],
             size: int | None = None) -> np.ndarray:
    """fn applied to blocks of rows of x, written into one preallocated result.

    Temporaries stay the size of a block, not of the corpus, and a memory-mapped x (a cache
    entry) is released block by block once read. Every step is row by row, so the result is
    the one fn would give on the whole matrix (`size` rows per block: a per-batch code's
    batches, which its result depends on)."""
    head = fn(x[:1]) if len(x) else fn(np.zeros((1, x.shape[1]), dtype=np.float32))
    out = np.empty((len(x), *head.shape[1:]), dtype=head.dtype)
    for a, block in blocks(x, size):
        out[a : a + len(block)] = fn(block)
    return out


def _batch_rows(quantizer: Any) -> int | None:
    """The corpus rows a per-batch code calibrates together (None: any block size will do)."""
    return quantizer.batch if isinstance(quantizer, PerBatchInt8) else None


def _reduce(docs: np.ndarray, queries: np.ndarray, dim: int | str | None, metric: str,
            seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Normalise (cosine), truncate or PCA, normalise again: float32 copies of both sides."""
    size = dim_size(dim)
    cosine = metric == "cosine"
    if dim_reducer(dim) == "pca":
        assert size is not None
        d = _by_rows(docs, l2_normalize) if cosine else np.asarray(docs, dtype=np.float32)
        q = l2_normalize(queries) if cosine else np.asarray(queries, dtype=np.float32)
        pca = PCA.fit(d, size, seed=seed)
        d, q = pca.apply(d), pca.apply(q)
        # Re-normalise after reduction: a projection of a unit vector is not a unit vector.
        return (l2_normalize(d), l2_normalize(q)) if cosine else (d, q)

    def step(x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=np.float32)
        if not cosine:
            return truncate(x, size)
        # Re-normalise after truncation: a prefix of a unit vector is not a unit vector.
        return l2_normalize(truncate(l2_normalize(x), size))

    return _by_rows(docs, step), step(queries)


def dim_problem(dim: int | str | None, native: int) -> str | None:
    """What is wrong with a dims entry for vectors of `native` dimensions, or None."""
    if dim is None:
        return None
    try:
        size = dim_size(dim)
    except ValueError as exc:
        return str(exc)
    if size is None or size < 1:
        return f"dim {dim}: expected a dimension >= 1"
    if size > native:
        return f"dim {dim} is larger than the vectors' native dim {native}"
    return None


def prepare(
    docs: np.ndarray,
    queries: np.ndarray,
    *,
    dim: int | str | None,
    metric: str,
    precision: str,
    matryoshka_dims: tuple[int, ...] = (),
    seed: int = 0,
) -> Prepared:
    """Reduce, normalise and quantize (see the module docstring). `dim` is None (native), an
    int (truncation) or 'pca:N'; a dim above the native one is an error.

    `docs` may be a memory-mapped cache entry: it is read block by block, and the only full
    copies made are the reduced float32 vectors and, for a lossy precision, their quantized
    form (float32 stays one array)."""
    native = docs.shape[1]
    problem = dim_problem(dim, native)
    if problem:
        raise ValueError(problem)
    d, q = _reduce(docs, queries, dim, metric, seed)
    # a rotation (issue #26) turns the raw vectors too: native quantizers and rescoring see it
    d, q = rotate(d, q, rotation(precision), seed)
    raw_metric = "l2" if metric == "l2" else "ip"
    quantizer = make_quantizer(precision).fit(d)
    return Prepared(
        # float32 is d itself: no second copy of the corpus
        docs=d if isinstance(quantizer, Float32) else _by_rows(d, quantizer.apply,
                                                               _batch_rows(quantizer)),
        queries=quantizer.apply(q),
        metric=getattr(quantizer, "search_metric", None) or raw_metric,
        precision=precision,
        dim=d.shape[1],
        bytes_per_vector=quantizer.bytes_per_vector(d.shape[1]),
        raw_docs=d,
        raw_queries=q,
        raw_metric=raw_metric,
        dim_method=dim_method(dim, native, matryoshka_dims),
        quantizer=quantizer,
    )


def backend_input(prep: Prepared, native: bool) -> tuple[IndexInput, np.ndarray]:
    """What a backend indexes, and the queries it is searched with: the float32 vectors before
    quantization for a backend that quantizes natively (capabilities.input == 'raw'), else the
    prepared ones. The backend is built with `IndexInput.metric`."""
    code = code_of(prep.precision)  # a rotation has already turned the vectors
    if native:
        return IndexInput(prep.raw_docs, prep.raw_metric, code, raw=prep.raw_docs,
                          raw_metric=prep.raw_metric), prep.raw_queries
    return IndexInput(prep.docs, prep.metric, code, raw=prep.raw_docs,
                      raw_metric=prep.raw_metric), prep.queries
