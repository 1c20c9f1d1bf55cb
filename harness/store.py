"""Results on disk: manifest, one file per finished cell, tidy tables, per-query arrays.

Every write is atomic (temp file + rename), and each cell is written before the next one
starts, so a killed run loses at most the cell in flight. The per-cell JSON files are the
source of truth; results.csv and results.parquet are regenerated from them after each cell.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from io import BytesIO
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from harness.fsutil import atomic_write_bytes, atomic_write_text
from harness.perquery import PerQuery

SCHEMA_VERSION = 1
class RunStore:
    """One run's folder: RUN_DIR/{manifest.json, cells/, perquery/, results.*, log}."""

    def __init__(self, run_dir: Path) -> None:
        self.dir = Path(run_dir)

    @property
    def cells_dir(self) -> Path:
        return self.dir / "cells"

    @property
    def perquery_dir(self) -> Path:
        return self.dir / "perquery"

    @property
    def log_path(self) -> Path:
        return self.dir / "log"

    def write_manifest(self, manifest: Mapping[str, Any]) -> None:
        atomic_write_text(self.dir / "manifest.json", json.dumps(manifest, indent=2, default=str))

    def manifest(self) -> dict[str, Any]:
        path = self.dir / "manifest.json"
        return json.loads(path.read_text()) if path.is_file() else {}

    def finished(self) -> dict[str, dict[str, Any]]:
        """cell_id -> stored cell record, for cells whose every row is ok (resume skips them)."""
        out: dict[str, dict[str, Any]] = {}
        if not self.cells_dir.is_dir():
            return out
        for f in self.cells_dir.glob("*.json"):
            rec = json.loads(f.read_text())
            if rec.get("rows") and all(r.get("status") == "ok" for r in rec["rows"]):
                out[rec["cell_id"]] = rec
        return out

    def write_cell(
        self,
        cell_id: str,
        cell: Mapping[str, Any],
        rows: list[dict[str, Any]],
        perquery: PerQuery | None = None,
    ) -> None:
        """Per-query arrays first, then the cell record: a record on disk means complete."""
        if perquery is not None:
            buf = BytesIO()
            np.savez_compressed(buf, **perquery.to_arrays())
            atomic_write_bytes(self.perquery_dir / f"{cell_id}.npz", buf.getvalue())
        rec = {"schema_version": SCHEMA_VERSION, "cell_id": cell_id, "cell": cell, "rows": rows}
        atomic_write_text(self.cells_dir / f"{cell_id}.json", json.dumps(rec, default=_jsonable))
        self.write_tables()

    def rows(self, cell_ids: list[str] | None = None) -> list[dict[str, Any]]:
        recs = []
        if self.cells_dir.is_dir():
            for f in self.cells_dir.glob("*.json"):
                recs.append(json.loads(f.read_text()))
        if cell_ids is not None:
            order = {c: i for i, c in enumerate(cell_ids)}
            recs = [r for r in recs if r["cell_id"] in order]
            recs.sort(key=lambda r: order[r["cell_id"]])
        else:
            recs.sort(key=lambda r: r["rows"][0].get("finished_at", "") if r["rows"] else "")
        return [row for r in recs for row in r["rows"]]

    def frame(self) -> pd.DataFrame:
        """The tidy results table (one row per cell x search setting) for reports."""
        order = self.manifest().get("cell_ids")
        return pd.DataFrame(self.rows(order))

    def write_tables(self) -> None:
        df = self.frame()
        atomic_write_text(self.dir / "results.csv", df.to_csv(index=False))
        buf = BytesIO()
        df.to_parquet(buf, index=False)
        atomic_write_bytes(self.dir / "results.parquet", buf.getvalue())

    def perquery(self, cell_id: str) -> PerQuery:
        path = self.perquery_dir / f"{cell_id}.npz"
        with np.load(path, allow_pickle=False) as z:
            return PerQuery.from_arrays({k: z[k] for k in z.files})


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    return str(obj)
