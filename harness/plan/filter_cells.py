"""The `filters` x `filter_strategy` axes as cells, and what the plan checks about them.

Each filter of the suite (suite/filters.py syntax) becomes a plain value a cell carries:
`{name, where, strategy, oversample}`, `where` as the suite wrote it (a `{selectivity: s}`
item is `{uniform: {lt: s}}`). The filter `none` leaves the cell as it was, so unfiltered
cells keep their ids. Field and type problems are one line at plan time (the dataset's
attributes are loaded once per dataset for this); a filter that passes no document, a
strategy the backend cannot do, or a cell a filter cannot apply to is skipped with the reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import numpy as np

from harness.backends.base import backend_class
from harness.backends.filter_search import IN_FILTER_BACKENDS
from harness.datasets.attributes import Attributes, of_dataset
from harness.datasets.partitions import groups_of, partition_key, why_not
from harness.datasets.predicates import mask, problems, query_row
from harness.errors import UserError
from harness.plan.cell import Cell
from harness.plan.refs import is_lexical, load_dataset
from harness.suite.filters import UNIFORM_FIELD, Expr, parse_where
from harness.suite.schema import DatasetRef, LoadedSuite


def filter_values(items: list[Any]) -> list[tuple[int, dict[str, Any] | None]]:
    """(index of the suite's item, the filter as a cell holds it without its strategy)."""
    out: list[tuple[int, dict[str, Any] | None]] = []
    for i, item in enumerate(items):
        if item == "none" or item is None:
            out.append((i, None))
        elif isinstance(item, Mapping) and "selectivity" in item:
            values = item["selectivity"]
            for s in values if isinstance(values, list) else [values]:
                out.append((i, {"name": f"selectivity={s:g}",
                                "where": {UNIFORM_FIELD: {"lt": float(s)}}}))
        else:
            out.append((i, {"name": str(item["name"]), "where": dict(item["where"])}))
    return out


def with_filters(cells: list[Cell], loaded: LoadedSuite) -> list[Cell]:
    """Each cell under each filter and strategy (the filter `none`: the cell unchanged)."""
    s = loaded.suite
    out: list[Cell] = []
    for cell in cells:
        for _, value in filter_values(s.filters):
            if value is None:
                out.append(cell)
                continue
            for strategy in s.filter_strategy:
                f = {**value, "strategy": strategy}
                if strategy == "post":
                    f["oversample"] = s.filter_oversample
                out.append(replace(cell, filter=f))
    return out


def expr_of(f: Mapping[str, Any]) -> Expr:
    """A cell's filter as an expression (checked when the suite was read)."""
    errors: list[tuple[str, str]] = []
    expr = parse_where(f["where"], "where", errors)
    if expr is None:
        raise ValueError(f"filter {f['name']!r}: {errors}")
    return expr


class FilterChecks:
    """Plan-time checks of a suite's filters against each dataset's attributes."""

    def __init__(self, loaded: LoadedSuite) -> None:
        self.loaded = loaded
        self.active = any(v is not None for _, v in filter_values(loaded.suite.filters))
        self._attrs: dict[str, tuple[Attributes, Attributes]] = {}

    def attributes(self, ref: DatasetRef) -> tuple[Attributes, Attributes]:
        key = ref.model_dump_json()
        if key not in self._attrs:
            ds = load_dataset(ref, seed=self.loaded.suite.seed)
            self._attrs[key] = of_dataset(ds, self.loaded.suite.seed)
        return self._attrs[key]

    def errors(self) -> list[UserError]:
        """Unknown fields (naming the dataset's), type and operator misfits: one line each."""
        if not self.active:
            return []
        out: list[UserError] = []
        for ref in self.loaded.suite.datasets:
            docs, queries = self.attributes(ref)
            for i, value in filter_values(self.loaded.suite.filters):
                if value is None:
                    continue
                for msg in problems(expr_of(value), docs, queries):
                    out.append(UserError(
                        f"filter '{value['name']}' on dataset '{ref.label}': {msg}",
                        file=self.loaded.file, line=self.loaded.line("filters", i),
                        key=f"filters.{i}",
                        suggestion="name a field the dataset has, with a value of its kind"))
        return list({(e.message, e.line): e for e in out}.values())

    def cell_problem(self, cell: Cell) -> str | None:
        """Why a filtered cell cannot run (skipped with this reason), or None."""
        f = cell.filter
        if f is None:
            return None
        strategy = f["strategy"]
        if is_lexical(cell.model_ref) or any(
                s.get("hybrid", "none") != "none" for s in cell.search_grid):
            return "filtered search runs on dense vectors (no lexical or hybrid cells)"
        if cell.precision == "binary":
            return "filtered search runs on float vectors (precision binary is not filtered)"
        if strategy == "pre" and cell.backend != "exact":
            return ("pre-filtering is exact search over the passing documents whatever the "
                    "index: its cell runs under the exact backend")
        if strategy == "in" and cell.backend not in IN_FILTER_BACKENDS:
            return (f"{cell.backend} has no in-search filter in the harness (in: "
                    f"{', '.join(sorted(IN_FILTER_BACKENDS))}); pre and post apply to all")
        docs, queries = self.attributes(cell.dataset_ref)
        if not passes_any(expr_of(f), docs, queries):
            return f"filter '{f['name']}' passes no document of dataset " \
                f"'{cell.dataset_ref.label}'"
        return partition_problem(cell, expr_of(f), docs) if strategy == "partition" else None


def passes_any(expr: Expr, docs: Attributes, queries: Attributes) -> bool:
    """Whether some document passes for some query (a static filter: for any query)."""
    rows = range(max(queries.n, 1))
    return any(bool(np.any(mask(expr, docs, query_row(queries, i) if queries.n else None)))
               for i in rows)


def partition_problem(cell: Cell, expr: Expr, docs: Attributes) -> str | None:
    """Why `partition` cannot serve this filter or backend: not an eq/in on one categorical
    field, or a group too small for the backend's build (its own data rule)."""
    key = partition_key(expr, docs)
    if key is None:
        return why_not(docs)
    caps = backend_class(cell.backend).capabilities
    sizes = [n for n in groups_of(docs, key.field).sizes() if n]
    if caps.data_rule is None or not sizes:
        return None
    # the dimension's own rules were checked on the whole corpus (plan/data_checks.py); here
    # only the group's size is new (d = 0 divides by every m)
    d = cell.dim if isinstance(cell.dim, int) else 0
    why = caps.data_rule(caps.with_defaults("build", cell.build), min(sizes), d)
    return f"partition on '{key.field}': its smallest group ({min(sizes)} documents): " \
        f"{why}" if why else None
