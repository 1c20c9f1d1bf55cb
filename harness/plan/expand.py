"""Suite -> Plan: the product of the axes, exclude/include rules, and capability checks."""

from __future__ import annotations

import itertools
from typing import Any

from harness.backends.base import backend_class
from harness.errors import UserErrors
from harness.plan.cell import Cell, Plan, Skipped, grid
from harness.plan.checks import check_suite
from harness.plan.data_checks import data_problems
from harness.plan.filter_cells import FilterChecks, with_filters
from harness.plan.hybrid_settings import canonical
from harness.plan.load_checks import load_of
from harness.plan.packages import package_problem
from harness.plan.refs import dataset_modality, is_lexical, model_modality
from harness.plan.rerank import check_rerank, stages, with_stages
from harness.suite.axes import AXES, Rule, corpus_size_of
from harness.suite.precision import code_of
from harness.suite.schema import BackendSpec, DatasetRef, LoadedSuite, ModelRef


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


def _cells_for(loaded: LoadedSuite, combo: dict[str, Any],
               sizes: list[Any] | None = None) -> list[Cell]:
    """A combination's cells: one per build setting and corpus size (the suite's, or those
    an include rule names)."""
    s = loaded.suite
    be: BackendSpec = combo["backend"]
    # a lexical model runs its own index once: no search grid applies to it
    search = [{}] if is_lexical(combo["model"]) else canonical(grid(be.search), s.models)
    if dataset_modality(combo["dataset"]) == "vectors":
        # no texts, no lexical leg: keep the dense settings (all-hybrid grids are skipped)
        search = [x for x in search if "hybrid" not in x] or search
    return with_filters([
        Cell(
            dataset=combo["dataset"].model_dump(),
            model=combo["model"].model_dump(),
            dim=combo["dim"],
            precision=combo["precision"],
            metric=combo["metric"],
            backend=be.name,
            build=build,
            search_grid=tuple(search),
            k=s.k,
            evaluate=tuple(s.evaluate),
            seed=s.seed,
            repeats=s.repeats,
            warmup=s.warmup,
            threads=s.threads,
            corpus_size=corpus_size_of(size),
            load=load_of(s),
        )
        for build in grid(be.build)
        for size in (s.corpus_sizes if sizes is None else sizes)
    ], loaded)


def _named(axis: str, v: Any, known: list[Any]) -> list[Any]:
    """An include rule's value on one axis: the suite's entries it names, else a new one."""
    if axis == "dataset":
        return [d for d in known if v in (d.ref, d.label)] or [DatasetRef(ref=str(v))]
    if axis == "model":
        return [m for m in known if v in (m.ref, m.label)] or [ModelRef(ref=str(v))]
    if axis == "backend":
        return [b for b in known if b.name == v] or [BackendSpec(name=str(v))]
    return [v]


def _include_combos(loaded: LoadedSuite, rule: Rule) -> list[dict[str, Any]]:
    """An include rule fixes the axes it names and crosses the suite's values of the others."""
    axes = _axis_values(loaded)
    given = rule.given()
    choices = {
        axis: [x for v in given[axis] for x in _named(axis, v, axes[axis])]
        if axis in given else axes[axis]
        for axis in AXES
    }
    return [dict(zip(AXES, c, strict=True)) for c in itertools.product(*choices.values())]


def expand(loaded: LoadedSuite) -> Plan:
    """Expand the grid, apply rules, check every reference; user errors are raised together."""
    s = loaded.suite
    errors = check_suite(loaded) + check_rerank(loaded)
    if errors:
        raise UserErrors(errors)
    filters = FilterChecks(loaded)
    if filter_errors := filters.errors():
        raise UserErrors(filter_errors)

    axes = _axis_values(loaded)
    cells: list[Cell] = []
    skipped: list[Skipped] = []
    for combo_values in itertools.product(*(axes[a] for a in AXES)):
        combo = dict(zip(AXES, combo_values, strict=True))
        for cell in _cells_for(loaded, combo):
            answers = cell.answers()
            hit = next((i for i, r in enumerate(s.exclude) if r.matches(answers)), None)
            if hit is not None:
                skipped.append(Skipped(cell, f"excluded by exclude[{hit}]"))
            else:
                cells.append(cell)
    for rule in s.include:
        sizes = rule.given().get("corpus_size")
        for combo in _include_combos(loaded, rule):
            cells.extend(_cells_for(loaded, combo, sizes))
    cells = with_stages(cells, stages(loaded))

    unique: dict[str, Cell] = {}
    for cell in cells:
        unique.setdefault(cell.cell_id, cell)
    runnable: list[Cell] = []
    for cell in unique.values():
        reason = (modality_problem(cell) or lexical_problem(cell, loaded)
                  or package_problem(cell)
                  or capability_problem(cell) or filters.cell_problem(cell))
        if reason:
            skipped.append(Skipped(cell, reason))
        else:
            runnable.append(cell)
    errors = data_problems(loaded, runnable)  # the data's shape, read cheaply
    if errors:
        raise UserErrors(errors)
    return Plan(suite=loaded, cells=tuple(runnable), skipped=tuple(skipped),
                notes=_notes(runnable))


def _notes(cells: list[Cell]) -> tuple[tuple[str, str], ...]:
    """Each planned backend's known limit, once, in the order the backends first appear."""
    names = dict.fromkeys(c.backend for c in cells)
    notes = ((n, backend_class(n).capabilities.note) for n in names)
    return tuple((n, note) for n, note in notes if note)


def modality_problem(cell: Cell) -> str | None:
    """Why a (model, dataset) pair cannot run: a text model on a vector dataset or vice versa."""
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


def lexical_problem(cell: Cell, loaded: LoadedSuite) -> str | None:
    """Axes that do not apply to a lexical retriever (one cell is kept), and hybrid settings
    on data without texts."""
    hybrid = any(s.get("hybrid", "none") != "none" for s in cell.search_grid)
    if hybrid and dataset_modality(cell.dataset_ref) == "vectors":
        return f"hybrid retrieval needs texts; dataset '{cell.dataset_ref.label}' holds vectors"
    if not is_lexical(cell.model_ref):
        return None
    name = cell.model_ref.label
    if cell.dim is not None:
        return f"{name} ranks words: dims do not apply (its one cell is at dim native)"
    if cell.precision != loaded.suite.precisions[0]:
        return (f"{name} ranks words: precisions do not apply (its one cell is at "
                f"{loaded.suite.precisions[0]})")
    if cell.metric != loaded.suite.metrics[0]:
        return f"{name} has its own scoring: distances do not apply (one cell is kept)"
    if cell.backend != "exact":
        return (f"{name} searches its own inverted index: ANN backends do not apply (its "
                "cell runs under the exact backend)")
    return None


def capability_problem(cell: Cell) -> str | None:
    """Why a backend cannot run this cell as declared (never converted silently), or None."""
    caps = backend_class(cell.backend).capabilities
    if cell.metric not in caps.metrics:
        return (
            f"{cell.backend} does not support metric '{cell.metric}' "
            f"(supports: {', '.join(sorted(caps.metrics))})"
        )
    code = code_of(cell.precision)  # a rotation in front of a code needs nothing of a backend
    if code not in caps.precisions and not (caps.exact and "[" in code):
        return (
            f"{cell.backend} does not support precision '{cell.precision}' "
            f"(supports: {', '.join(sorted(caps.precisions))})"
        )
    return None
