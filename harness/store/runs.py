"""Results on disk: manifest, one file per finished cell, tidy tables, per-query arrays.

Every write is atomic (temp file + rename), and each cell is written before the next one
starts, so a killed run loses at most the cell in flight. The per-cell JSON files are the
source of truth; results.csv and the parquet tables are written from them once at the end of
a run (also when it is interrupted; a killed run's tables are rewritten by the next run), so
the cost of a finished cell does not grow with the run.
A store reads each cell file once and keeps the records in memory, so writing a cell costs
no re-read of the others. Records carry a schema version, checked when read.
"""

from __future__ import annotations

import fcntl
import json
import logging
import zipfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from io import BytesIO
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from pydantic import ValidationError

from harness.errors import UserError
from harness.fsutil import atomic_write_bytes, atomic_write_text
from harness.metrics.columns import main_metric
from harness.metrics.costs import Prices, with_costs
from harness.plan.cell import Cell
from harness.store.jsonio import jsonable, read_json, warn_once
from harness.store.load_table import load_frame
from harness.store.perquery import PerQuery
from harness.store.row_analysis import join_row_analysis
from harness.store.tables import long_parquet, upgraded_row, wide_parquet

#: 2: rows carry bytes_per_doc, index_fixed_bytes, rescore_bytes_per_doc, and the precision's
#: code size as code_bytes_per_vector (version 1: bytes_per_vector). Version 1 records are read
#: with their columns renamed, and their cells run again on resume (they lack bytes_per_doc).
SCHEMA_VERSION = 2
READABLE_VERSIONS = (1, SCHEMA_VERSION)
log = logging.getLogger("harness")


