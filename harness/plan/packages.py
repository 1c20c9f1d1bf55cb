"""Backends whose packages are not installed: their cells are skipped with the install line.

A suite may list every engine (suites/engines.yaml does) while this machine has only some of
their optional packages (`pip install ".[engines]"` installs them all): each missing one's
cells are skipped in the plan, with the packages it needs and the command that installs them,
and the other cells run. The backend's parameters are then not checked (its module is not
imported): they are when its package is there.
"""

from __future__ import annotations

from harness.plan.cell import Cell
from harness.registry import BACKENDS


def package_problem(cell: Cell) -> str | None:
    """Why a cell's backend cannot be imported here (its packages and install line), or None."""
    if cell.backend not in BACKENDS:
        return None  # an unknown name is a plan error (plan/checks.py), never a skip
    entry = BACKENDS.get(cell.backend)
    if entry.available():
        return None
    missing = ", ".join(entry.requires)
    install = f": {entry.install}" if entry.install else ""
    return f"backend '{entry.name}' needs packages that are not installed ({missing}){install}"
