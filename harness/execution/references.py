"""Exact-search reference points for the analysis (the `References` port).

Stored exact rows are reused first (ann-benchmarks keeps ground truth with the data for the
same reason): a reference point equals an exact cell of the run when dataset, model, dim,
precision, distance, k and seed agree and one of its settings has the same rescoring. Only
the missing points are computed through `reference_cell` (the cell path with one search
pass; exact search is deterministic and single-threaded there, so a reused point is the one
it would recompute) and kept in RUN_DIR/references/ with the query difficulties, so that
analysing the run again computes nothing twice.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import numpy as np

from harness.datasets.base import Dataset
from harness.execution import difficulty_search as difficulty
from harness.execution.runner import reference_cell
from harness.inputs.cell_inputs import CellInputs
from harness.metrics.query_difficulty import QueryDifficulty
from harness.plan.cell import Cell
from harness.plan.refs import is_lexical, model_modality
from harness.store.reference_cache import ReferenceCache, key_of
from harness.store.row import params as parse_params
from harness.store.runs import RunStore
from harness.suite.axes import dim_reducer


class ReferencePoints:
    """Reference points of one run for one main metric, each computed at most once."""

    def __init__(self, ctx: CellInputs, store: RunStore, metric_name: str) -> None:
        self.ctx, self.store, self.metric_name = ctx, store, metric_name
        self.computed = 0  # reference points that were not in the store
        self.reused = 0  # reference points read from stored exact cells
        self.kept = 0  # reference points an earlier analysis of this run computed
        self.cache = ReferenceCache(store.dir)
        self._prints: dict[tuple, set[str]] | None = None
        self._memo: dict[str, tuple[float, np.ndarray]] = {}
        self._stored: dict[tuple, tuple[float, np.ndarray]] | None = None
        self._qids: dict[object, np.ndarray] = {}  # memo / stored key -> evaluated query ids
        self._difficulty: dict[tuple, QueryDifficulty] = {}

    def _reference(self, cell: Cell, dim: Any, precision: str, metric: str,
                   rescore: int) -> Cell:
        """The exact cell a reference point is the result of."""
        if metric != "cosine" and _distance_free(dim, precision, rescore):
            metric = "cosine"  # the same codes under every distance: one point serves all
        grid = ({"rescore": rescore},) if rescore else ({},)
        return replace(cell, backend="exact", build={}, search_grid=grid, dim=dim,
                       precision=precision, metric=metric, repeats=1, warmup=0, rerank=None,
                       evaluate=tuple(dict.fromkeys((self.metric_name, *cell.evaluate))))

    def value(self, cell: Cell, *, dim: Any, precision: str, metric: str,
              rescore: int = 0) -> tuple[float, np.ndarray]:
        ref = self._reference(cell, dim, precision, metric, rescore)
        key = ref.cell_id
        if key not in self._memo:
            content = _content(ref, rescore)
            stored = self._stored_points().get(content)
            if stored is not None:
                self.reused += 1
                qids = self._qids[content]
            else:
                stored, qids = self._kept_or_computed(ref, rescore)
            self._qids[key] = qids
            self._memo[key] = stored
        return self._memo[key]

    def _kept_or_computed(self, ref: Cell, rescore: int
                          ) -> tuple[tuple[float, np.ndarray], np.ndarray]:
        """((mean, per-query values), query ids) of a point this run's analysis computed
        before (RUN_DIR/references/), else computed through the cell path and kept there."""
        name = self._cache_key(ref, rescore)
        kept = self.cache.point(name)
        if kept is not None:
            self.kept += 1
            mean, values, qids = kept
        else:
            self.computed += 1
            rows, perq = reference_cell(ref, self.ctx)
            mean = float(rows[0][self.metric_name])
            values, qids = perq.task_values(0, self.metric_name), np.asarray(perq.query_ids)
            self.cache.save_point(name, mean, values, qids)
        return (mean, values), qids

    def _cache_key(self, cell: Cell, rescore: int) -> str:
        """What determines a computed value: the cell's content, the main metric and the
        fingerprints of the data and model its rows were measured on."""
        if self._prints is None:  # (dataset, model) -> the fingerprints its rows carry
            self._prints = {}
            for row in self.store.rows():
                pair = (row.get("dataset"), row.get("model"))
                got = self._prints.setdefault(pair, set())
                got.update(str(row[c]) for c in ("dataset_fingerprint", "model_fingerprint")
                           if row.get(c) is not None)
        prints = sorted(self._prints.get((cell.dataset_ref.label, cell.model_ref.label), ()))
        return key_of(_content(cell, rescore), self.metric_name, prints)

    def by_query(self, cell: Cell, *, dim: Any, precision: str, metric: str,
                 rescore: int = 0) -> dict[str, float]:
        """value()'s per-query values keyed by query id (a filtered cell: its filter kept)."""
        _, values = self.value(cell, dim=dim, precision=precision, metric=metric,
                               rescore=rescore)
        key = self._reference(cell, dim, precision, metric, rescore).cell_id
        return dict(zip(map(str, self._qids[key]), map(float, values), strict=True))

    def native_distance(self, cell: Cell) -> str:
        if model_modality(cell.model_ref) == "vectors":
            return "cosine"  # a vector dataset's own vectors: no model to ask
        return self.ctx.encoder(cell).spec.default_metric

    def dataset(self, cell: Cell) -> Dataset:
        return self.ctx.dataset(cell)

    def vectors(self, cell: Cell) -> tuple[np.ndarray, np.ndarray]:
        vec = self.ctx.vectors(cell, self.ctx.dataset(cell))
        return vec.docs, vec.queries

    def difficulty(self, cell: Cell) -> QueryDifficulty:
        key = _content(cell, 0)
        if key not in self._difficulty:
            name = difficulty_key(cell)
            kept = self.cache.difficulty(name)  # measured in the cell, or by an earlier analysis
            if kept is None:
                vec = self.ctx.vectors(cell, self.ctx.dataset(cell))
                prep = self.ctx.prepared(cell, vec)
                kept = difficulty.measure(prep, self.ctx.dataset(cell), cell.k, cell.seed)
                self.cache.save_difficulty(name, kept)
            self._difficulty[key] = kept
        return self._difficulty[key]

    def _stored_points(self) -> dict[tuple, tuple[float, np.ndarray]]:
        """Every ok setting of the stored exact cells that holds the main metric."""
        if self._stored is None:
            self._stored = {}
            records = self.store.records()
            for cid, cell in self.store.cells().items():
                if cell.backend == "exact" and cell.rerank is None:
                    self._add_stored(cell, records[cid]["rows"])
        return self._stored

    def _add_stored(self, cell: Cell, rows: list[dict[str, Any]]) -> None:
        name = self.metric_name
        for row in rows:
            if row.get("status") != "ok" or row.get(name) is None:
                continue
            params = parse_params(row.get("search_params"))
            if str(params.get("rescore_with") or "float32") != "float32":
                continue  # reference points rescore with float32 vectors
            if str(params.get("hybrid") or "none") != "none":
                continue  # fused with a lexical leg: not the dense exact search it stands for
            rescore = int(params.get("rescore", 0) or 0)
            perq = self.store.perquery(cell.cell_id)
            values = perq.task_values(int(row["setting"]), name)
            if values is not None:
                self._stored[_content(cell, rescore)] = (float(row[name]), values)
                self._qids[_content(cell, rescore)] = np.asarray(perq.query_ids)


