"""The `filters` axis: attribute predicates as plain values (syntax only, no data).

A filter item of a suite is `none`, `{name, where}` or `{selectivity: [...]}` (issue #23):

    filters:
      - none
      - {name: recent, where: {year: {gte: 2015}}}
      - {selectivity: [0.001, 0.01, 0.1]}        # the synthetic uniform attribute
      - {name: same-label, where: {label: {eq: $query.label}}}

A `where` maps field -> {operator: value}; several fields in one mapping are all required.
`all`/`any` take a list of `where` mappings and `not` one. A value `$query.<field>` is read
from the query's own attributes, so the filter differs per query. Checking fields and types
against a dataset is datasets/predicates.py's job; here only the shape is checked.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

#: Comparison operators, with the field kinds each applies to.
OPERATORS: Mapping[str, frozenset[str]] = {
    "eq": frozenset({"number", "string"}),
    "ne": frozenset({"number", "string"}),
    "in": frozenset({"number", "string"}),
    "nin": frozenset({"number", "string"}),
    "lt": frozenset({"number"}),
    "lte": frozenset({"number"}),
    "gt": frozenset({"number"}),
    "gte": frozenset({"number"}),
    "between": frozenset({"number"}),
    "contains": frozenset({"list"}),
}
COMBINATORS = ("all", "any", "not")
#: The synthetic attribute `{selectivity: s}` filters on: a seeded permutation rank / n in
#: [0, 1), so `uniform < s` passes exactly ceil(s * n) documents (VectorDBBench's int filter).
UNIFORM_FIELD = "uniform"
QUERY_PREFIX = "$query."


@dataclass(frozen=True)
class QueryValue:
    """A comparison value read from the query's attribute `field`."""

    field: str


@dataclass(frozen=True)
class Cond:
    field: str
    op: str
    value: Any  # a scalar, a list (in/nin/between) or a QueryValue


@dataclass(frozen=True)
class Combo:
    op: str  # all | any | not
    parts: tuple[Expr, ...]


Expr = Cond | Combo


@dataclass(frozen=True)
class FilterSpec:
    """One value of the axis: a name for the rows and its predicate (None: no filter)."""

    name: str
    where: Expr | None
    selectivity: float | None = None  # the target of a synthetic uniform filter

    @property
    def query_dependent(self) -> bool:
        return self.where is not None and _uses_query(self.where)


def _uses_query(e: Expr) -> bool:
    if isinstance(e, Cond):
        return isinstance(e.value, QueryValue)
    return any(_uses_query(p) for p in e.parts)


def parse_filters(items: list[Any]) -> tuple[list[FilterSpec], list[tuple[str, str]]]:
    """The axis' values and the problems found, each (key path, message)."""
    specs: list[FilterSpec] = []
    problems: list[tuple[str, str]] = []
    for i, item in enumerate(items):
        where = f"filters.{i}"
        if item == "none" or item is None:
            specs.append(FilterSpec("none", None))
        elif isinstance(item, Mapping) and "selectivity" in item:
            specs += _selectivities(item, where, problems)
        elif isinstance(item, Mapping) and set(item) == {"name", "where"}:
            expr = parse_where(item["where"], f"{where}.where", problems)
            if expr is not None:
                specs.append(FilterSpec(str(item["name"]), expr))
        else:
            problems.append((where, "expected 'none', {name: ..., where: {...}} or "
                             f"{{selectivity: [...]}}, got {item!r}"))
    names = [s.name for s in specs]
    problems += [("filters", f"filter name {n!r} is used twice; names label the rows")
                 for n in sorted({n for n in names if names.count(n) > 1})]
    return specs, problems


def _selectivities(item: Mapping[str, Any], where: str, problems: list[tuple[str, str]]
                   ) -> list[FilterSpec]:
    values = item["selectivity"]
    values = values if isinstance(values, list) else [values]
    out = []
    for s in values:
        if isinstance(s, bool) or not isinstance(s, int | float) or not 0 < s <= 1:
            problems.append((f"{where}.selectivity", f"expected a share in (0, 1], got {s!r}"))
            continue
        out.append(FilterSpec(f"selectivity={s:g}", Cond(UNIFORM_FIELD, "lt", float(s)), s))
    return out


def parse_where(obj: Any, where: str, problems: list[tuple[str, str]]) -> Expr | None:
    """A `where` mapping as an expression tree; problems are appended, None if any."""
    if not isinstance(obj, Mapping) or not obj:
        problems.append((where, f"expected a mapping of field: {{operator: value}}, got {obj!r}"))
        return None
    parts: list[Expr] = []
    before = len(problems)
    for key, val in obj.items():
        if key in ("all", "any"):
            subs = val if isinstance(val, list) and val else None
            if subs is None:
                problems.append((f"{where}.{key}", "expected a non-empty list of where mappings"))
                continue
            got = [parse_where(s, f"{where}.{key}.{j}", problems) for j, s in enumerate(subs)]
            parts.append(Combo(key, tuple(g for g in got if g is not None)))
        elif key == "not":
            sub = parse_where(val, f"{where}.not", problems)
            parts.append(Combo("not", (sub,) if sub else ()))
        else:
            parts += _conditions(str(key), val, f"{where}.{key}", problems)
    if len(problems) > before:
        return None
    return parts[0] if len(parts) == 1 else Combo("all", tuple(parts))


def _conditions(field: str, val: Any, where: str, problems: list[tuple[str, str]]
                ) -> list[Cond]:
    if not isinstance(val, Mapping) or not val:
        problems.append((where, f"expected {{operator: value}} with an operator of "
                         f"{', '.join(OPERATORS)}, got {val!r}"))
        return []
    out = []
    for op, v in val.items():
        if op not in OPERATORS:
            problems.append((f"{where}.{op}", f"unknown operator; expected one of "
                             f"{', '.join(OPERATORS)} (or all/any/not around fields)"))
            continue
        value = _value(op, v, f"{where}.{op}", problems)
        if value is not None:
            out.append(Cond(field, op, value))
    return out


def _value(op: str, v: Any, where: str, problems: list[tuple[str, str]]) -> Any:
    if isinstance(v, str) and v.startswith(QUERY_PREFIX):
        return QueryValue(v[len(QUERY_PREFIX):])
    if op in ("in", "nin") and not (isinstance(v, list) and v):
        problems.append((where, f"'{op}' expects a non-empty list of values, got {v!r}"))
        return None
    if op == "between" and not (isinstance(v, list) and len(v) == 2):
        problems.append((where, f"'between' expects [low, high], got {v!r}"))
        return None
    if op not in ("in", "nin", "between") and isinstance(v, list | Mapping):
        problems.append((where, f"'{op}' expects one value, got {v!r}"))
        return None
    return v
