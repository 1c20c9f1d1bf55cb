"""Plain functions behind the CLI: validate, plan, run, catalogue listings."""

from __future__ import annotations

import logging
import os
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from harness.analysis import outputs
from harness.analysis.frontier import Budget, best_under, pareto_mask
from harness.analysis.probe import MetaFeatures, Recommendation, probe_inputs, recommend
from harness.analysis.probe import probe as measure_probe
from harness.analysis.rules import RuleInput, apply_rule, rule_of
from harness.analysis.step import Analysis, analyse
from harness.embeddings.cache import EmbeddingCache, default_cache_dir
from harness.embeddings.leftovers import sweep as sweep_cache
from harness.embeddings.prepared import dim_problem, prepare
from harness.errors import UserError
from harness.execution.encoding import encodings
from harness.execution.executor import (
    FILE_ONLY,
    LoopOptions,
    RunOutcome,
    close_logging,
    now,
    run_id,
    run_plan,
    select,
    setup_logging,
    speed_caveats,
)
from harness.execution.executors import encode_on_ray, executor_kind, make_executor
from harness.execution.progress import EncodeBars, build_tickers
from harness.execution.references import ReferencePoints
from harness.execution.timing import machine_load, process_peak_mb
from harness.exports.commands import export, is_run_dir
from harness.exports.commands import export_run as _export_run
from harness.exports.rows import Exported
from harness.inputs.cell_inputs import CellInputs
from harness.plan.catalogue import catalogue, summary
from harness.plan.cell import Cell, Plan
from harness.plan.expand import expand
from harness.plan.paths import check_folder
from harness.plan.source import SuiteSource, describe, load_source
from harness.report.compare import compare as _compare
from harness.report.leaderboard import build as _leaderboard
from harness.report.page import build_report
from harness.site import SiteBuild, build_site
from harness.store.manifest import RunManifest
from harness.store.opening import one_main_metric, open_run, require_cells
from harness.store.runs import RunStore
from harness.suite.schema import DatasetRef, ModelRef

log = logging.getLogger("harness")
__all__ = ["RunOutcome", "catalogue", "export", "is_run_dir", "open_run", "run_id", "select",
           "summary"]


def validate(suite: SuiteSource) -> Plan:
    """Load the suite (a path, YAML text or a dict) and check every reference; raises
    UserError(s) on any problem."""
    return expand(load_source(suite))


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
    executor: str | None = None  # process | inline | ray (default: the suite's, else process)
    ray_address: str | None = None  # an existing Ray cluster (default: $RAY_ADDRESS or local)


def run(suite: SuiteSource, options: RunOptions = RunOptions()) -> RunOutcome:
    """Plan the suite, run its cells, then analyse and report: one context, one data load.
    `suite`: a path, YAML text or a dict (Encoder objects as models run inline; suite_source)."""
    p = expand(load_source(suite))
    check_folder(Path(options.output), "--output")
    check_folder(options.cache_dir or default_cache_dir(), "--cache-dir / $HARNESS_CACHE")
    rid = run_id(p.suite)
    if not options.resume:
        rid += datetime.now(UTC).strftime("-%Y%m%dT%H%M%S")
    store = RunStore(Path(options.output) / rid)
    with store.lock():
        handlers = setup_logging(store, options.progress)
        try:
            return _run_locked(p, store, describe(suite), options)
        finally:
            close_logging(handlers)


