"""Choosing where cells run: the executor a run asked for, built for its store and cache."""

from __future__ import annotations

from typing import Any

from harness.encoders.inprocess import KIND as INPROCESS
from harness.errors import UserError
from harness.execution.encoding import pre_encode
from harness.execution.executor import Executor, InlineExecutor
from harness.execution.processes import ProcessExecutor
from harness.execution.references import DifficultyClaims
from harness.execution.worker import Job, plugins_from_env
from harness.inputs.cell_inputs import CellInputs
from harness.plan.cell import Cell, Plan
from harness.registry import split_ref
from harness.store.manifest import RunManifest
from harness.store.runs import RunStore


def executor_kind(p: Plan, requested: str | None) -> str:
    """The suite's or the options' executor; inline when a model is an in-process object."""
    objects = sorted({c.model_ref.label for c in p.cells if split_ref(c.model["ref"])[0]
                      == INPROCESS})
    if not objects:
        return requested or p.suite.suite.executor or "process"
    if requested not in (None, "inline"):
        raise UserError(f"models {', '.join(objects)} are objects in this process: they run "
                        f"only inline, not with executor '{requested}'",
                        suggestion="leave executor unset, or register the model as a plugin")
    return "inline"


def encode_on_ray(p: Plan, manifest: RunManifest, ctx: CellInputs, executor: Any) -> None:
    """Encodings spread over Ray workers before the cells start; the speed caveat noted."""
    manifest.note(speed_measured="one cell per node" if executor.exclusive else "concurrently")
    ctx.chunk_mapper = executor.chunk_mapper()
    pre_encode(p.cells, ctx)


def make_executor(kind: str, ctx: CellInputs, store: RunStore, *, progress: bool,
                  ray_address: str | None, difficulty: bool = True) -> Executor:
    """`difficulty`: the run's analysis follows, so the first cell of each vector space
    measures its query difficulty where the vectors are."""
    claims = DifficultyClaims(store) if difficulty else None
    if kind == "inline":
        return InlineExecutor(ctx, claims)

    def make_job(cell: Cell) -> Job:
        return Job(cell, str(ctx.cache.root), str(store.log_path), plugins_from_env(),
                   progress, difficulty=bool(claims and claims.claim(cell)))

    if kind == "ray":
        from harness.execution.ray_executor import RayExecutor  # ray is an optional extra

        return RayExecutor(make_job, address=ray_address)
    return ProcessExecutor(make_job)
