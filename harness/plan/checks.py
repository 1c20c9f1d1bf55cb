"""Everything a suite can get wrong, found before anything runs (plan time).

Each check returns UserErrors located at the suite's file and line; `check_suite` gathers them
all so that a user sees every problem at once.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from harness.backends.base import HARNESS_SEARCH_PARAMS
from harness.errors import UserError, did_you_mean
from harness.lexical.bm25 import BM25Options
from harness.metrics.ir import parse_metric
from harness.plan.hybrid_settings import lexical_model
from harness.plan.load_checks import check_load
from harness.plan.refs import dataset_plugin, model_plugin
from harness.registry import BACKENDS, PRECISIONS
from harness.suite.axes import dim_size
from harness.suite.precision import HINT as PRECISION_HINT
from harness.suite.precision import problem as precision_problem
from harness.suite.schema import LoadedSuite, ModelRef

Add = Callable[..., None]

#: Cells a suite may expand to without `--yes`: beyond this a grid is most likely a mistake
#: (each cell builds an index; planning alone costs seconds per 10,000 cells).
MAX_CELLS = 10_000


def grid_size(loaded: LoadedSuite) -> int:
    """Cells the axes and include rules can expand to (before excludes), counted, not built."""
    s = loaded.suite
    builds = sum(math.prod(len(v) if isinstance(v, list) else 1 for v in b.build.values())
                 for b in s.backends)
    axes = (len(s.datasets), len(s.models), len(s.dims), len(s.precisions), len(s.metrics),
            len(s.corpus_sizes))
    included = sum(math.prod(len(v) for v in r.given().values()) for r in s.include)
    return math.prod(axes) * builds + included * builds


def check_suite(loaded: LoadedSuite) -> list[UserError]:
    """Every user error the suite's references and parameters can hold."""
    errors: list[UserError] = []

    def add(exc: UserError, *path: str | int) -> None:
        # an error naming its own file (a data file) keeps it: the suite line is not the place
        errors.append(exc if exc.file else exc.located(loaded.file, loaded.line(*path)))

    for i in range(len(loaded.suite.datasets)):
        _check_dataset(loaded, i, add)
    for i in range(len(loaded.suite.models)):
        _check_model(loaded, i, add)
    _check_depths(loaded, add)
    _check_duplicates(loaded, add)
    errors.extend(check_backend_params(loaded))
    errors.extend(_check_precisions(loaded))
    errors.extend(_check_hybrid(loaded))
    errors.extend(check_load(loaded))
    return errors


def lexical_options_problem(params: dict) -> str | None:
    """Why a bm25 model's params are not valid BM25 options, or None."""
    try:
        BM25Options(**params)
    except TypeError as exc:
        return f"unknown bm25 option ({exc}); expected k1, b, delta, method, stemmer, " \
            "stopwords, lower"
    except ValueError as exc:
        return str(exc)
    return None


def _check_hybrid(loaded: LoadedSuite) -> list[UserError]:
    """`hybrid:` values name a lexical model (or are 'none')."""
    errors = []
    for i, be in enumerate(loaded.suite.backends):
        values = be.search.get("hybrid", [])
        for v in values if isinstance(values, list) else [values]:
            if str(v) != "none" and lexical_model(loaded.suite.models, str(v)) is None:
                errors.append(UserError(
                    f"hybrid: '{v}' is not a lexical model", file=loaded.file,
                    line=loaded.line("backends", i, "search", "hybrid"),
                    key=f"backends[{i}].search.hybrid",
                    suggestion="use 'none' or 'bm25' (or the name of a bm25 model in models)"))
    return errors


def _check_dataset(loaded: LoadedSuite, i: int, add: Add) -> None:
    d, key = loaded.suite.datasets[i], f"datasets[{i}]"
    try:
        plugin, arg, entry = dataset_plugin(d.ref, key)
        problem = plugin.check(arg, d)
        if problem:
            add(UserError(problem, key=key), "datasets", i)
        elif not entry.available():
            add(UserError(f"dataset '{d.ref}' is not installed", key=key,
                          suggestion=entry.install or None), "datasets", i)
        else:  # the data itself, before anything is encoded (errors name their own file)
            for exc in plugin.validate(arg, d):
                add(exc, "datasets", i)
    except UserError as exc:
        add(exc, "datasets", i)


def _check_model(loaded: LoadedSuite, i: int, add: Add) -> None:
    m, key = loaded.suite.models[i], f"models[{i}]"
    try:
        plugin, arg, entry = model_plugin(m.ref, key)
        problem = plugin.check(arg)
        if problem:
            add(UserError(problem, key=key), "models", i)
        elif not entry.available():
            add(UserError(f"model '{m.ref}' is not installed", key=key,
                          suggestion=entry.install or None), "models", i)
        elif problems := plugin.validate(arg):  # the model's own files (precomputed:)
            for exc in problems:
                add(exc, "models", i)
        elif plugin.lexical:
            problem = lexical_options_problem(m.params)
            if problem:
                add(UserError(problem, key=f"{key}.params"), "models", i, "params")
        elif m.params:
            add(UserError("params apply to lexical models (bm25) only", key=f"{key}.params",
                          suggestion="remove params, or use an encoder's own options"),
                "models", i, "params")
        elif not plugin.own_vectors:  # own vectors: the dataset's dim
            _check_dims(loaded, m, lambda: int(plugin.dim(arg, m)), add)
    except UserError as exc:
        add(exc, "models", i)