def _run_locked(p: Plan, store: RunStore, source: str, options: RunOptions) -> RunOutcome:
    t0 = time.perf_counter()  # the phases' clock: setup and encodings count as cells
    cache_dir = options.cache_dir or default_cache_dir()
    store.remove_leftovers()  # temp files of a killed run's writes
    sweep_cache(cache_dir)  # and of killed encodings (other runs' live ones are kept)
    kind = executor_kind(p, options.executor)
    manifest = RunManifest.start(p, store, source=source, cache_dir=cache_dir, started_at=now(),
                                 load_at_start=machine_load(), executor=kind)
    bars = EncodeBars() if options.progress else None  # encodings in this process
    ctx = CellInputs(cache=EmbeddingCache(cache_dir, on_progress=bars),
                     build_progress=build_tickers() if options.progress else None)
    loop = LoopOptions(resume=options.resume, only=options.only, progress=options.progress)
    executor = make_executor(kind, ctx, store, progress=options.progress,
                             ray_address=options.ray_address, difficulty=options.analysis)
    if kind == "ray":
        encode_on_ray(p, manifest, ctx, executor)
    done = run_plan(p, store, executor, loop)
    phases = {"cells": time.perf_counter() - t0}
    frame = store.frame()
    loads = {"load_at_start": manifest.get("load_at_start"), "load_at_end": machine_load()}
    manifest.finish(now(), load_at_end=loads["load_at_end"], encodings=encodings(frame),
                    speed_caveats=speed_caveats(frame, loads))
    if options.analysis:
        phases["analysis"] = _timed(lambda: _analyse_quietly(store, ctx))
    if options.report:
        phases["report"] = _timed(lambda: _report_quietly(store.dir, ctx))
    phases["wall"] = time.perf_counter() - t0
    # the driver's own high-water mark (workers report theirs in worker_peak_rss_mb)
    manifest.note(driver_peak_rss_mb=process_peak_mb(os.getpid()),
                  phase_seconds={k: round(v, 3) for k, v in phases.items()})
    return RunOutcome(store.dir, store.frame(), done.ran, done.failed, done.resumed,
                      done.encode_calls, p.suite, phases)


def _timed(work: Callable[[], None]) -> float:
    t0 = time.perf_counter()
    work()
    return time.perf_counter() - t0


def _context(store: RunStore, cache_dir: Path | None) -> CellInputs:
    cache = Path(cache_dir or store.manifest().get("cache_dir") or default_cache_dir())
    return CellInputs(cache=EmbeddingCache(cache))


def funnel(run_dir: str | Path, cache_dir: Path | None = None) -> pd.DataFrame:
    """The information-loss funnel of every result row of a run (the whole analysis is
    written into the run folder, and the report is rebuilt to show it)."""
    store = open_run(run_dir)
    if not store.rows():
        raise UserError("the run has no result rows yet (no finished cell in cells/)",
                        file=str(run_dir), suggestion="run or resume the suite first: "
                        "harness run <suite> --output <its parent folder>")
    ctx = _context(store, cache_dir)
    result = _analyse(store, ctx)
    _report_quietly(store.dir, ctx)
    return result.funnel


def best(run_dir: str | Path, budget: Budget, metric: str | None = None,
         rule: str | None = None) -> tuple[str, pd.DataFrame, dict[str, pd.DataFrame]]:
    """Rows within the budgets ranked by the rule (harness.analysis.rules; default
    task@budget: best task metric first), and the Pareto frontiers."""
    store = open_run(run_dir)
    frame = store.frame()
    name = metric or one_main_metric(store)
    if name not in frame:
        have = [c for c in frame.columns if "@" in str(c)]
        raise UserError(f"metric '{name}' is not in this run", file=str(run_dir),
                        suggestion=f"the run has: {', '.join(have) or 'no metrics'}")
    ok = frame[frame["status"] == "ok"]
    fits = best_under(frame, name, budget)
    fits = apply_rule(fits, rule, RuleInput(name, budget))
    fronts = {}
    for other, sense in (("qps", "max"), ("bytes_per_doc", "min")):
        if other in ok and len(ok):
            mask = pareto_mask(ok, [name, other] if sense == "max" else [name],
                               [] if sense == "max" else [other])
            fronts[other] = ok[mask].sort_values(other)
    return name, fits, fronts


def probe(dataset: str, model: str, *, dim: int | str | None = None, sample: int = 2000,
          seed: int = 0, cache_dir: Path | None = None) -> tuple[MetaFeatures, Recommendation]:
    """Meta-features of a dataset's vectors under a model, and the Iceberg recommendation.

    A dim truncates (or `pca:N` reduces) through the run's own transform, without
    normalising, so the features describe the vectors an index would hold."""
    if sample < 2:
        raise UserError(f"sample {sample}: expected at least 2 documents", key="--sample")
    cell = Cell(dataset=DatasetRef(ref=dataset).model_dump(), model=ModelRef(ref=model)
                .model_dump(), dim=dim, precision="float32", metric="cosine", backend="exact",
                build={}, search_grid=({},), k=10, evaluate=("ndcg@10",), seed=seed, repeats=1,
                warmup=0, threads=1)
    ctx = CellInputs(cache=EmbeddingCache(cache_dir or default_cache_dir()))
    ds = ctx.dataset(cell)
    vec = ctx.vectors(cell, ds)
    docs, queries = vec.docs, vec.queries
    if dim is not None:
        problem = dim_problem(dim, docs.shape[1])
        if problem:
            raise UserError(problem, key="--dim")
        prep = prepare(docs, queries, dim=dim, metric="l2", precision="float32",
                       matryoshka_dims=vec.matryoshka_dims, seed=seed)
        docs, queries = prep.raw_docs, prep.raw_queries
    docs, labels = probe_inputs(ds, docs)
    feats = measure_probe(docs, queries, labels, sample=sample, seed=seed)
    return feats, recommend(feats)


