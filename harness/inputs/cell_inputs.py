"""The cell-inputs service: what the cells of one run share (loaded datasets, encoders and
encodings), each loaded once and memoised under everything that determines it.

Prepared vectors and exact ground truth are computed per cell and not kept: memory follows
the largest cell, not the grid. Encodings are memory-mapped cache entries, so keeping them
costs page cache, not a copy. The same context serves the run, the analysis's reference
points and the report's texts, so a `harness run` loads each dataset once.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from harness.backends._faiss import to_scores
from harness.backends.base import Backend, IndexInput, backend_class
from harness.datasets.attributes import Attributes, of_dataset
from harness.datasets.base import Dataset, fingerprint_texts
from harness.datasets.sampling import nested_rows, take_docs
from harness.embeddings.cache import ChunkMapper, EmbeddingCache, Encoded
from harness.embeddings.prepared import Prepared, backend_input, prepare
from harness.encoders.base import Encoder, Role, VectorLookup
from harness.plan.cell import Cell
from harness.plan.refs import build_encoder, load_dataset, model_modality
from harness.suite.schema import DatasetRef

log = logging.getLogger("harness")

# wraps one index build, given what is built (a live progress line: harness.execution.progress)
BuildWatch = Callable[[str], AbstractContextManager[Any]]


@dataclass
class Vectors:
    docs: np.ndarray
    queries: np.ndarray
    # documents' encoding time and rate, the model load excluded (None: given vectors, or a
    # cache entry that does not record them); on a cache hit, as measured when encoded
    encode_s: float | None
    encode_docs_per_s: float | None
    model_fingerprint: str
    matryoshka_dims: tuple[int, ...] = ()  # dims the model was trained to be truncated to
    model_load_s: float | None = None
    encoded: str = "given"  # "now" (encoded by this run), "cache" (read from it), "given"

    def columns(self) -> dict[str, Any]:
        """The encoding's result-row columns."""
        return {"encode_docs_per_s": self.encode_docs_per_s, "encode_s": self.encode_s,
                "model_load_s": self.model_load_s, "encoded": self.encoded}


@dataclass
class CellInputs:
    """Owned by one run (one process); memos keyed by everything that determines the value."""

    cache: EmbeddingCache
    # where missing embedding chunks are encoded (None: here); the Ray executor sets one
    chunk_mapper: ChunkMapper | None = None
    # wraps each index build (a live progress line); None: builds run silently
    build_progress: BuildWatch | None = None
    encode_calls: int = 0
    _datasets: dict[str, Dataset] = field(default_factory=dict)
    _encoders: dict[str, Encoder] = field(default_factory=dict)
    _vectors: dict[tuple, Vectors] = field(default_factory=dict)
    # a corpus sample's fingerprint -> (the full dataset, the sample's rows in it)
    _samples: dict[str, tuple[Dataset, np.ndarray]] = field(default_factory=dict)
    # a dataset's fingerprint -> its (documents', queries') attributes for filtered cells
    _attributes: dict[str, tuple[Attributes, Attributes]] = field(default_factory=dict)

    def load_dataset(self, ref: Mapping[str, Any], seed: int) -> Dataset:
        """A dataset by its reference (as stored in a cell), loaded once per (ref, seed)."""
        key = json.dumps([dict(ref), seed], sort_keys=True, default=str)
        if key not in self._datasets:
            parsed = DatasetRef.model_validate(dict(ref))
            log.info("loading dataset %s", parsed.label)
            self._datasets[key] = load_dataset(parsed, seed=seed)
        return self._datasets[key]

    def dataset(self, cell: Cell) -> Dataset:
        """The cell's dataset: its nested corpus sample when the cell has a corpus size."""
        full = self.load_dataset(cell.dataset, cell.seed)
        if cell.corpus_size is None:
            return full
        rows = nested_rows(full, cell.corpus_size, cell.seed)
        sample = take_docs(full, rows, cell.corpus_size, cell.seed)
        if sample is not full:
            self._samples[sample.fingerprint] = (full, rows)
        return sample

    def attributes(self, cell: Cell, ds: Dataset) -> tuple[Attributes, Attributes]:
        """The (documents', queries') attributes a filter reads, loaded once per dataset (a
        corpus sample draws its own synthetic fields, so a selectivity is exact in it)."""
        if ds.fingerprint not in self._attributes:
            self._attributes[ds.fingerprint] = of_dataset(ds, cell.seed)
        return self._attributes[ds.fingerprint]

    def encoder(self, cell: Cell) -> Encoder:
        key = json.dumps(cell.model, sort_keys=True)
        if key not in self._encoders:
            self._encoders[key] = build_encoder(cell.model_ref)
        return self._encoders[key]

    def vectors(self, cell: Cell, ds: Dataset) -> Vectors:
        """The dataset's vectors under the cell's model. A corpus sample of a text dataset
        takes its rows of the full corpus's encodings (encoded once, memory-mapped): it is
        never encoded on its own, and its rows are taken per call, not kept."""
        if ds.is_text and ds.fingerprint in self._samples:
            full, rows = self._samples[ds.fingerprint]
            whole = self.vectors(cell, full)
            return replace(whole, docs=whole.docs[rows], encode_s=None, encode_docs_per_s=None)
        key = (json.dumps(cell.model, sort_keys=True), ds.fingerprint)
        if key not in self._vectors:
            self._vectors[key] = self._load_vectors(cell, ds)
        return self._vectors[key]

    def _load_vectors(self, cell: Cell, ds: Dataset) -> Vectors:
        own = model_modality(cell.model_ref) == "vectors"
        if own != (not ds.is_text):  # the plan skips these cells; never mix them silently
            what = "holds text" if own else "holds vectors"
            raise ValueError(
                f"dataset {ds.name} {what}: model {cell.model_ref.label} does not apply to it"
            )
        if not ds.is_text:
            return Vectors(ds.doc_vectors, ds.query_vectors, None, None,
                           f"vectors:{ds.fingerprint}")
        enc = self.encoder(cell)
        spec = enc.spec
        if isinstance(enc, VectorLookup):  # precomputed: looked up by id, nothing to encode
            d_vec = enc.vectors_for(ds.doc_ids, "document")
            q_vec = enc.vectors_for(ds.query_ids, "query")
            return Vectors(d_vec, q_vec, None, None, spec.fingerprint, spec.matryoshka_dims)
        bs = cell.model_ref.batch_size
        d = self._encode(enc, ds, "document", bs, cell.model)
        q = self._encode(enc, ds, "query", bs, cell.model)
        vec = Vectors(d.vectors, q.vectors, None, None, spec.fingerprint, spec.matryoshka_dims)
        return _with_encode_figures(vec, d, q)

    def _encode(self, enc: Encoder, ds: Dataset, role: Role, batch_size: int,
                model: Mapping[str, Any]) -> Encoded:
        ids, texts = (ds.doc_ids, ds.docs) if role == "document" else (ds.query_ids, ds.queries)
        fp = fingerprint_texts(ids, texts)
        if not self.cache.has(enc, role, fp, len(texts)):
            log.info("encoding %d %s texts of %s with %s", len(texts), role, ds.name, enc.spec.name)
        mapper = (self.chunk_mapper, model) if self.chunk_mapper else None
        out = self.cache.encode(enc, texts, role=role, texts_fingerprint=fp,
                                batch_size=batch_size, mapper=mapper)
        if out.cache_hit:
            log.info("cache hit: %s texts of %s with %s (nothing encoded)", role, ds.name,
                     enc.spec.name)
        else:
            self.encode_calls += 1
            log.info("encoded %d %s texts in %.1f s (%.0f/s)", len(texts), role, out.seconds,
                     out.per_second or 0)
        return out

    def prepared(self, cell: Cell, vec: Vectors, precision: str | None = None) -> Prepared:
        """The cell's vectors at its dim, distance and precision (or `precision` instead:
        the exports' float32 vectors), computed, not kept."""
        return prepare(vec.docs, vec.queries, dim=cell.dim, metric=cell.metric,
                       precision=precision or cell.precision,
                       matryoshka_dims=vec.matryoshka_dims,
                       seed=cell.seed)


