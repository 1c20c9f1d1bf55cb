"""Cells and plans: plain values every layer may import.

A Cell is one index build, described completely by plain values (so it can be shipped to
another process or machine); its search grid runs inside it, as in ann-benchmarks.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from functools import cached_property
from typing import Any

from harness.suite.schema import DatasetRef, LoadedSuite, ModelRef


@dataclass(frozen=True)
class Cell:
    dataset: dict[str, Any]  # DatasetRef as a dict
    model: dict[str, Any]  # ModelRef as a dict
    dim: int | str | None
    precision: str
    metric: str
    backend: str
    build: dict[str, Any]
    search_grid: tuple[dict[str, Any], ...]
    k: int
    evaluate: tuple[str, ...]
    seed: int
    repeats: int
    warmup: int
    threads: int
    corpus_size: int | None = None  # a nested seeded sample of the corpus; None: all of it
    # the suite's load axis (LoadSpec as a dict, plus its slo_p99_ms); None: no load points
    load: dict[str, Any] | None = None
    # a filtered cell (plan/filter_cells.py): {name, where, strategy, oversample}; None: none
    filter: dict[str, Any] | None = None
    # a second stage (plan/rerank.py): model, kind, candidates, batch_size; None: one stage
    rerank: dict[str, Any] | None = None

    # Derived once per instance (a frozen dataclass still has a __dict__ for these).
    @cached_property
    def dataset_ref(self) -> DatasetRef:
        return DatasetRef.model_validate(self.dataset)

    @cached_property
    def model_ref(self) -> ModelRef:
        return ModelRef.model_validate(self.model)

    @cached_property
    def cell_id(self) -> str:
        """Stable id from everything that changes the cell's results."""
        fields = asdict(self)
        if self.corpus_size is None:  # absent at full size: ids from before the axis hold
            del fields["corpus_size"]
        if self.load is None:  # absent without a load axis: ids from before it hold
            del fields["load"]
        if self.filter is None:  # absent unfiltered: ids from before the filters axis hold
            del fields["filter"]
        if self.rerank is None:  # absent without a second stage: ids from before it hold
            del fields["rerank"]
        canon = json.dumps(fields, sort_keys=True, default=str)
        return hashlib.sha256(canon.encode()).hexdigest()[:12]

    @cached_property
    def label(self) -> str:
        params = ",".join(f"{k}={v}" for k, v in sorted(self.build.items()))
        dim = self.dim if self.dim is not None else "native"
        size = f" | N={self.corpus_size}" if self.corpus_size is not None else ""
        filt = f" | {self.filter['name']} ({self.filter['strategy']})" if self.filter else ""
        second = (f" | rerank={self.rerank['label']}@{self.rerank['candidates']}"
                  if self.rerank else "")
        return (
            f"{self.dataset_ref.label}{size} | {self.model_ref.label} | dim={dim} | "
            f"{self.precision} | {self.metric} | {self.backend}" + (f"({params})" if params else "")
            + filt + second
        )

    def answers(self) -> dict[str, tuple[Any, ...]]:
        """What the cell answers to on each rule axis (datasets/models: label and reference)."""
        return {
            "dataset": (self.dataset_ref.label, self.dataset["ref"]),
            "model": (self.model_ref.label, self.model["ref"]),
            "dim": (self.dim,),
            "precision": (self.precision,),
            "metric": (self.metric,),
            "backend": (self.backend,),
            "corpus_size": ("full" if self.corpus_size is None else self.corpus_size,),
        }

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> Cell:
        """A cell from its stored description (the JSON of `asdict` plus a label)."""
        c = {k: v for k, v in record.items() if k != "label"}
        c["search_grid"] = tuple(c["search_grid"])
        c["evaluate"] = tuple(c["evaluate"])
        return cls(**c)

    def record(self) -> dict[str, Any]:
        return {"label": self.label, **asdict(self)}


def size_label(cell: Cell) -> str:
    """The cell's corpus size as rows carry it: '10000', or 'full' for the whole corpus."""
    return "full" if cell.corpus_size is None else str(cell.corpus_size)


@dataclass(frozen=True)
class Skipped:
    cell: Cell
    reason: str


@dataclass(frozen=True)
class Plan:
    suite: LoadedSuite
    cells: tuple[Cell, ...]
    skipped: tuple[Skipped, ...]
    notes: tuple[tuple[str, str], ...] = ()  # (backend, its Capabilities.note)


def grid(params: Mapping[str, Any]) -> list[dict[str, Any]]:
    """{'a': [1, 2], 'b': 3} -> [{'a': 1, 'b': 3}, {'a': 2, 'b': 3}] (keys sorted)."""
    keys = sorted(params)
    values = [v if isinstance(v, list) else [v] for v in (params[k] for k in keys)]
    return [dict(zip(keys, combo, strict=True)) for combo in itertools.product(*values)]