class RunStore:
    """One run's folder: RUN_DIR/{manifest.json, cells/, perquery/, results.*, log}."""

    def __init__(self, run_dir: Path) -> None:
        self.dir = Path(run_dir)
        self.cell_reads = 0  # cell files read from disk (each at most once per store)
        self._records: dict[str, dict[str, Any]] | None = None
        self.damaged: list[Path] = []  # cell files left out of records() (damaged on disk)

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
        """The manifest, or {} when there is none or it is damaged (a warning says so: the
        next run rebuilds it from the suite; the cell files hold the results)."""
        path = self.dir / "manifest.json"
        if not path.is_file():
            return {}
        data = read_json(path)
        if not isinstance(data, dict):
            warn_once(path, "%s is damaged (%s); `harness run` rebuilds it from the suite",
                       data if isinstance(data, str) else "not a JSON object")
            return {}
        return data

    @contextmanager
    def lock(self) -> Iterator[None]:
        """One `harness run` writes a run folder at a time: a second one is refused with one
        line (it would also measure its speed under the first one's load)."""
        self.dir.mkdir(parents=True, exist_ok=True)
        fh = (self.dir / ".lock").open("w")
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.close()
            raise UserError("another `harness run` is writing this run folder",
                            file=str(self.dir), suggestion="wait for it to finish, or run "
                            "into another --output") from None
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
            fh.close()

    def remove_leftovers(self) -> list[Path]:
        """Delete the temp files of writes a killed run left behind (run start only: a
        temp file is in flight only while its run is writing)."""
        found = [f for d in (self.dir, self.cells_dir, self.perquery_dir) if d.is_dir()
                 for f in d.glob(".*.tmp")]
        for f in found:
            f.unlink(missing_ok=True)
        if found:
            log.info("removed %d leftover temp file(s) of an interrupted run", len(found))
        return found

    def suite(self) -> dict[str, Any]:
        """The suite as it was run (parsed from the manifest's copy of the file)."""
        try:
            s = yaml.safe_load(self.manifest().get("suite_text") or "") or {}
        except yaml.YAMLError:
            s = {}
        return s if isinstance(s, dict) else {}

    def main_metrics(self) -> dict[str, str]:
        """dataset -> the task metric its rows are judged by (the rule in metrics.columns,
        written into every row); rows stored before rows carried it take the suite's first."""
        fallback = main_metric(self.suite().get("evaluate") or ())
        out: dict[str, str] = {}
        for rec in self.records().values():
            for row in rec.get("rows") or ():
                if row.get("dataset") is not None:
                    named = row.get("main_metric")
                    out[str(row["dataset"])] = named or out.get(str(row["dataset"]), fallback)
        return out

    def main_metric(self, dataset: str | None = None) -> str:
        """One dataset's main metric; without a dataset, the run's when all datasets share
        one, else the suite's first `evaluate` entry."""
        found = self.main_metrics()
        if dataset is not None and dataset in found:
            return found[dataset]
        if dataset is None and len(set(found.values())) == 1:
            return next(iter(found.values()))
        return main_metric(self.suite().get("evaluate") or ())

    def only(self, datasets: set[str]) -> RunStore:
        """The same run folder seen through the cells of these datasets only (the analysis
        runs once per main metric over the datasets judged by it)."""
        view = RunStore(self.dir)
        view._records = {cid: rec for cid, rec in self.records().items()
                         if any(str(r.get("dataset")) in datasets for r in rec.get("rows") or ())}
        return view

    # -- cell records ----------------------------------------------------------------------
    def records(self) -> dict[str, dict[str, Any]]:
        """cell_id -> stored record, every cell file read once per store. A damaged file
        (truncated, not JSON) is left out with a warning, so its cell runs again."""
        if self._records is None:
            self._records = {}
            if self.cells_dir.is_dir():
                for f in sorted(self.cells_dir.glob("*.json")):
                    rec = self._read_record(f)
                    if rec is not None:
                        self._records[rec["cell_id"]] = rec
        return self._records

    def _read_record(self, path: Path) -> dict[str, Any] | None:
        self.cell_reads += 1
        rec = read_json(path)
        if isinstance(rec, dict) and rec.get("schema_version") not in (*READABLE_VERSIONS, None):
            raise UserError(  # a genuine other version: re-running would mix two schemas
                f"cell record has schema version {rec['schema_version']}, this harness reads "
                f"{SCHEMA_VERSION}", file=str(path),
                suggestion="re-run the suite with --no-resume into a new folder, or open it "
                "with the harness version that wrote it",
            )
        if (not isinstance(rec, dict) or rec.get("cell_id") != path.stem  # names files too
                or not isinstance(rec.get("rows"), list) or "schema_version" not in rec):
            why = rec if isinstance(rec, str) else "not a complete cell record"
            warn_once(path, "%s is damaged (%s); its cell runs again", why)
            self.damaged.append(path)
            return None
        if rec["schema_version"] != SCHEMA_VERSION:
            rec["rows"] = [upgraded_row(r) for r in rec["rows"]]
        return rec

    def finished(self) -> dict[str, dict[str, Any]]:
        """cell_id -> stored cell record, for cells whose every row is ok (resume skips them)
        and whose per-query file, when there is one, is readable (else the cell runs again)."""
        done = {
            cid: rec for cid, rec in self.records().items()
            if rec.get("rows") and all(r.get("status") == "ok" for r in rec["rows"])
            and self._perquery_readable(cid, bool(rec.get("perquery")))
        }
        old = [cid for cid, rec in done.items() if rec["schema_version"] != SCHEMA_VERSION]
        if old:
            log.info("%d cell(s) were written by an older harness (schema version %s, no "
                     "bytes_per_doc); they run again", len(old), done[old[0]]["schema_version"])
        return {cid: rec for cid, rec in done.items() if cid not in old}

    def _perquery_readable(self, cell_id: str, written: bool) -> bool:
        """Whether the cell's per-query file can be read; `written`: its record says one was
        written (records of older runs do not say, and a missing file is not held against
        them)."""
        path = self.perquery_dir / f"{cell_id}.npz"
        if not path.is_file():
            if written:
                log.warning("%s is missing; its cell runs again", path)
            return not written
        try:
            self.perquery(cell_id)
        except UserError as exc:
            log.warning("%s; its cell runs again", exc.one_line())
            return False
        return True

    def cells(self) -> dict[str, Cell]:
        """cell_id -> the stored cell description, in cell-id order (records written by an
        older harness without the description are left out)."""
        recs = self.records()
        return {
            cid: Cell.from_record(recs[cid]["cell"])
            for cid in sorted(recs)
            if "dataset" in (recs[cid].get("cell") or {})
        }

    def write_cell(self, cell: Cell, rows: list[dict[str, Any]],
                   perquery: PerQuery | None = None,
                   load: list[dict[str, Any]] | None = None) -> None:
        """Per-query arrays first, then the cell record: a record on disk means complete."""
        if perquery is not None:
            buf = BytesIO()
            np.savez_compressed(buf, **perquery.to_arrays())
            atomic_write_bytes(self.perquery_dir / f"{cell.cell_id}.npz", buf.getvalue())
        rec = {"schema_version": SCHEMA_VERSION, "cell_id": cell.cell_id,
               "cell": cell.record(), "rows": rows, "perquery": perquery is not None}
        if load:  # the load axis's points (load.csv); absent without one
            rec["load"] = load
        text = json.dumps(rec, default=jsonable)
        atomic_write_text(self.cells_dir / f"{cell.cell_id}.json", text)
        self.records()[cell.cell_id] = json.loads(text)

    def rows(self, cell_ids: list[str] | None = None) -> list[dict[str, Any]]:
        recs = list(self.records().values())
        if cell_ids is not None:
            order = {c: i for i, c in enumerate(cell_ids)}
            recs = [r for r in recs if r["cell_id"] in order]
            recs.sort(key=lambda r: order[r["cell_id"]])
        else:
            recs.sort(key=lambda r: r["rows"][0].get("finished_at", "") if r["rows"] else "")
        return [dict(row) for r in recs for row in r["rows"]]

    def frame(self) -> pd.DataFrame:
        """The tidy results table (one row per cell x search setting) for reports, with the
        $ columns at the suite's prices (harness.metrics.costs)."""
        order = self.manifest().get("cell_ids")
        frame = with_costs(pd.DataFrame(self.rows(order)), self.prices())
        return join_row_analysis(frame, self.dir)  # columns the analysis step derives

    def prices(self) -> Prices:
        """The suite's `costs:` prices (validated when the suite was loaded), else defaults."""
        block = self.suite().get("costs")
        try:
            return Prices.of(block if isinstance(block, dict) else None)
        except ValidationError:  # a manifest edited by hand: the defaults, said once per read
            log.warning("%s: costs %r not understood; default prices used", self.dir, block)
            return Prices()

    def write_tables(self) -> None:
        df = self.frame()
        atomic_write_text(self.dir / "results.csv", df.to_csv(index=False))
        atomic_write_bytes(self.dir / "results.parquet", wide_parquet(df))
        atomic_write_bytes(self.dir / "results_long.parquet",
                           long_parquet(df, self.manifest().get("run_id") or self.dir.name))
        points = load_frame(self.records().values())
        if len(points):
            atomic_write_text(self.dir / "load.csv", points.to_csv(index=False))

    def perquery(self, cell_id: str) -> PerQuery:
        """A cell's per-query arrays; a damaged file is a UserError naming it (every array
        is read, so the zip's checksums are verified)."""
        path = self.perquery_dir / f"{cell_id}.npz"
        try:
            with np.load(path, allow_pickle=False) as z:
                return PerQuery.from_arrays({k: z[k] for k in z.files})
        except FileNotFoundError:
            raise
        except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile) as exc:
            raise UserError(f"per-query file is damaged ({type(exc).__name__}: {exc})",
                            file=str(path), suggestion="run the suite again: the cell is "
                            "recomputed") from None
