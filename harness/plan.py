"""Suite -> Plan: the product of the axes, exclude/include rules, and capability checks.

A Cell is one index build, described completely by plain values (so it can be shipped to
another process or machine); its search grid runs inside it, as in ann-benchmarks.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from harness.backends.base import HARNESS_SEARCH_PARAMS
from harness.errors import UserError, UserErrors
from harness.registry import BACKENDS, PRECISIONS
from harness.suite import AXES, BackendSpec, DatasetRef, LoadedSuite, ModelRef, Rule


@dataclass(frozen=True)
class Cell:
    dataset: dict[str, Any]  # DatasetRef as a dict
    model: dict[str, Any]  # ModelRef as a dict
    dim: int | None
    precision: str
    metric: str
    backend: str
    build: dict[str, Any]
    search_grid: tuple[dict[str, Any], ...]
    k: int
    evaluate: tuple[str, ...]
    seed: int
    repeats: int
    warmup: int
    threads: int

    @property
    def dataset_ref(self) -> DatasetRef:
        return DatasetRef.model_validate(self.dataset)

    @property
    def model_ref(self) -> ModelRef:
        return ModelRef.model_validate(self.model)

    @property
    def cell_id(self) -> str:
        """Stable id from everything that changes the cell's results."""
        canon = json.dumps(asdict(self), sort_keys=True, default=str)
        return hashlib.sha256(canon.encode()).hexdigest()[:12]

    @property
    def label(self) -> str:
        params = ",".join(f"{k}={v}" for k, v in sorted(self.build.items()))
        dim = self.dim if self.dim is not None else "native"
        return (
            f"{self.dataset_ref.label} | {self.model_ref.label} | dim={dim} | {self.precision} "
            f"| {self.metric} | {self.backend}" + (f"({params})" if params else "")
        )

    def axis_value(self, axis: str) -> Any:
        return {
            "dataset": self.dataset_ref.label,
            "model": self.model_ref.label,
            "dim": self.dim,
            "precision": self.precision,
            "metric": self.metric,
            "backend": self.backend,
        }[axis]


@dataclass(frozen=True)
class Skipped:
    cell: Cell
    reason: str


@dataclass(frozen=True)
class Plan:
    suite: LoadedSuite
    cells: tuple[Cell, ...]
    skipped: tuple[Skipped, ...]


def grid(params: Mapping[str, Any]) -> list[dict[str, Any]]:
    """{'a': [1, 2], 'b': 3} -> [{'a': 1, 'b': 3}, {'a': 2, 'b': 3}] (keys sorted)."""
    keys = sorted(params)
    values = [v if isinstance(v, list) else [v] for v in (params[k] for k in keys)]
    return [dict(zip(keys, combo, strict=True)) for combo in itertools.product(*values)]


def _matches(rule: Rule, cell: Cell) -> bool:
    return all(
        cell.axis_value(axis) in vals or _alias_match(axis, vals, cell)
        for axis, vals in rule.given().items()
    )


def _alias_match(axis: str, vals: list, cell: Cell) -> bool:
    # A rule may name a dataset/model by its reference even when it has a display name.
    if axis == "dataset":
        return cell.dataset["ref"] in vals
    if axis == "model":
        return cell.model["ref"] in vals
    return False


def _axis_values(loaded: LoadedSuite) -> dict[str, list[Any]]:
    s = loaded.suite
    return {
        "dataset": list(s.datasets),
        "model": list(s.models),
        "dim": list(s.dims),
        "precision": list(s.precisions),
        "metric": list(s.metrics),
        "backend": list(s.backends),
    }


def _cells_for(loaded: LoadedSuite, combo: dict[str, Any]) -> list[Cell]:
    s = loaded.suite
    be: BackendSpec = combo["backend"]
    return [
        Cell(
            dataset=combo["dataset"].model_dump(),
            model=combo["model"].model_dump(),
            dim=combo["dim"],
            precision=combo["precision"],
            metric=combo["metric"],
            backend=be.name,
            build=build,
            search_grid=tuple(grid(be.search)),
            k=s.k,
            evaluate=tuple(s.evaluate),
            seed=s.seed,
            repeats=s.repeats,
            warmup=s.warmup,
            threads=s.threads,
        )
        for build in grid(be.build)
    ]


def _include_combos(loaded: LoadedSuite, rule: Rule) -> list[dict[str, Any]]:
    """An include rule fixes the axes it names and crosses the suite's values of the others."""
    axes = _axis_values(loaded)
    given = rule.given()
    choices: dict[str, list[Any]] = {}
    for axis in AXES:
        if axis not in given:
            choices[axis] = axes[axis]
            continue
        wanted = []
        for v in given[axis]:
            if axis == "dataset":
                known = [d for d in axes[axis] if v in (d.ref, d.label)]
                wanted += known or [DatasetRef(ref=str(v))]
            elif axis == "model":
                known = [m for m in axes[axis] if v in (m.ref, m.label)]
                wanted += known or [ModelRef(ref=str(v))]
            elif axis == "backend":
                known = [b for b in axes[axis] if b.name == v]
                wanted += known or [BackendSpec(name=str(v))]
            else:
                wanted.append(v)
        choices[axis] = wanted
    return [dict(zip(AXES, c, strict=True)) for c in itertools.product(*choices.values())]


