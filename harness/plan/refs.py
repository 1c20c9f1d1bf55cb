"""From references in a suite to plugins: loaded datasets, built encoders, modalities.

The one way in is the registries; suite validation lives in checks.py, which uses this.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TypeVar

from harness.datasets.base import Dataset, subsample
from harness.datasets.kinds import DatasetPlugin
from harness.encoders.base import Encoder
from harness.encoders.model_kinds import ModelPlugin
from harness.errors import UserError
from harness.registry import (
    DATASET_KINDS,
    DATASETS,
    MODEL_KINDS,
    MODELS,
    Entry,
    Registry,
    split_ref,
)
from harness.suite.schema import DatasetRef, ModelRef

T = TypeVar("T")


def _entry(ref: str, aliases: Registry, kinds: Registry, key: str) -> tuple[Entry, str]:
    """(registry entry, argument) for a reference string: an alias or 'kind:argument'."""
    kind, arg = split_ref(ref)
    if kind is None:
        if ref in aliases:
            return aliases.get(ref), ""
        err = aliases.get_error(ref, key)
        hint = f"{err.suggestion}; or use a reference like " + ", ".join(
            f"'{e.info.get('example', e.name + ':...')}'" for e in kinds
        )
        raise UserError(err.message, key=key, suggestion=hint)
    return kinds.get(kind, key=key), arg


def _loaded(entry: Entry, base: type[T]) -> type[T]:
    """The entry's class, checked to be a `base` (a registration naming something else is a
    bug in the registry, not a user error)."""
    cls = entry.load()
    if not (isinstance(cls, type) and issubclass(cls, base)):
        raise TypeError(f"registry entry {entry.name} ({entry.target}) is not a {base.__name__}")
    return cls


def dataset_plugin(ref: str, key: str = "dataset") -> tuple[type[DatasetPlugin], str, Entry]:
    """(plugin class, argument, registry entry) of a dataset reference."""
    entry, arg = _entry(ref, DATASETS, DATASET_KINDS, key)
    return _loaded(entry, DatasetPlugin), arg, entry


def model_plugin(ref: str, key: str = "model") -> tuple[type[ModelPlugin], str, Entry]:
    """(plugin class, argument, registry entry) of a model reference."""
    entry, arg = _entry(ref, MODELS, MODEL_KINDS, key)
    return _loaded(entry, ModelPlugin), arg, entry


def _require(entry: Entry, key: str) -> None:
    if not entry.available():
        raise UserError(
            f"'{entry.name}' needs packages that are not installed ({', '.join(entry.requires)})",
            key=key,
            suggestion=entry.install or None,
        )


def load_dataset(ref: DatasetRef, *, seed: int = 0) -> Dataset:
    plugin, arg, entry = dataset_plugin(ref.ref)
    _require(entry, f"dataset {ref.ref}")
    ds = plugin.load(arg, ref)
    if ref.name:
        ds = replace(ds, name=ref.name)
    return subsample(ds, max_queries=ref.max_queries, max_docs=ref.max_docs, seed=seed)


def build_encoder(ref: ModelRef) -> Encoder:
    plugin, arg, entry = model_plugin(ref.ref)
    _require(entry, f"model {ref.ref}")
    return plugin.build(arg, ref)


def dataset_modality(ref: DatasetRef) -> str:
    """'text' (encoded by the suite's models) or 'vectors' (the dataset's own), without loading."""
    plugin, arg, _ = dataset_plugin(ref.ref)
    return plugin.modality(arg)


def is_lexical(ref: ModelRef) -> bool:
    """Whether the model is a lexical retriever (bm25): it ranks words, it has no vectors."""
    plugin, _, _ = model_plugin(ref.ref)
    return plugin.lexical


def model_modality(ref: ModelRef) -> str:
    """'vectors' for the model `vectors` (a vector dataset's own vectors), else 'text'."""
    plugin, _, _ = model_plugin(ref.ref)
    return "vectors" if plugin.own_vectors else "text"
