"""Lexical retrieval inside a cell: a bm25 model's own cell, and the lexical leg of hybrid
settings (fused with the dense results inside the timed call, so qps and latency are those
of the whole hybrid pipeline).

The lexical index is built before any timing; its build time and size are reported in their
own columns (`lexical_build_s`, `lexical_bytes`), and its size is added to the row's memory
figures.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from harness.backends.base import LEXICAL_KEY, IndexInput, IndexMemory
from harness.datasets.base import Dataset
from harness.embeddings.prepared import Prepared
from harness.execution.searcher import Searcher
from harness.lexical.bm25 import BM25Index, BM25Options
from harness.lexical.fusion import FusionOptions, fuse


def options_of(params: Mapping[str, Any]) -> BM25Options:
    return BM25Options(**{k: v for k, v in params.items() if k != "ref"})


class LexicalBackend:
    """BM25 behind the Backend interface: it indexes the documents' texts (IndexInput.vectors
    holds them as an object array) and searches query texts."""

    def __init__(self, options: BM25Options) -> None:
        self.index = BM25Index(options)
        self.n_docs = 0

    def build(self, data: IndexInput) -> None:
        self.index.build(list(data.vectors))
        self.n_docs = len(data.vectors)

    def prepare(self, search: Mapping[str, Any]) -> None:
        return None

    def set_threads(self, n: int) -> None:
        return None  # bm25s searches one query per call on the calling thread

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        return self.index.search(queries, k)  # a sequence of texts, as the index takes

    def nbytes(self) -> int:
        return self.index.nbytes()

    def memory(self) -> IndexMemory:
        """The bm25 index's arrays (scores, term ids, pointers) per document."""
        return IndexMemory(self.nbytes() / max(1, self.n_docs))


def texts(ds: Dataset, role: str) -> np.ndarray:
    """A dataset's texts as an object array (sliced like query vectors by the Searcher)."""
    values = ds.docs if role == "document" else ds.queries
    if values is None:
        raise ValueError(f"dataset {ds.name} holds no texts: lexical retrieval needs them")
    out = np.empty(len(values), dtype=object)
    out[:] = list(values)
    return out


@dataclass
class LexicalLeg:
    """A built lexical index for the hybrid settings of one cell."""

    index: BM25Index
    build_s: float
    nbytes: int


def build_legs(grid: list[dict[str, Any]], ds: Dataset) -> dict[str, LexicalLeg]:
    """One lexical index per distinct lexical model among the hybrid settings (untimed)."""
    legs: dict[str, LexicalLeg] = {}
    for s in grid:
        if LEXICAL_KEY not in s:
            continue
        key = json.dumps(s[LEXICAL_KEY], sort_keys=True)
        if key not in legs:
            index = BM25Index(options_of(s[LEXICAL_KEY]))
            t0 = time.perf_counter_ns()
            index.build(list(texts(ds, "document")))
            legs[key] = LexicalLeg(index, (time.perf_counter_ns() - t0) / 1e9, index.nbytes())
    return legs


def leg_of(setting: Mapping[str, Any], legs: dict[str, LexicalLeg]) -> LexicalLeg | None:
    if LEXICAL_KEY not in setting:
        return None
    return legs[json.dumps(setting[LEXICAL_KEY], sort_keys=True)]


class HybridSearcher:
    """A dense Searcher's results fused with the lexical leg's, for the same query rows."""

    def __init__(self, dense: Searcher, leg: LexicalLeg, query_texts: np.ndarray,
                 setting: Mapping[str, Any]) -> None:
        self.dense, self.leg, self.texts = dense, leg, query_texts
        self.queries = dense.queries
        self.k = dense.k
        self.fusion = FusionOptions(
            method=str(setting.get("fusion", "rrf")),
            rrf_k=float(setting.get("rrf_k", 60.0)),
            alpha=float(setting.get("alpha", 0.5)),
            norm=str(setting.get("norm", "minmax")),
        )

    def whole(self) -> tuple:
        return (*self.dense.whole(), self.texts)

    def rows(self) -> list[tuple]:
        return [(*b, self.texts[i : i + 1]) for i, b in enumerate(self.dense.rows())]

    def head(self, n: int) -> tuple:
        return (*self.dense.head(n), self.texts[:n])

    def __call__(self, batch: tuple) -> tuple[np.ndarray, np.ndarray]:
        dense = self.dense(batch[:2])
        lexical = self.leg.index.search(batch[2], self.k)
        return fuse(dense, lexical, self.k, self.fusion)


def lexical_prepared(ds: Dataset, precision: str) -> Prepared:
    """A lexical cell's inputs in the shape the timing loop reads: texts, not vectors."""
    docs, queries = texts(ds, "document"), texts(ds, "query")
    return Prepared(docs=docs, queries=queries, metric="bm25", precision=precision, dim=0,
                    bytes_per_vector=float("nan"), raw_docs=docs, raw_queries=queries,
                    raw_metric="bm25", dim_method="lexical")
