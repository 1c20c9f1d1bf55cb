"""Plain functions behind the CLI: validate, plan, run, catalogue listings."""

from __future__ import annotations

import fnmatch
import logging
from dataclasses import asdict, dataclass
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
    report: bool = True  # write RUN_DIR/report.html (and report/*.csv) at the end
    analysis: bool = True  # funnel, rankings and recommendation (exact searches on the cache)


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
        "cache_dir": str(options.cache_dir or default_cache_dir()),
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
            store.write_cell(cell.cell_id, {"label": cell.label, **asdict(cell)}, rows, perq)
            if any(r["status"] != "ok" for r in rows):
                failed += 1
                log.error("cell %s failed: %s", cell.cell_id, rows[0]["status"])
        manifest["finished_at"] = datetime.now(UTC).isoformat()
        store.write_manifest(manifest)
        store.write_tables()
        if options.analysis:
            _analyse_quietly(store.dir, options.cache_dir)
        if options.report:
            _report_quietly(store.dir)
    finally:
        for h in handlers:
            log.removeHandler(h)
            h.close()
    return RunOutcome(store.dir, store.frame(), len(todo), failed, resumed, ctx.encode_calls)


SUMMARY_COLUMNS = (
    "dataset", "model", "dim", "dim_method", "precision", "metric", "backend", "build_params",
    "search_params",
)


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
                    "family": caps.family,
                    "metrics": ",".join(sorted(caps.metrics)),
                    "precisions": ",".join(sorted(caps.precisions)),
                    "build": ",".join(caps.build_params),
                    "search": ",".join(caps.search_params),
                    "installed": e.available(),
                    "summary": e.summary,
                }
            )
        return pd.DataFrame(rows)
    if kind == "datasets":
        from harness.datasets.catalogue import listing

        return pd.DataFrame(listing())
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


def funnel(run_dir: str | Path, cache_dir: Path | None = None) -> pd.DataFrame:
    """The information-loss funnel of every result row of a run (the whole analysis is
    written into the run folder, and the report is rebuilt to show it)."""
    from harness.analyse import analyse

    _require_run(run_dir)
    result = analyse(Path(run_dir), cache_dir=cache_dir)
    _report_quietly(Path(run_dir))
    return result.funnel


def _require_run(run_dir: str | Path) -> RunStore:
    from harness.errors import UserError

    store = RunStore(Path(run_dir))
    if not (store.dir / "manifest.json").is_file():
        runs = sorted(p.parent.name for p in Path(run_dir).glob("*/manifest.json"))
        raise UserError(
            "not a run folder (no manifest.json)",
            file=str(run_dir),
            suggestion=f"runs inside it: {', '.join(runs[:5])}" if runs else "pass "
            "results/<run-id>",
        )
    return store


def best(run_dir: str | Path, budget, metric: str | None = None):
    """Rows within the budgets (best task metric first) and the Pareto frontiers."""
    from harness.analysis import best_under, pareto_mask
    from harness.funnel import main_metric

    store = _require_run(run_dir)
    frame = store.frame()
    name = metric or main_metric(store)
    ok = frame[frame["status"] == "ok"]
    fits = best_under(frame, name, budget)
    fronts = {}
    for other, sense in (("qps", "max"), ("bytes_per_vector", "min")):
        if other in ok and len(ok):
            mask = pareto_mask(ok, [name, other] if sense == "max" else [name],
                               [] if sense == "max" else [other])
            fronts[other] = ok[mask].sort_values(other)
    return name, fits, fronts


def probe(dataset: str, model: str, *, dim: int | None = None, sample: int = 2000,
          seed: int = 0, cache_dir: Path | None = None):
    """Meta-features of a dataset's vectors under a model, and the Iceberg recommendation."""
    import numpy as np

    from harness.metafeatures import probe as _probe
    from harness.metafeatures import recommend
    from harness.suite import DatasetRef, ModelRef

    cell = Cell(dataset=DatasetRef(ref=dataset).model_dump(), model=ModelRef(ref=model)
                .model_dump(), dim=dim, precision="float32", metric="cosine", backend="exact",
                build={}, search_grid=({},), k=10, evaluate=("ndcg@10",), seed=seed, repeats=1,
                warmup=0, threads=1)
    ctx = RunContext(cache=EmbeddingCache(cache_dir or default_cache_dir()))
    ds = ctx.dataset(cell)
    vec = ctx.vectors(cell, ds)
    docs, queries = vec.docs[:, :dim] if dim else vec.docs, vec.queries[:, :dim] if dim else \
        vec.queries
    labels = ds.doc_labels
    if labels is None and ds.qrels is not None:
        # qrels-derived clusters: a document takes the id of the first query judging it relevant
        first: dict[str, str] = {}
        for q in ds.query_ids:
            for d, r in ds.qrels.get(q, {}).items():
                if r > 0:
                    first.setdefault(d, q)
        keep = np.array([d in first for d in ds.doc_ids])
        if keep.sum() >= 4:
            docs = docs[keep]
            labels = tuple(first[d] for d, k in zip(ds.doc_ids, keep, strict=True) if k)
    feats = _probe(docs, queries, labels, sample=sample, seed=seed)
    return feats, recommend(feats)


def report(run_dir: str | Path, *, texts: bool = True):
    """`harness report RUN_DIR`: RUN_DIR/report.html and the CSV tables it shows."""
    from harness.report.run import build_report

    _require_run(run_dir)
    return build_report(Path(run_dir), texts=texts)


def _analyse_quietly(run_dir: Path, cache_dir: Path | None) -> None:
    """The analysis at the end of a run: a failure is logged, never fails the run."""
    import traceback

    from harness.analyse import analyse

    try:
        log.info("analysis: funnel, rankings and recommendation")
        analyse(run_dir, cache_dir=cache_dir)
    except Exception as exc:
        log.warning("analysis not written (%s: %s); run `harness funnel %s` to retry",
                    type(exc).__name__, exc, run_dir)
        log.debug("%s", traceback.format_exc())


def _report_quietly(run_dir: Path) -> None:
    """The report at the end of a run: a failure is logged, never fails the run."""
    import traceback

    try:
        out = report(run_dir)
        log.info("report: %s", out.html)
    except Exception as exc:
        log.warning(
            "report not written (%s: %s); run `harness report %s` to retry",
            type(exc).__name__,
            exc,
            run_dir,
        )
        log.debug("%s", traceback.format_exc())


def leaderboard(
    results_dir: str | Path,
    *,
    dataset: str | None = None,
    metric: str | None = None,
    output: str | Path | None = None,
):
    """`harness leaderboard RESULTS_DIR`: every run under it ranked per dataset."""
    from harness.errors import UserError
    from harness.report.leaderboard import build

    if not Path(results_dir).is_dir():
        raise UserError("no such folder", file=str(results_dir))
    return build(results_dir, dataset=dataset, metric=metric, output=output)


def compare(
    run_a: str | Path,
    run_b: str | Path,
    *,
    metric: str | None = None,
    output: str | Path | None = None,
):
    """`harness compare RUN_A RUN_B`: matched configurations, B - A with paired tests."""
    from harness.report.compare import compare as _compare

    _require_run(run_a)
    _require_run(run_b)
    return _compare(run_a, run_b, metric=metric, output=output)