def _with_encode_figures(vec: Vectors, docs: Encoded, queries: Encoded) -> Vectors:
    """The documents' encoding rate without the model load, and the load apart; from the
    cache entry's record on a hit (None where it has none), never a rate made up from 0 s."""
    def load(e: Encoded) -> float | None:  # the load one role's encoding timed apart
        if not e.cache_hit:
            return e.load_seconds
        return None if e.recorded is None else e.recorded.model_load_s

    loads = (load(docs), load(queries))
    vec.model_load_s = None if None in loads else sum(x or 0.0 for x in loads)
    vec.encoded = "cache" if docs.cache_hit else "now"
    if not docs.cache_hit:
        vec.encode_s, vec.encode_docs_per_s = docs.seconds or None, docs.per_second
    elif docs.recorded is not None:
        vec.encode_s = docs.recorded.seconds or None
        vec.encode_docs_per_s = docs.recorded.per_second
    return vec


def built_index(backend: str, build: Mapping[str, Any], search: Mapping[str, Any],
                prep: Prepared, threads: int = 1) -> tuple[Backend, np.ndarray]:
    """A backend built on prepared vectors with its search parameters applied (defaults
    filled in), and the queries it searches: the untimed path (exports, notebooks)."""
    cls = backend_class(backend)
    caps = cls.capabilities
    data, queries = backend_input(prep, caps.input == "raw")
    index = cls(data.metric, caps.with_defaults("build", build), threads=threads)
    index.build(data)
    index.prepare(caps.with_defaults("search", search))
    return index, queries


def exact_top_k(prep: Prepared, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Exact top-k on the prepared vectors and distance, with every CPU (the ground truth).

    Float vectors are searched in place (faiss.knn runs the flat index's own kernel without
    copying the corpus into an index); packed bits through a binary flat index (1/32 of the
    float size)."""
    import faiss

    if prep.metric == "hamming":
        exact = backend_class("exact")(prep.metric, {}, threads=os.cpu_count() or 1)
        exact.build(IndexInput(prep.docs, prep.metric, prep.precision))
        return exact.search(prep.queries, k)
    kind = faiss.METRIC_L2 if prep.metric == "l2" else faiss.METRIC_INNER_PRODUCT
    docs = np.ascontiguousarray(prep.docs, dtype=np.float32)
    dist, ids = faiss.knn(np.ascontiguousarray(prep.queries, dtype=np.float32), docs, k,
                          metric=kind)
    return ids, to_scores(dist, prep.metric)
