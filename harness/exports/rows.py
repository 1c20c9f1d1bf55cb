"""What every exporter walks over: a run's finished result rows with their cell and ranking."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from harness.plan.cell import Cell
from harness.store.perquery import PerQuery
from harness.store.row import params as parse_params
from harness.store.runs import RunStore


@dataclass(frozen=True)
class ResultRow:
    """One ok row of results.csv (a cell x search setting) and its cell's description."""

    row: dict[str, Any]
    cell: Cell

    @property
    def setting(self) -> int:
        return int(self.row["setting"])

    @property
    def tag(self) -> str:
        """A name without whitespace, unique in the run: '<cell_id>-s<setting>'."""
        return f"{self.row['cell_id']}-s{self.setting}"

    @property
    def search_params(self) -> dict[str, Any]:
        return parse_params(self.row.get("search_params"))

    @property
    def build_params(self) -> dict[str, Any]:
        return parse_params(self.row.get("build_params"))


def result_rows(store: RunStore) -> Iterator[ResultRow]:
    """The run's ok rows in results.csv order (failed rows have nothing to export)."""
    cells = store.cells()
    for row in store.rows(store.manifest().get("cell_ids")):
        cell = cells.get(str(row.get("cell_id")))
        if row.get("status") == "ok" and cell is not None:
            yield ResultRow(row, cell)


def stored_ranking(store: RunStore, r: ResultRow,
                   cache: dict[str, PerQuery | None]) -> tuple[PerQuery, np.ndarray,
                                                            np.ndarray] | None:
    """(per-query record, ids, scores) of a row; None when its folder kept no scores."""
    cid = str(r.row["cell_id"])
    if cid not in cache:
        path = store.perquery_dir / f"{cid}.npz"
        cache[cid] = store.perquery(cid) if path.is_file() else None
    pq = cache[cid]
    got = None if pq is None else pq.ranking(r.setting)
    return None if got is None else (pq, *got)


def slug(text: str) -> str:
    """A file-name-safe form of a label ('beir:/data/scifact' -> 'beir_data_scifact')."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("_") or "x"


@dataclass
class Exported:
    """What an export wrote, and the rows or files it could not write (with why)."""

    out: Path
    files: list[Path] = field(default_factory=list)  # one per row (trec) or variant (mteb)
    qrels: list[Path] = field(default_factory=list)
    datasets: list[Path] = field(default_factory=list)  # ann-benchmarks' data files
    skipped: list[str] = field(default_factory=list)  # "<what>: why"

    def summary(self) -> str:
        lines = [f"{self.out}: {len(self.files)} result files"
                 + (f", {len(self.qrels)} qrels files" if self.qrels else "")
                 + (f", {len(self.datasets)} dataset files" if self.datasets else "")]
        lines += [f"  not written: {s}" for s in self.skipped]
        return "\n".join(lines)
