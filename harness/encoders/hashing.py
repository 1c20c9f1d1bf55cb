"""A deterministic feature-hashing encoder: no model files, for tests and offline smoke runs.

Every lowercase word adds a signed one-hot (bucket and sign from blake2b of seed and word, so
the vectors are identical across processes and runs, unlike Python's salted hash()), and each
character trigram of the word (with boundary marks) adds a signed one-hot of weight 0.5, so
texts that share words or word pieces are similar.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from harness.encoders.base import EncoderSpec, Role
from harness.encoders.files import spec_fingerprint
from harness.errors import UserError

#: Bump whenever the features or weights change: it is part of the fingerprint.
VERSION = "hash-encoder-v1"
WORD_RE = re.compile(r"\w+")
TRIGRAM_WEIGHT = 0.5


def hash_dim_problem(dim: int) -> str | None:
    """The one rule for a hash dim, used by the plan's check and by the encoder itself."""
    return None if dim >= 1 else f"hash encoder dim must be >= 1, got {dim}"


@dataclass(frozen=True)
class HashOptions:
    dim: int = 64
    seed: int = 0
    normalize: bool = True


@lru_cache(maxsize=1 << 18)
def _bucket(seed: int, dim: int, feature: str) -> tuple[int, float]:
    """(column, sign) of one feature: stable across processes."""
    digest = hashlib.blake2b(
        feature.encode("utf-8"), digest_size=8, key=str(seed).encode("ascii")
    ).digest()
    value = int.from_bytes(digest, "little")
    return (value >> 1) % dim, (1.0 if value & 1 else -1.0)


def _features(token: str) -> list[tuple[str, float]]:
    feats = [("w:" + token, 1.0)]
    marked = f"<{token}>"
    feats.extend(("c:" + marked[i : i + 3], TRIGRAM_WEIGHT) for i in range(len(marked) - 2))
    return feats


class HashEncoder:
    """Texts -> (n, dim) float32 feature-hashed bag of words and character trigrams."""

    def __init__(self, options: HashOptions | None = None) -> None:
        options = options or HashOptions()
        problem = hash_dim_problem(options.dim)
        if problem:
            raise UserError(problem)
        self.options = options

    @property
    def spec(self) -> EncoderSpec:
        o = self.options
        return EncoderSpec(
            name=f"hash-{o.dim}",
            fingerprint=spec_fingerprint(
                VERSION, {"dim": o.dim, "seed": o.seed, "normalize": o.normalize}
            ),
            dim=o.dim,
            default_metric="cosine",
            extra={"version": VERSION, "seed": str(o.seed), "normalize": str(o.normalize)},
        )

    def encode(self, texts: list[str], *, role: Role, batch_size: int = 64) -> np.ndarray:
        del role, batch_size  # no prompts, no batching: every text is independent
        o = self.options
        out = np.zeros((len(texts), o.dim), dtype=np.float64)
        for row, text in enumerate(texts):
            acc = [0.0] * o.dim
            for token in WORD_RE.findall(text.lower()):
                for feature, weight in _features(token):
                    col, sign = _bucket(o.seed, o.dim, feature)
                    acc[col] += sign * weight
            out[row] = acc
        if o.normalize:
            norms = np.linalg.norm(out, axis=1, keepdims=True)
            np.divide(out, norms, out=out, where=norms > 0)
        return np.ascontiguousarray(out, dtype=np.float32)
