"""The encoder plugin interface: a spec (what the vectors depend on) and encode()."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol, runtime_checkable

import numpy as np

Role = Literal["query", "document"]


@dataclass(frozen=True)
class EncoderSpec:
    """Everything that identifies the vectors an encoder produces.

    `fingerprint` must change whenever the vectors could change (weights file hash or revision,
    pooling, tokenizer); the embedding cache keys on it together with prompts and max_length.
    """

    name: str
    fingerprint: str
    dim: int
    default_metric: Literal["cosine", "ip", "l2"] = "cosine"
    matryoshka_dims: tuple[int, ...] = ()
    query_prompt: str = ""
    document_prompt: str = ""
    max_length: int | None = None
    extra: dict[str, str] = field(default_factory=dict)


class Encoder(Protocol):
    """Turns texts into float32 vectors of shape (len(texts), spec.dim)."""

    @property
    def spec(self) -> EncoderSpec: ...

    def encode(self, texts: list[str], *, role: Role, batch_size: int = 64) -> np.ndarray: ...


@runtime_checkable
class LoadsModel(Protocol):
    """An encoder that loads its model (weights, session, vocabulary) before its first encode.

    `load()` does it once (later calls return at once), so the harness can time the model load
    apart from the encoding: `model_load_s` and an `encode_docs_per_s` without the load."""

    @property
    def spec(self) -> EncoderSpec: ...

    def load(self) -> object: ...


@runtime_checkable
class VectorLookup(Protocol):
    """An encoder whose vectors are looked up by document/query id (precomputed files)."""

    @property
    def spec(self) -> EncoderSpec: ...

    def vectors_for(self, ids: Sequence[str], role: Role) -> np.ndarray: ...
