"""An encoder plugin: `bigrams:DIM`, character bigrams hashed into DIM buckets, normalised.
Run it with `HARNESS_PLUGINS=bigram_encoder` (docs/howto/encoder.md)."""

from __future__ import annotations

import zlib

import numpy as np

from harness.encoders.base import Encoder, EncoderSpec, Role
from harness.encoders.model_kinds import ModelPlugin
from harness.registry import MODEL_KINDS, Entry
from harness.suite.schema import ModelRef

VERSION = "bigrams-v1"  # part of the fingerprint: bump it when the vectors change


class BigramEncoder:
    def __init__(self, dim: int) -> None:
        self._spec = EncoderSpec(name=f"bigrams:{dim}", fingerprint=f"{VERSION}-{dim}", dim=dim)

    @property
    def spec(self) -> EncoderSpec:
        return self._spec

    def encode(self, texts: list[str], *, role: Role, batch_size: int = 64) -> np.ndarray:
        out = np.zeros((len(texts), self._spec.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            t = f" {text.lower()} "
            for i in range(len(t) - 1):  # crc32 is stable across processes (hash() is not)
                out[row, zlib.crc32(t[i:i + 2].encode()) % self._spec.dim] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1.0, norms)


class BigramPlugin(ModelPlugin):
    @staticmethod
    def check(arg: str) -> str | None:
        return None if arg.isdigit() and int(arg) > 0 else (
            f"expected 'bigrams:DIM' with a positive integer DIM, got 'bigrams:{arg}'")

    @staticmethod
    def dim(arg: str, ref: ModelRef) -> int:
        return int(arg)  # known at plan time, without building the encoder

    @staticmethod
    def build(arg: str, ref: ModelRef) -> Encoder:
        return BigramEncoder(int(arg))


MODEL_KINDS.register(Entry("bigrams", "bigram_encoder:BigramPlugin",
                           "character bigrams hashed into DIM buckets (a plugin example)",
                           info={"example": "bigrams:256"}))