def _check_dims(loaded: LoadedSuite, m: ModelRef, native_dim: Callable[[], int],
                add: Add) -> None:
    """A dim above the model's native one, unless a rule excludes that (model, dim)."""
    dims = loaded.suite.dims
    asked = [d for d in dims if d is not None and not _excluded(loaded, m, d)]
    if not asked:
        return  # reading the native dim may cost a model load: only when needed
    native = native_dim()
    for d in asked:
        if (dim_size(d) or 0) > native:
            j = dims.index(d)
            add(UserError(f"dim {d} is larger than model '{m.label}''s native dim {native}",
                          key=f"dims[{j}]",
                          suggestion=f"use dims <= {native}, or add an exclude rule "
                          f"{{model: {m.label}, dim: {d}}}"), "dims", j)
            return


def _excluded(loaded: LoadedSuite, m: ModelRef, dim: int | str) -> bool:
    """Whether an exclude rule removes every cell of (model, dim)."""
    answers = {"model": (m.ref, m.label), "dim": (dim,)}
    return any(rule.matches(answers) for rule in loaded.suite.exclude)


def _check_duplicates(loaded: LoadedSuite, add: Add) -> None:
    """A value twice on one axis would run (or label) the same thing twice: say which."""
    s = loaded.suite
    axes: dict[str, list[object]] = {
        "dims": list(s.dims), "precisions": list(s.precisions), "metrics": list(s.metrics),
        "evaluate": list(s.evaluate),
        "backends": [b.model_dump_json() for b in s.backends],
        "datasets": [d.label for d in s.datasets], "models": [m.label for m in s.models],
    }
    for axis, values in axes.items():
        first: dict[object, int] = {}
        for j, v in enumerate(values):
            i = first.setdefault(v, j)
            if i == j:
                continue
            named = axis in ("datasets", "models")
            what = (f"display name '{v}'" if named else f"backend '{s.backends[j].name}' "
                    "with the same parameters" if axis == "backends" else f"{v!r}")
            hint = (f"give one of them another `name:`, e.g. name: {v}-2" if named
                    else f"remove {axis}[{j}]")
            add(UserError(f"{what} is listed twice ({axis}[{i}] and {axis}[{j}])",
                          key=f"{axis}[{j}]", suggestion=hint), axis, j)


def _check_depths(loaded: LoadedSuite, add: Add) -> None:
    s = loaded.suite
    for i, name in enumerate(s.evaluate):
        depth = parse_metric(name).k
        if depth > s.k:
            add(UserError(f"{name} needs {depth} results but k is {s.k}", key=f"evaluate[{i}]",
                          suggestion=f"set k: {depth} or use {name.split('@')[0]}@{s.k}"),
                "evaluate", i)


def check_backend_params(loaded: LoadedSuite) -> list[UserError]:
    """Unknown backends, and unknown or mistyped build/search parameters."""
    errors: list[UserError] = []
    for i, be in enumerate(loaded.suite.backends):
        line = loaded.line("backends", i, "name")
        if be.name not in BACKENDS:
            errors.append(BACKENDS.get_error(be.name, f"backends[{i}].name")
                          .located(loaded.file, line))
            continue
        entry = BACKENDS.get(be.name)
        if not entry.available():
            continue  # its cells are skipped with the install line (plan/packages.py)
        caps = entry.load().capabilities
        search_schema = {**caps.search_params, **HARNESS_SEARCH_PARAMS}
        for section, schema in (("build", caps.build_params), ("search", search_schema)):
            for key, value in getattr(be, section).items():
                errors.extend(_param_errors(loaded, (i, section, key), schema, value))
    return errors


def _param_errors(loaded: LoadedSuite, where: tuple[int, str, str], schema: dict,
                  value: object) -> list[UserError]:
    i, section, key = where
    name = loaded.suite.backends[i].name
    at = {"file": loaded.file, "line": loaded.line("backends", i, section, key),
          "key": f"backends[{i}].{section}.{key}"}
    if key not in schema:
        return [UserError(f"unknown {section} parameter for backend '{name}'",
                          suggestion=did_you_mean(key, schema)
                          or f"{name} takes no {section} parameters", **at)]
    problems = (schema[key].problem(v) for v in (value if isinstance(value, list) else [value]))
    return [UserError(p, **at) for p in problems if p]


def _check_precisions(loaded: LoadedSuite) -> list[UserError]:
    errors = []
    for i, p in enumerate(loaded.suite.precisions):
        at = {"file": loaded.file, "line": loaded.line("precisions", i)}
        if p in PRECISIONS:
            continue
        if "[" not in p:
            errors.append(PRECISIONS.get_error(p, f"precisions[{i}]").located(**at))
        elif msg := precision_problem(p):
            errors.append(UserError(msg, key=f"precisions[{i}]", suggestion=PRECISION_HINT, **at))
    return errors
