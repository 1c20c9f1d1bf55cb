"""Reading a finished (or partial) run folder into what reports need.

Written against the columns present: the results table gains columns over time, so every
accessor tolerates missing ones (a plot or column that needs them is simply left out).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from harness.analysis import stats
from harness.metrics.columns import is_task_metric
from harness.store.perquery import PerQuery
from harness.store.row import params as parse_params
from harness.store.runs import RunStore
from harness.store.tables import upgraded_frame
from harness.suite.axes import AXES

# Axes a run records beyond the suite's: how the dim was reached (native, truncate, pca).
EXTRA_AXES = ("dim_method",)
# The suite's axes with the recorded ones after dim: the order tables show them in.
SHOWN_AXES = tuple(a for axis in AXES for a in ((axis, *EXTRA_AXES) if axis == "dim" else (axis,)))
CI_SEED = 0
CI_BOOT = 1000


def params_text(value: Any) -> str:
    """'{"ef": 64}' -> 'ef=64'; '{"x": {"a": 1}}' -> 'x=(a=1)'; '{}' / None -> ''."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    try:
        d = parse_params(value) if isinstance(value, str) else dict(value)
    except (TypeError, ValueError):
        return str(value)
    # a nested block (a hybrid's lexical leg) as k=(a=1,b=2), not a Python dict's repr
    return ",".join(f"{k}=({params_text(v)})" if isinstance(v, dict) else f"{k}={v}"
                    for k, v in sorted(d.items()))