def expand(loaded: LoadedSuite) -> Plan:
    """Expand the grid, apply rules, check every reference; user errors are raised together."""
    from harness.resolve import check_references

    s = loaded.suite
    errors = check_references(loaded)
    if errors:
        raise UserErrors(errors)

    axes = _axis_values(loaded)
    cells: list[Cell] = []
    skipped: list[Skipped] = []
    for combo_values in itertools.product(*(axes[a] for a in AXES)):
        combo = dict(zip(AXES, combo_values, strict=True))
        for cell in _cells_for(loaded, combo):
            hit = next((i for i, r in enumerate(s.exclude) if _matches(r, cell)), None)
            if hit is not None:
                skipped.append(Skipped(cell, f"excluded by exclude[{hit}]"))
            else:
                cells.append(cell)
    for rule in s.include:
        for combo in _include_combos(loaded, rule):
            cells.extend(_cells_for(loaded, combo))

    unique: dict[str, Cell] = {}
    for cell in cells:
        unique.setdefault(cell.cell_id, cell)
    runnable: list[Cell] = []
    for cell in unique.values():
        reason = modality_problem(cell) or capability_problem(cell)
        if reason:
            skipped.append(Skipped(cell, reason))
        else:
            runnable.append(cell)
    return Plan(suite=loaded, cells=tuple(runnable), skipped=tuple(skipped))


def modality_problem(cell: Cell) -> str | None:
    """Why a (model, dataset) pair cannot run: a text model on a vector dataset or vice versa."""
    from harness.resolve import dataset_modality, model_modality

    data, model = dataset_modality(cell.dataset_ref), model_modality(cell.model_ref)
    if data == model:
        return None
    name, model_name = cell.dataset_ref.label, cell.model_ref.label
    if data == "vectors":
        return (
            f"dataset '{name}' holds vectors, model '{model_name}' encodes text "
            "(vector datasets run with the model 'vectors')"
        )
    return (
        f"model '{model_name}' is a vector dataset's own vectors, dataset '{name}' holds text"
    )


def capability_problem(cell: Cell) -> str | None:
    """Why a backend cannot run this cell as declared (never converted silently), or None."""
    caps = BACKENDS.get(cell.backend).load().capabilities
    if cell.metric not in caps.metrics:
        return (
            f"{cell.backend} does not support metric '{cell.metric}' "
            f"(supports: {', '.join(sorted(caps.metrics))})"
        )
    if cell.precision not in caps.precisions:
        return (
            f"{cell.backend} does not support precision '{cell.precision}' "
            f"(supports: {', '.join(sorted(caps.precisions))})"
        )
    return None


def check_backend_params(loaded: LoadedSuite) -> list[UserError]:
    """Unknown or mistyped build/search parameters, with the file line and a suggestion."""
    from harness.errors import did_you_mean

    errors: list[UserError] = []
    for i, be in enumerate(loaded.suite.backends):
        if be.name not in BACKENDS:
            errors.append(
                BACKENDS.get_error(be.name, f"backends[{i}].name").located(
                    loaded.file, loaded.line("backends", i, "name")
                )
            )
            continue
        entry = BACKENDS.get(be.name)
        if not entry.available():
            errors.append(UserError(
                f"backend '{be.name}' needs packages that are not installed "
                f"({', '.join(entry.requires)})",
                file=loaded.file, line=loaded.line("backends", i, "name"),
                key=f"backends[{i}].name", suggestion=entry.install or None,
            ))
            continue
        caps = entry.load().capabilities
        search_schema = {**caps.search_params, **HARNESS_SEARCH_PARAMS}
        for section, schema in (("build", caps.build_params), ("search", search_schema)):
            for key, value in getattr(be, section).items():
                where = f"backends[{i}].{section}.{key}"
                line = loaded.line("backends", i, section, key)
                if key not in schema:
                    errors.append(
                        UserError(
                            f"unknown {section} parameter for backend '{be.name}'",
                            file=loaded.file,
                            line=line,
                            key=where,
                            suggestion=did_you_mean(key, schema)
                            or f"{be.name} takes no {section} parameters",
                        )
                    )
                    continue
                for v in value if isinstance(value, list) else [value]:
                    problem = schema[key].problem(v)
                    if problem:
                        errors.append(UserError(problem, file=loaded.file, line=line, key=where))
    for i, p in enumerate(loaded.suite.precisions):
        if p not in PRECISIONS:
            errors.append(
                PRECISIONS.get_error(p, f"precisions[{i}]").located(
                    loaded.file, loaded.line("precisions", i)
                )
            )
    return errors
