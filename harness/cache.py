"""Content-addressed embedding cache: each (model, texts, role) is encoded once.

The key covers everything that changes the vectors: the encoder's fingerprint (weights hash,
tokenizer, pooling), its prompts and max length, the role, and a hash of the texts in order.
Batch size is left out on purpose: it does not change the vectors.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from harness.encoders.base import Encoder, Role
from harness.fsutil import atomic_write_bytes


def default_cache_dir() -> Path:
    env = os.environ.get("HARNESS_CACHE")
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "embedding-harness"


@dataclass(frozen=True)
class Encoded:
    vectors: np.ndarray
    cache_hit: bool
    seconds: float  # encoding time (0 on a hit)
    key: str

    @property
    def per_second(self) -> float | None:
        return len(self.vectors) / self.seconds if self.seconds > 0 else None


class EmbeddingCache:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def key(self, encoder: Encoder, role: Role, texts_fingerprint: str) -> str:
        spec = asdict(encoder.spec)
        blob = json.dumps({"spec": spec, "role": role, "texts": texts_fingerprint}, sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()[:32]

    def path_for(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.npy"

    def has(self, encoder: Encoder, role: Role, texts_fingerprint: str) -> bool:
        return self.path_for(self.key(encoder, role, texts_fingerprint)).is_file()

    def encode(
        self,
        encoder: Encoder,
        texts: tuple[str, ...] | list[str],
        *,
        role: Role,
        texts_fingerprint: str,
        batch_size: int = 64,
    ) -> Encoded:
        key = self.key(encoder, role, texts_fingerprint)
        path = self.path_for(key)
        if path.is_file():
            vecs = np.load(path)
            if vecs.shape[0] == len(texts):
                return Encoded(vecs, True, 0.0, key)
        t0 = time.perf_counter_ns()
        vecs = np.ascontiguousarray(
            encoder.encode(list(texts), role=role, batch_size=batch_size), dtype=np.float32
        )
        seconds = (time.perf_counter_ns() - t0) / 1e9
        if vecs.shape != (len(texts), encoder.spec.dim):
            raise RuntimeError(
                f"encoder {encoder.spec.name} returned shape {vecs.shape}, "
                f"expected {(len(texts), encoder.spec.dim)}"
            )
        path.parent.mkdir(parents=True, exist_ok=True)
        from io import BytesIO

        buf = BytesIO()
        np.save(buf, vecs)
        atomic_write_bytes(path, buf.getvalue())
        meta = {"model": encoder.spec.name, "role": role, "n": len(texts), "seconds": seconds}
        atomic_write_bytes(path.with_suffix(".json"), json.dumps(meta).encode())
        return Encoded(vecs, False, seconds, key)
