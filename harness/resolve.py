"""From references in a suite to loaded datasets and built encoders (one way in: registries)."""

from __future__ import annotations

from typing import Any

from harness.datasets.base import Dataset, subsample
from harness.encoders.base import Encoder
from harness.errors import UserError
from harness.registry import DATASET_KINDS, DATASETS, MODEL_KINDS, MODELS, Registry, split_ref
from harness.suite import DatasetRef, LoadedSuite, ModelRef, dim_size


def _plugin(ref: str, aliases: Registry, kinds: Registry, key: str) -> tuple[Any, str, Any]:
    """(plugin object, argument, entry) for a reference string."""
    kind, arg = split_ref(ref)
    if kind is None:
        if ref in aliases:
            entry = aliases.get(ref)
            return entry.load(), "", entry
        err = aliases.get_error(ref, key)
        hint = f"{err.suggestion}; or use a reference like " + ", ".join(
            f"'{e.info.get('example', e.name + ':...')}'" for e in kinds
        )
        raise UserError(err.message, key=key, suggestion=hint)
    entry = kinds.get(kind, key=key)
    return entry.load(), arg, entry


def _require(entry: Any, key: str) -> None:
    if not entry.available():
        raise UserError(
            f"'{entry.name}' needs packages that are not installed ({', '.join(entry.requires)})",
            key=key,
            suggestion=entry.install or None,
        )


def load_dataset(ref: DatasetRef, *, seed: int = 0) -> Dataset:
    plugin, arg, entry = _plugin(ref.ref, DATASETS, DATASET_KINDS, "dataset")
    _require(entry, f"dataset {ref.ref}")
    ds = plugin.load(arg, ref)
    if ref.name:
        from dataclasses import replace

        ds = replace(ds, name=ref.name)
    return subsample(ds, max_queries=ref.max_queries, max_docs=ref.max_docs, seed=seed)


def build_encoder(ref: ModelRef) -> Encoder:
    plugin, arg, entry = _plugin(ref.ref, MODELS, MODEL_KINDS, "model")
    _require(entry, f"model {ref.ref}")
    return plugin.build(arg, ref)


def dataset_modality(ref: DatasetRef) -> str:
    """'text' (encoded by the suite's models) or 'vectors' (the dataset's own), without loading."""
    plugin, arg, _ = _plugin(ref.ref, DATASETS, DATASET_KINDS, "dataset")
    return plugin.modality(arg)


def model_modality(ref: ModelRef) -> str:
    """'vectors' for the model `vectors` (a vector dataset's own vectors), else 'text'."""
    plugin, _, _ = _plugin(ref.ref, MODELS, MODEL_KINDS, "model")
    return "vectors" if plugin.own_vectors else "text"


def model_dim(ref: ModelRef) -> int:
    plugin, arg, _ = _plugin(ref.ref, MODELS, MODEL_KINDS, "model")
    return int(plugin.dim(arg, ref))


def _excluded(loaded: LoadedSuite, m: ModelRef, dim: int) -> bool:
    """Whether an exclude rule removes every cell of (model, dim)."""
    for rule in loaded.suite.exclude:
        given = rule.given()
        if set(given) - {"model", "dim"}:
            continue
        if "model" in given and not {m.ref, m.label} & set(map(str, given["model"])):
            continue
        if "dim" in given and dim not in given["dim"]:
            continue
        return True
    return False


def check_references(loaded: LoadedSuite) -> list[UserError]:
    """Every user error the suite's references can hold, found before anything runs."""
    from harness.plan import check_backend_params

    s = loaded.suite
    errors: list[UserError] = []

    def add(exc: UserError, *path: str | int) -> None:
        errors.append(exc.located(loaded.file, loaded.line(*path)))

    for i, d in enumerate(s.datasets):
        key = f"datasets[{i}]"
        try:
            plugin, arg, entry = _plugin(d.ref, DATASETS, DATASET_KINDS, key)
            problem = plugin.check(arg, d)
            if problem:
                add(UserError(problem, key=key), "datasets", i)
            elif not entry.available():
                add(
                    UserError(
                        f"dataset '{d.ref}' is not installed",
                        key=key,
                        suggestion=entry.install or None,
                    ),
                    "datasets",
                    i,
                )
        except UserError as exc:
            add(exc, "datasets", i)

    for i, m in enumerate(s.models):
        key = f"models[{i}]"
        try:
            plugin, arg, entry = _plugin(m.ref, MODELS, MODEL_KINDS, key)
            problem = plugin.check(arg)
            if problem:
                add(UserError(problem, key=key), "models", i)
                continue
            if not entry.available():
                add(
                    UserError(
                        f"model '{m.ref}' is not installed",
                        key=key,
                        suggestion=entry.install or None,
                    ),
                    "models",
                    i,
                )
                continue
            if plugin.own_vectors:
                continue  # a vector dataset's own vectors: their dim is the dataset's
            too_big = [d for d in s.dims if d is not None and not _excluded(loaded, m, d)]
            native = int(plugin.dim(arg, m)) if too_big else 0
            for d in (d for d in too_big if (dim_size(d) or 0) > native):
                j = s.dims.index(d)
                add(
                    UserError(
                        f"dim {d} is larger than model '{m.label}''s native dim {native}",
                        key=f"dims[{j}]",
                        suggestion=f"use dims <= {native}, or add an exclude rule "
                        f"{{model: {m.label}, dim: {d}}}",
                    ),
                    "dims",
                    j,
                )
                break
        except UserError as exc:
            add(exc, "models", i)

    from harness.metrics.ir import parse_metric

    for i, name in enumerate(s.evaluate):
        depth = parse_metric(name).k
        if depth > s.k:
            add(
                UserError(
                    f"{name} needs {depth} results but k is {s.k}",
                    key=f"evaluate[{i}]",
                    suggestion=f"set k: {depth} or use {name.split('@')[0]}@{s.k}",
                ),
                "evaluate",
                i,
            )
    errors.extend(check_backend_params(loaded))
    return errors