def report(run_dir: str | Path, *, texts: bool = True, cache_dir: Path | None = None,
           rule: str | None = None, deltas: tuple[float, ...] | None = None):
    """`harness report RUN_DIR`: RUN_DIR/report.html and the CSV tables it shows (`rule`: the
    ranking rule of its Ranking section; `deltas`: its Tails section's Robustness-deltas)."""
    store = open_run(run_dir)
    require_cells(store)
    store.write_tables()  # from the cell records: a killed run's tables are brought up to date
    rule_of(rule)  # an unknown rule fails before any work
    out = build_report(store.dir, texts=_context(store, cache_dir) if texts else None,
                       rule=rule, deltas=deltas)
    return replace(out, left_out=tuple(store.damaged))


def _analyse(store: RunStore, ctx: CellInputs) -> Analysis:
    made: list[ReferencePoints] = []

    def references(metric: str) -> ReferencePoints:
        made.append(ReferencePoints(ctx, store, metric))
        return made[-1]

    result = analyse(store, references)
    counts = (sum(getattr(r, n) for r in made) for n in ("reused", "kept", "computed"))
    log.info("analysis: reference points %d from exact cells, %d kept, %d computed", *counts)
    return result


def _quietly(stage: str, run_dir: Path, work: Callable[[], None], retry: str) -> None:
    """A step after the cells: a failure is one terminal line, never fails the run."""
    try:
        outputs.note_problem(run_dir, stage, None)
        work()
    except Exception as exc:  # the traceback to the log, the cause to the report
        cause = f"{type(exc).__name__}: {exc}".splitlines()[0]
        log.warning("%s not written (%s); retry: harness %s %s", stage, cause, retry, run_dir)
        log.error("%s", traceback.format_exc(), extra=FILE_ONLY)
        outputs.note_problem(run_dir, stage, cause)


def _analyse_quietly(store: RunStore, ctx: CellInputs) -> None:
    log.info("analysis: funnel, rankings and recommendation")
    _quietly("analysis", store.dir, lambda: _analyse(store, ctx), "funnel")


def _report_quietly(run_dir: Path, ctx: CellInputs) -> None:
    report = lambda: log.info("report: %s", build_report(run_dir, texts=ctx).html)  # noqa: E731
    _quietly("report", run_dir, report, "report")


def leaderboard(
    results_dir: str | Path,
    *,
    dataset: str | None = None,
    metric: str | None = None,
    output: str | Path | None = None,
    rule: str | None = None,
):
    """`harness leaderboard RESULTS_DIR`: every run under it ranked per dataset by the rule."""
    if not Path(results_dir).is_dir():
        raise UserError("no such folder", file=str(results_dir),
                        suggestion="give the folder `harness run --output` wrote its runs "
                        "into; default: results")
    return _leaderboard(results_dir, dataset=dataset, metric=metric, output=output, rule=rule)


def compare(
    run_a: str | Path,
    run_b: str | Path,
    *,
    metric: str | None = None,
    output: str | Path | None = None,
):
    """`harness compare RUN_A RUN_B`: matched configurations, B - A with paired tests."""
    open_run(run_a)
    open_run(run_b)
    return _compare(run_a, run_b, metric=metric, output=output)


def export_run(run_dir: str | Path, out: Path, *, fmt: str = "trec") -> Exported:
    """`harness export RUN_DIR OUT --format trec|mteb|ann-benchmarks` (see harness.exports)."""
    return _export_run(open_run(run_dir).dir, out, fmt=fmt)


def site(results_dir: str | Path, out_dir: str | Path) -> SiteBuild:
    """`harness site`: the static website over every run under results_dir (incremental)."""
    return build_site(results_dir, out_dir)