def paired(
    a: tuple[np.ndarray, np.ndarray], b: tuple[np.ndarray, np.ndarray]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Two (query ids, per-query values) on the queries both have, in a's order:
    (ids, values of a, values of b)."""
    ids_a, xa = a
    ids_b, xb = b
    if len(ids_a) == len(ids_b) and np.array_equal(ids_a, ids_b):
        return ids_a, xa, xb
    pos = {q: i for i, q in enumerate(ids_b)}
    keep = [i for i, q in enumerate(ids_a) if q in pos]
    return ids_a[keep], xa[keep], xb[[pos[ids_a[i]] for i in keep]]


def dim_family(method: Any) -> str:
    """A row's `dim_method` as the operation a reader compares: 'truncation' (Matryoshka or
    not: the first d components), 'pca', or 'native' (also for runs that predate the column)."""
    m = "" if method is None or (isinstance(method, float) and np.isnan(method)) else str(method)
    if m.startswith("truncate"):
        return "truncation"
    return m if m in ("pca", "native") else "native"


def dim_label(row: pd.Series | dict) -> str:
    """'d=64', 'd=64 pca', 'd=native': the dim and, for PCA, how it was reached."""
    dim = row.get("dim")
    dim_s = "native" if dim is None or (isinstance(dim, float) and np.isnan(dim)) else int(dim)
    pca = dim_family(row.get("dim_method")) == "pca"
    return f"d={dim_s}" + (" pca" if pca else "")


def config_label(row: pd.Series | dict, *, with_dataset: bool = False) -> str:
    """A short human label of one configuration (one row)."""
    g = row.get
    parts = [str(g("model")), dim_label(row), str(g("precision")), str(g("metric"))]
    be = str(g("backend"))
    bp = params_text(g("build_params")) or str(g("build") or "")
    sp = params_text(g("search_params")) or str(g("search") or "")
    if bp or sp:
        be += "(" + ";".join(p for p in (bp, sp) if p) + ")"
    parts.append(be)
    size = g("corpus_size")
    if size is not None and str(size) not in ("full", "nan", ""):  # a corpus sample
        parts.append(f"N={size}")
    second = g("rerank")
    if second is not None and str(second) not in ("nan", ""):  # a two-stage row
        parts.append(f"rerank={second}@{int(g('rerank_candidates'))}")
    if with_dataset:
        parts.insert(0, str(g("dataset")))
    return " | ".join(parts)


@dataclass
class RunData:
    """One run folder: manifest, tidy rows (with a setting index per cell), cells, per-query."""

    dir: Path
    _perquery: dict[str, PerQuery | None] = field(default_factory=dict)

    @classmethod
    def load(cls, run_dir: str | Path) -> RunData:
        d = Path(run_dir)
        if not (d / "manifest.json").is_file() and not (d / "cells").is_dir():
            raise FileNotFoundError(f"{d} is not a run folder (no manifest.json or cells/)")
        return cls(d)

    @cached_property
    def store(self) -> RunStore:
        return RunStore(self.dir)

    @cached_property
    def manifest(self) -> dict[str, Any]:
        return self.store.manifest()

    @cached_property
    def suite(self) -> dict[str, Any]:
        try:
            s = yaml.safe_load(self.manifest.get("suite_text") or "") or {}
        except yaml.YAMLError:
            s = {}
        return s if isinstance(s, dict) else {}

    @property
    def run_id(self) -> str:
        return str(self.manifest.get("run_id") or self.dir.name)

    @cached_property
    def cells(self) -> dict[str, dict[str, Any]]:
        """cell_id -> the stored cell description (at least its label)."""
        # the store's records: each cell file read once (the frame reads the same ones)
        return {cid: rec.get("cell") or {} for cid, rec in self.store.records().items()}

    @cached_property
    def frame(self) -> pd.DataFrame:
        """The results table plus `_setting` (the row's search-setting index in its cell)."""
        df = self.store.frame()
        if df.empty:
            csv = self.dir / "results.csv"
            if csv.is_file():
                df = upgraded_frame(pd.read_csv(csv))
        if df.empty:
            return df
        if "status" not in df:
            df["status"] = "ok"
        if "run_id" not in df:
            df["run_id"] = self.run_id
        order = df.groupby("cell_id", sort=False).cumcount()
        if "setting" in df:  # stored by newer runners; the row order gives it otherwise
            order = pd.to_numeric(df["setting"], errors="coerce").fillna(order).astype(int)
        df["_setting"] = order
        return df.reset_index(drop=True)

    @property
    def ok(self) -> pd.DataFrame:
        df = self.frame
        if df.empty:
            return df
        return df[df["status"].astype(str) == "ok"]

    @cached_property
    def task_metrics(self) -> list[str]:
        """Task metric columns: the suite's evaluate order first, then any other @k column."""
        cols = [c for c in self.frame.columns if is_task_metric(str(c))]
        order = [str(m).lower() for m in self.suite.get("evaluate") or []]
        first = [m for m in order if m in cols]
        return first + [c for c in cols if c not in first]

    def main_metric(self, dataset: str | None = None) -> str | None:
        """The dataset's main task metric: its `main_metric` column, else the suite's first."""
        df = self.frame
        if "main_metric" in df and not df.empty:
            sel = df if dataset is None else df[df["dataset"] == dataset]
            vals = sel["main_metric"].dropna().astype(str)
            vals = vals[vals.isin(df.columns)]
            if len(vals):
                return str(vals.iloc[0])
        return self.task_metrics[0] if self.task_metrics else None

    def analysis_table(self, name: str) -> pd.DataFrame:
        """One of the analysis step's tables (names in harness.analysis.outputs); empty when
        the run folder has none or it cannot be read."""
        path = self.dir / name
        try:
            if not path.is_file() or path.stat().st_size <= 1:
                return pd.DataFrame()
            return pd.read_csv(path)
        except (pd.errors.EmptyDataError, pd.errors.ParserError, OSError, UnicodeDecodeError):
            return pd.DataFrame()

    def perquery(self, cell_id: str) -> PerQuery | None:
        if cell_id not in self._perquery:
            try:
                self._perquery[cell_id] = self.store.perquery(cell_id)
            except (OSError, ValueError, KeyError):
                self._perquery[cell_id] = None
        return self._perquery[cell_id]

    def values(self, row: pd.Series | dict, metric: str) -> tuple[np.ndarray, np.ndarray] | None:
        """(query_ids, per-query values) of one row's metric, or None when not stored."""
        pq = self.perquery(str(row["cell_id"]))
        return None if pq is None else pq.values(int(row["_setting"]), metric)

    @cached_property
    def cis(self) -> dict[tuple[str, int], dict[str, stats.CI]]:
        """(cell_id, setting) -> metric -> bootstrap 95% CI, for every per-query metric stored."""
        out: dict[tuple[str, int], dict[str, stats.CI]] = {}
        wanted = [
            *self.task_metrics,
            *[c for c in self.frame.columns if str(c).startswith("knn_recall@")],
        ]
        for _, row in self.ok.iterrows():
            names, cols = [], []
            for m in wanted:
                v = self.values(row, m)
                # resampled jointly: only arrays over the same queries as the first one
                if v is not None and (not cols or len(v[1]) == len(cols[0])):
                    names.append(m)
                    cols.append(v[1])
            if not cols:
                continue
            cis = stats.bootstrap_cis(np.column_stack(cols), n_boot=CI_BOOT, seed=CI_SEED)
            out[(str(row["cell_id"]), int(row["_setting"]))] = dict(zip(names, cis, strict=True))
        return out

    def ci(self, row: pd.Series | dict, metric: str) -> stats.CI | None:
        return self.cis.get((str(row["cell_id"]), int(row["_setting"])), {}).get(metric)

    def cell_dataset_ref(self, cell_id: str) -> tuple[dict[str, Any], int] | None:
        """(DatasetRef as a dict, seed) of a cell, from its record or the suite text."""
        cell = self.cells.get(cell_id) or {}
        if isinstance(cell.get("dataset"), dict):
            return cell["dataset"], int(cell.get("seed", self.suite.get("seed", 0)) or 0)
        label = str(cell.get("label") or self.manifest.get("cells", {}).get(cell_id, ""))
        ds_label = label.split(" | ")[0] if label else None
        for d in self.suite.get("datasets") or []:
            ref = {"ref": d} if isinstance(d, str) else dict(d)
            if ds_label in (ref.get("name"), ref.get("ref")):
                return ref, int(self.suite.get("seed", 0) or 0)
        return None


def find_runs(results_dir: str | Path) -> list[Path]:
    """Every run folder (one holding manifest.json) under results_dir, itself included."""
    root = Path(results_dir)
    found = sorted({p.parent for p in root.rglob("manifest.json")})
    return [p for p in found if (p / "cells").is_dir() or (p / "results.csv").is_file()]
