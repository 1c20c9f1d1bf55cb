"""One sub-index per group of documents (the `partition` filter strategy).

`Partitioned` wraps a backend class: `build` builds one instance over each group's rows (so a
cell's build time and memory include every sub-index), `prepare` / `set_threads` reach all of
them, and `search_parts` searches the groups a query selects and merges their results by
score (ties: the lower document index). Ids come back in the whole corpus's numbering.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from harness.backends.base import Backend, IndexInput, IndexMemory

Make = Callable[[], Backend]


class Partitioned:
    """Sub-indexes over fixed groups of rows; searched group by group."""

    def __init__(self, make: Make, rows: Sequence[np.ndarray]) -> None:
        self.make = make
        self.rows = [np.asarray(r, dtype=np.int64) for r in rows]
        self.parts: list[Backend | None] = []
        self.index = None  # no single library index: `in` does not apply

    def build(self, data: IndexInput) -> None:
        self.parts = []
        for rows in self.rows:
            if len(rows) == 0:
                self.parts.append(None)
                continue
            part = self.make()
            raw = None if data.raw is None else data.raw[rows]
            part.build(replace(data, vectors=np.ascontiguousarray(data.vectors[rows]), raw=raw))
            self.parts.append(part)

    def _built(self) -> list[Backend]:
        return [p for p in self.parts if p is not None]

    def prepare(self, search: Mapping[str, Any]) -> None:
        for p in self._built():
            p.prepare(search)

    def set_threads(self, n: int) -> None:
        for p in self._built():
            p.set_threads(n)

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Every group searched and merged: the unfiltered search over the whole corpus."""
        return self.search_parts(queries, k, list(range(len(self.parts))))

    def search_parts(self, queries: np.ndarray, k: int, parts: Sequence[int]
                     ) -> tuple[np.ndarray, np.ndarray]:
        """Top-k over the union of `parts` (-1 slots when they hold fewer than k)."""
        got_ids, got_scores = [], []
        for j in parts:
            part = self.parts[j]
            if part is None:
                continue
            kk = min(k, len(self.rows[j]))
            ids, scores = part.search(queries, kk)
            ids = np.asarray(ids, dtype=np.int64)
            got_ids.append(np.where(ids >= 0, self.rows[j][np.maximum(ids, 0)], -1))
            got_scores.append(np.where(ids >= 0, np.asarray(scores, np.float32), -np.inf))
        return merge(got_ids, got_scores, len(queries), k)

    def nbytes(self) -> int:
        return sum(p.nbytes() for p in self._built())

    def memory(self) -> IndexMemory:
        """Bytes per document of the whole corpus (each part's per-doc cost times its size)
        and the sum of the parts' fixed bytes."""
        n = sum(len(r) for r, p in zip(self.rows, self.parts, strict=True) if p is not None)
        mems = [(len(r), p.memory()) for r, p in zip(self.rows, self.parts, strict=True)
                if p is not None]
        return IndexMemory(
            per_doc=sum(m.per_doc * c for c, m in mems) / max(n, 1),
            fixed=int(sum(m.fixed for _, m in mems)),
            rescore_per_doc=sum(m.rescore_per_doc * c for c, m in mems) / max(n, 1))


def merge(ids: list[np.ndarray], scores: list[np.ndarray], n: int, k: int
          ) -> tuple[np.ndarray, np.ndarray]:
    """The best k of several result lists per query (score, then lower id; -1 slots last)."""
    out_ids = np.full((n, k), -1, dtype=np.int64)
    out_scores = np.full((n, k), -np.inf, dtype=np.float32)
    if not ids:
        return out_ids, out_scores
    if len(ids) == 1:
        kk = ids[0].shape[1]
        out_ids[:, :kk], out_scores[:, :kk] = ids[0], scores[0]
        return out_ids, out_scores
    all_ids, all_scores = np.concatenate(ids, axis=1), np.concatenate(scores, axis=1)
    for i in range(n):
        ok = all_ids[i] >= 0
        cand_ids, cand_scores = all_ids[i][ok], all_scores[i][ok]
        order = np.lexsort((cand_ids, -cand_scores.astype(np.float64)))[:k]
        out_ids[i, :len(order)] = cand_ids[order]
        out_scores[i, :len(order)] = cand_scores[order]
    return out_ids, out_scores