def difficulty_key(cell: Cell) -> str:
    """The file stem of a vector space's query difficulty in RUN_DIR/references/."""
    return key_of(_content(cell, 0), "difficulty")


def measures_difficulty(cell: Cell) -> bool:
    """A cell whose vectors the analysis reads the query difficulty of: dense, unfiltered,
    one stage (harness.analysis.funnel.dense_rows)."""
    return cell.filter is None and cell.rerank is None and not is_lexical(cell.model_ref)


class DifficultyClaims:
    """Which cell measures each vector space's query difficulty while it holds the vectors:
    the first one asked about (plan order), unless the run folder has it already."""

    def __init__(self, store: RunStore) -> None:
        self.cache = ReferenceCache(store.dir)
        self._claimed: set[str] = set()

    def claim(self, cell: Cell) -> bool:
        if not measures_difficulty(cell):
            return False
        key = difficulty_key(cell)
        if key in self._claimed or self.cache.has_difficulty(key):
            return False
        self._claimed.add(key)
        return True


def _distance_free(dim: Any, precision: str, rescore: int) -> bool:
    """Exact search gives the same results under every distance: plain sign bits (x > 0) of
    truncated vectors are the same bits whether the vectors were normalised (cosine) or not
    (ip, l2), and Hamming search reads nothing else. Not after PCA (fitted on normalised or
    raw vectors), a rotation (rounding can flip a bit near 0) or float rescoring."""
    return precision == "binary" and not rescore and dim_reducer(dim) != "pca"


def _content(cell: Cell, rescore: int) -> tuple:
    """What determines an exact search's task metric values (not timing, repeats or threads);
    a filtered exact cell (pre, in, post) answers other queries: its filter is part of it."""
    return (json.dumps(cell.dataset, sort_keys=True), json.dumps(cell.model, sort_keys=True),
            cell.dim, cell.precision, cell.metric, cell.k, cell.seed, cell.corpus_size, rescore,
            json.dumps(cell.filter, sort_keys=True))
