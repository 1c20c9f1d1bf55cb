"""Plain functions behind the CLI: validate, plan, run, catalogue listings."""

from __future__ import annotations

import fnmatch
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
from tqdm import tqdm

from harness.cache import EmbeddingCache, default_cache_dir
from harness.manifest import environment
from harness.plan import Cell, Plan, expand
from harness.registry import BACKENDS, DATASET_KINDS, DATASETS, MODEL_KINDS, MODELS
from harness.runner import RunContext, safe_run_cell
from harness.store import RunStore
from harness.suite import LoadedSuite, load_suite

log = logging.getLogger("harness")


def validate(path: str | Path) -> Plan:
    """Load the suite and check every reference; raises UserError(s) on any problem."""
    return expand(load_suite(path))


plan = validate


@dataclass(frozen=True)
class RunOptions:
    output: Path = Path("results")
    resume: bool = True
    only: str | None = None
    cache_dir: Path | None = None
    progress: bool = True


@dataclass(frozen=True)
class RunOutcome:
    run_dir: Path
    frame: pd.DataFrame
    n_ran: int
    n_failed: int
    n_resumed: int
    encode_calls: int


def run_id(loaded: LoadedSuite) -> str:
    """Deterministic from the suite's content, so re-running the same suite resumes it."""
    return f"{loaded.suite.name}-{loaded.sha256[:8]}"


def select(cells: tuple[Cell, ...], pattern: str | None) -> list[Cell]:
    """--only: a glob over the cell label, a substring of it, or a cell id prefix."""
    if not pattern:
        return list(cells)
    return [
        c
        for c in cells
        if fnmatch.fnmatch(c.label, pattern) or pattern in c.label or c.cell_id.startswith(pattern)
    ]


class _TqdmHandler(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        tqdm.write(self.format(record))


def _setup_logging(store: RunStore, echo: bool) -> list[logging.Handler]:
    log.setLevel(logging.INFO)
    store.dir.mkdir(parents=True, exist_ok=True)
    file_h = logging.FileHandler(store.log_path, encoding="utf-8")
    file_h.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    handlers: list[logging.Handler] = [file_h]
    if echo:
        term = _TqdmHandler()
        term.setFormatter(logging.Formatter("%(message)s"))
        handlers.append(term)
    for h in handlers:
        log.addHandler(h)
    return handlers


def run(path: str | Path, options: RunOptions = RunOptions()) -> RunOutcome:
    p = expand(load_suite(path))
    loaded = p.suite
    rid = run_id(loaded)
    if not options.resume:
        rid += datetime.now(UTC).strftime("-%Y%m%dT%H%M%S")
    store = RunStore(Path(options.output) / rid)
    cells = select(p.cells, options.only)
    handlers = _setup_logging(store, options.progress)
    started = datetime.now(UTC).isoformat()
    manifest = {
        "run_id": rid,
        "suite_file": str(path),
        "suite_name": loaded.suite.name,
        "suite_sha256": loaded.sha256,
        "suite_text": loaded.text,
        "started_at": started,
        "finished_at": None,
        "cell_ids": [c.cell_id for c in p.cells],
        "cells": {c.cell_id: c.label for c in p.cells},
        "skipped": [{"cell": s.cell.label, "reason": s.reason} for s in p.skipped],
        "threads": loaded.suite.threads,
        **environment(),
    }
    previous = store.manifest()
    if previous.get("started_at"):
        manifest["first_started_at"] = previous.get("first_started_at", previous["started_at"])
    store.write_manifest(manifest)

    ctx = RunContext(cache=EmbeddingCache(options.cache_dir or default_cache_dir()))
    done = store.finished() if options.resume else {}
    todo = [c for c in cells if c.cell_id not in done]
    resumed = len(cells) - len(todo)
    try:
        log.info(
            "run %s: %d cells (%d already done, %d skipped by plan) -> %s",
            rid,
            len(cells),
            resumed,
            len(p.skipped),
            store.dir,
        )
        failed = 0
        bar = tqdm(todo, desc="cells", unit="cell", disable=not options.progress, leave=True)
        for cell in bar:
            bar.set_postfix_str(cell.label[:60])
            log.info("cell %s: %s", cell.cell_id, cell.label)
            rows, perq = safe_run_cell(cell, ctx, on_error=lambda tb: log.error("%s", tb))
            for r in rows:
                r["run_id"] = rid
            store.write_cell(cell.cell_id, {"label": cell.label}, rows, perq)
            if any(r["status"] != "ok" for r in rows):
                failed += 1
                log.error("cell %s failed: %s", cell.cell_id, rows[0]["status"])
        manifest["finished_at"] = datetime.now(UTC).isoformat()
        store.write_manifest(manifest)
        store.write_tables()
    finally:
        for h in handlers:
            log.removeHandler(h)
            h.close()
    return RunOutcome(store.dir, store.frame(), len(todo), failed, resumed, ctx.encode_calls)


SUMMARY_COLUMNS = ("dataset", "model", "dim", "precision", "metric", "backend", "search_params")


def summary(frame: pd.DataFrame, metrics: list[str]) -> str:
    """A short table for the terminal: axes, task metrics, speed and size."""
    if frame.empty:
        return "(no results)"
    cols = [c for c in SUMMARY_COLUMNS if c in frame and frame[c].nunique(dropna=False) > 1]
    cols = cols or ["model"]
    wanted = [*metrics, "knn_recall@10", "qps", "latency_p99_ms", "bytes_per_vector", "status"]
    shown = frame[[*cols, *[m for m in wanted if m in frame]]].copy()
    if "search_params" in shown:
        shown["search_params"] = shown["search_params"].fillna("")
    with pd.option_context(
        "display.width",
        200,
        "display.max_columns",
        30,
        "display.float_format",
        lambda v: f"{v:.4g}",
    ):
        return shown.to_string(index=False)


def catalogue(kind: str) -> pd.DataFrame:
    """`harness datasets` / `harness models` / `harness backends`: what exists and is installed."""
    rows = []
    if kind == "backends":
        for e in BACKENDS:
            caps = e.load().capabilities
            rows.append(
                {
                    "name": e.name,
                    "metrics": ",".join(sorted(caps.metrics)),
                    "precisions": ",".join(sorted(caps.precisions)),
                    "build": ",".join(caps.build_params),
                    "search": ",".join(caps.search_params),
                    "installed": e.available(),
                    "summary": e.summary,
                }
            )
        return pd.DataFrame(rows)
    aliases, kinds = (DATASETS, DATASET_KINDS) if kind == "datasets" else (MODELS, MODEL_KINDS)
    for e in aliases:
        rows.append(
            {
                "reference": e.name,
                "installed": e.available(),
                "summary": e.summary,
                **{k: v for k, v in e.info.items() if k in ("dim", "docs", "queries")},
                "install": "" if e.available() else e.install,
            }
        )
    for e in kinds:
        rows.append(
            {
                "reference": e.info.get("example", f"{e.name}:..."),
                "installed": e.available(),
                "summary": e.summary,
                "install": "" if e.available() else e.install,
            }
        )
    return pd.DataFrame(rows)
