"""A filter's predicate checked against a dataset's fields and evaluated to boolean masks.

`problems` runs at plan time: an unknown field names the dataset's fields, a value of the
wrong kind (string vs number) or an operator that does not fit the field is one line each.
`mask` evaluates vectorised over the document columns; a `$query.<field>` value is taken from
the query's own row, so a query-dependent filter is one mask per query.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from harness.datasets.attributes import Attributes
from harness.suite.filters import OPERATORS, Combo, Expr, QueryValue


def problems(expr: Expr, docs: Attributes, queries: Attributes) -> list[str]:
    if isinstance(expr, Combo):
        return [p for part in expr.parts for p in problems(part, docs, queries)]
    kind = docs.kinds.get(expr.field)
    if kind is None:
        have = ", ".join(sorted(docs.kinds)) or "none"
        return [f"unknown document field '{expr.field}'; this dataset's fields: {have}"]
    fits = OPERATORS[expr.op]
    if kind not in fits:
        return [f"operator '{expr.op}' does not apply to the {kind} field '{expr.field}' "
                f"(it takes {' or '.join(sorted(fits))} fields)"]
    if isinstance(expr.value, QueryValue):
        qkind = queries.kinds.get(expr.value.field)
        if qkind is None:
            have = ", ".join(sorted(queries.kinds)) or "none"
            return [f"unknown query field '{expr.value.field}'; the queries' fields: {have}"]
        want = "string" if kind == "list" else kind
        return [] if qkind == want else [
            f"'{expr.field}' is a {kind} field but query field '{expr.value.field}' is {qkind}"]
    values = expr.value if isinstance(expr.value, list) else [expr.value]
    want = "string" if kind == "list" else kind
    bad = [v for v in values if _value_kind(v) != want]
    return [f"'{expr.field}' is a {kind} field; {expr.op} got {bad[0]!r} "
            f"(expected a {want})"] if bad else []


def _value_kind(v: Any) -> str:
    if isinstance(v, int | float) and not isinstance(v, bool):
        return "number"
    return "string"


def query_row(queries: Attributes, i: int) -> dict[str, Any]:
    return {f: c[i] for f, c in queries.columns.items()}


def mask(expr: Expr, docs: Attributes, query: Mapping[str, Any] | None = None) -> np.ndarray:
    """Which documents pass (bool, length docs.n); `query` holds a query's attributes."""
    if isinstance(expr, Combo):
        parts = [mask(p, docs, query) for p in expr.parts]
        if expr.op == "not":
            return ~parts[0]
        return np.logical_and.reduce(parts) if expr.op == "all" else np.logical_or.reduce(parts)
    value = expr.value
    if isinstance(value, QueryValue):
        value = (query or {}).get(value.field)
        if value is None or (isinstance(value, float) and np.isnan(value)):
            return np.zeros(docs.n, dtype=bool)  # a query without the attribute: nothing passes
    return _compare(docs.columns[expr.field], docs.kinds[expr.field], expr.op, value)


def _compare(col: np.ndarray, kind: str, op: str, v: Any) -> np.ndarray:
    if kind == "list":  # contains
        return np.fromiter((str(v) in s for s in col), dtype=bool, count=len(col))
    present = ~np.isnan(col) if kind == "number" else col != None  # noqa: E711 (elementwise)
    if op == "eq":
        return present & (col == v)
    if op == "ne":
        return present & (col != v)
    if op in ("in", "nin"):
        vs = set(v)
        hit = (np.isin(col, np.asarray(v, dtype=np.float64)) if kind == "number" else
               np.fromiter((x in vs for x in col), dtype=bool, count=len(col)))
        return present & (hit if op == "in" else ~hit)
    with np.errstate(invalid="ignore"):
        if op == "between":
            return present & (col >= v[0]) & (col <= v[1])
        return present & {"lt": np.less, "lte": np.less_equal, "gt": np.greater,
                          "gte": np.greater_equal}[op](col, v)
