"""From references in a suite to plugins: loaded datasets, built encoders, modalities.

The one way in is the registries; suite validation lives in checks.py, which uses this.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from harness.datasets.base import Dataset, subsample
from harness.encoders.base import Encoder
from harness.errors import UserError
from harness.registry import DATASET_KINDS, DATASETS, MODEL_KINDS, MODELS, Registry, split_ref
from harness.suite.schema import DatasetRef, ModelRef


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


def is_lexical(ref: ModelRef) -> bool:
    """Whether the model is a lexical retriever (bm25): it ranks words, it has no vectors."""
    plugin, _, _ = _plugin(ref.ref, MODELS, MODEL_KINDS, "model")
    return plugin.lexical


def model_modality(ref: ModelRef) -> str:
    """'vectors' for the model `vectors` (a vector dataset's own vectors), else 'text'."""
    plugin, _, _ = _plugin(ref.ref, MODELS, MODEL_KINDS, "model")
    return "vectors" if plugin.own_vectors else "text"


def plugin_for(ref: str, kind: str, key: str) -> tuple[Any, str, Any]:
    """(plugin, argument, registry entry) of a dataset or model reference (for checks)."""
    if kind == "dataset":
        return _plugin(ref, DATASETS, DATASET_KINDS, key)
    return _plugin(ref, MODELS, MODEL_KINDS, key)
