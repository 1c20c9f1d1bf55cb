"""The `partition` strategy's key: which filters route a query to sub-indexes, and the groups.

A filter can be served by one sub-index per value of a categorical (string) field when it is
an `eq` or an `in` on that one field (a static value, a list, or `$query.<field>`). The
documents of each value form a group (documents without the field belong to none); a query
searches the groups its filter selects.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from harness.datasets.attributes import Attributes
from harness.suite.filters import Combo, Cond, Expr, QueryValue

PARTITION_OPS = ("eq", "in")


@dataclass(frozen=True)
class Groups:
    """A categorical field's values and, per value, its documents' rows (increasing)."""

    field: str
    values: tuple[str, ...]
    rows: tuple[np.ndarray, ...]

    def sizes(self) -> list[int]:
        return [len(r) for r in self.rows]


def partition_key(expr: Expr, docs: Attributes) -> Cond | None:
    """The eq/in condition on one categorical field the filter is, or None."""
    if isinstance(expr, Combo) and expr.op == "all" and len(expr.parts) == 1:
        return partition_key(expr.parts[0], docs)
    if not isinstance(expr, Cond) or expr.op not in PARTITION_OPS:
        return None
    return expr if docs.kinds.get(expr.field) == "string" else None


def why_not(docs: Attributes) -> str:
    """The reason a filter cannot be partitioned (the plan's skip reason)."""
    fields = sorted(f for f, k in docs.kinds.items() if k == "string")
    return ("partition serves an eq or in filter on one categorical (string) field"
            f" ({', '.join(fields) or 'the dataset has none'}); this filter is not one")


def groups_of(docs: Attributes, field: str) -> Groups:
    """Each value of `field` (sorted) with its documents' rows."""
    col = docs.columns[field]
    present = np.flatnonzero(col != None)  # noqa: E711 (elementwise)
    values = sorted({str(v) for v in col[present]})
    index = {v: i for i, v in enumerate(values)}
    codes = np.array([index[str(v)] for v in col[present]], dtype=np.int64)
    return Groups(field, tuple(values),
                  tuple(present[codes == i] for i in range(len(values))))


def selected(cond: Cond, groups: Groups, query: Mapping[str, Any] | None) -> list[int]:
    """The groups a query's filter selects (a value no document has selects none)."""
    value = cond.value
    if isinstance(value, QueryValue):
        value = (query or {}).get(value.field)
        if value is None or (isinstance(value, float) and np.isnan(value)):
            return []
    wanted = [str(v) for v in value] if cond.op == "in" else [str(value)]
    index = {v: i for i, v in enumerate(groups.values)}
    return sorted({index[v] for v in wanted if v in index})
