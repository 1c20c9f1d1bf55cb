"""Opening a stored run for the read-only commands (report, best, funnel, export): a
one-line UserError when the folder is not a run, holds no readable cell, or needs a choice
of main metric."""

from __future__ import annotations

from pathlib import Path

from harness.errors import UserError
from harness.store.runs import RunStore


def open_run(run_dir: str | Path) -> RunStore:
    """The store of a run folder; a one-line UserError when it is not one."""
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


def require_cells(store: RunStore) -> None:
    """Refuse a run whose cells are all gone or damaged (a report of nothing would say ok)."""
    expected = store.manifest().get("cell_ids") or []
    if not store.records() and (store.damaged or expected or not store.manifest()):
        gone = f"{len(store.damaged)} damaged" if store.damaged else "none left"
        raise UserError(f"no readable cell file in this run folder ({gone})",
                        file=str(store.cells_dir), suggestion="run its suite again into the "
                        "same --output: damaged cells are recomputed, readable ones kept")


def one_main_metric(store: RunStore) -> str:
    """The run's one main metric; a UserError when its datasets are judged by different ones
    (ranking every row by one metric is then the user's choice, --metric)."""
    judged = store.main_metrics()
    if len(set(judged.values())) > 1:
        each = ", ".join(f"{d}: {m}" for d, m in judged.items())
        raise UserError(f"the run's datasets are judged by different main metrics ({each})",
                        file=str(store.dir), suggestion="pass --metric NAME to rank every "
                        "row by one of them")
    return store.main_metric()
