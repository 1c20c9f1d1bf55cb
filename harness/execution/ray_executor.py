"""The Ray executor: cells as Ray tasks on an existing cluster (or a local one), and
embedding chunks encoded by Ray workers.

Cells carry everything they need, so a task is just `run_job(job)`. What must be shared:
the embedding cache folder and the data paths must be the same paths on every node (a
shared filesystem), and the harness and its plugins installed there.

Timing honesty: a timed cell reserves every CPU of the largest node (`num_cpus`), so no two
cells share a machine while one is measured; with `cpus_per_cell` set lower, cells run
concurrently and the manifest says speed figures were measured concurrently. A cell with a
load axis reserves the whole node whatever `cpus_per_cell` says. Quality figures do not
depend on either. (The process executor runs one cell at a time: a load cell is alone.)
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from typing import Any

import ray

from harness.embeddings.cache import ChunkJob, EmbeddingCache, encode_span
from harness.execution.failed import error_rows
from harness.execution.worker import CellResult, Job, import_plugins, plugins_from_env, run_job
from harness.plan.cell import Cell
from harness.plan.refs import build_encoder
from harness.suite.schema import ModelRef

log = logging.getLogger("harness")


def connect(address: str | None = None) -> None:
    """Join the cluster at `address` ($RAY_ADDRESS), or start a local one; reuse a live one."""
    if ray.is_initialized():
        return
    address = address or os.environ.get("RAY_ADDRESS") or None
    ray.init(address=address, include_dashboard=False, configure_logging=False,
             log_to_driver=False)


def largest_node_cpus() -> int:
    return int(max((n["Resources"].get("CPU", 1) for n in ray.nodes() if n.get("Alive")),
                   default=1))


def _run_job(job: Job) -> CellResult:
    return run_job(job)


def _encode_chunk(job: ChunkJob, span: tuple[int, int], plugins: tuple[str, ...]) -> int:
    """Encode one chunk of a cache entry and write its part file (on the shared cache)."""
    import_plugins(plugins)
    encoder = build_encoder(ModelRef.model_validate(dict(job.model)))
    cache = EmbeddingCache(job.cache_root)
    cache.write_part(job.key, span, encode_span(encoder, job.texts, span, job.role,
                                                job.batch_size))
    return span[1] - span[0]


def cpus_for(cell: Cell, per_cell: int, node: int) -> int:
    """A cell's CPU reservation: a load cell always takes the whole node (its clients would
    otherwise compete with another cell's), the others `per_cell`."""
    return node if cell.load is not None else per_cell


class RayExecutor:
    def __init__(self, make_job: Callable[[Cell], Job], address: str | None = None,
                 cpus_per_cell: int | None = None) -> None:
        connect(address)
        self.make_job = make_job
        self.node_cpus = largest_node_cpus()
        self.cpus_per_cell = cpus_per_cell or self.node_cpus

    @property
    def exclusive(self) -> bool:
        """Whether each timed cell had a node to itself."""
        return self.cpus_per_cell >= self.node_cpus

    def run(self, cells: Sequence[Cell], on_result: Any) -> None:
        task = ray.remote(num_cpus=self.cpus_per_cell, max_retries=0)(_run_job)
        pending = {task.options(num_cpus=cpus_for(c, self.cpus_per_cell, self.node_cpus))
                   .remote(self.make_job(c)): c for c in cells}
        while pending:
            done, _ = ray.wait(list(pending), num_returns=1)
            cell = pending.pop(done[0])
            log.info("cell %s: %s (ray)", cell.cell_id, cell.label)
            try:
                result = ray.get(done[0])
            except ray.exceptions.RayError as exc:  # a dead worker, an OOM kill, a lost node
                message = str(exc).strip().splitlines()[0][:300]
                log.error("cell %s: worker failed: %s", cell.cell_id, message)
                result = CellResult(error_rows(cell, RuntimeError(f"ray: {message}")), None)
            on_result(cell, result)

    def chunk_mapper(self) -> Callable[[ChunkJob], None]:
        """Encode a cache entry's missing chunks as Ray tasks (one CPU each)."""
        plugins = plugins_from_env()

        def run(job: ChunkJob) -> None:
            task = ray.remote(num_cpus=1, max_retries=1)(_encode_chunk)
            shared = ray.put(job)
            refs = [task.remote(shared, span, plugins) for span in job.spans]
            log.info("encoding %d chunks of %d %s texts on ray", len(refs), len(job.texts),
                     job.role)
            ray.get(refs)

        return run
