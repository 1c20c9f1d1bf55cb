"""What a failed cell records: its axes and the error, so the run goes on (the runner, the
process and Ray executors write it when a cell raises, a worker dies or a task is lost)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from harness.plan.cell import Cell, size_label
from harness.store.row import ResultRow
from harness.suite.axes import dim_size


def error_rows(cell: Cell, exc: BaseException) -> list[ResultRow]:
    """The row recorded for a failed cell: its axes and the error, so the run can go on."""
    message = f"{type(exc).__name__}: {exc}".replace("\n", " ")[:500]
    return [
        ResultRow({
            "cell_id": cell.cell_id,
            "dataset": cell.dataset_ref.label,
            "model": cell.model_ref.label,
            "dim": dim_size(cell.dim),
            "precision": cell.precision,
            "metric": cell.metric,
            "backend": cell.backend,
            "build_params": json.dumps(cell.build, sort_keys=True),
            "corpus_size": size_label(cell),
            "search_params": None,
            "status": f"error: {message}",
            "finished_at": datetime.now(UTC).isoformat(),
        })
    ]
