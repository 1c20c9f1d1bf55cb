"""Content-addressed embedding cache: each (model, texts, role) is encoded once.

The key covers everything that changes the vectors: the encoder's fingerprint (weights hash,
tokenizer, pooling), its prompts and max length, the role, and a hash of the texts in order.
Batch size is left out on purpose: it does not change the vectors.

Large encodings are made of chunks of `chunk` texts (8,192 by default), each encoded on its
own and kept as a part file until all are there, then joined into one entry. So an encoding
killed after hours resumes at the chunk it was in, and chunks can be encoded by separate
workers (Ray) with a result bit-identical to one process's: a chunk's vectors depend only on
its own texts. The chunk size is part of the key of entries larger than one chunk.
Entries are memory-mapped when read, so a run does not hold the whole corpus in RAM, and are
checked when read (shape, dtype, finite values): a damaged entry is discarded with a warning
and encoded again, never a permanent failure.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from io import BytesIO
from pathlib import Path
from typing import Any

import numpy as np

from harness.datasets.validate import array_problems
from harness.encoders.base import Encoder, LoadsModel, Role
from harness.fsutil import atomic_write_bytes

log = logging.getLogger("harness")


def default_cache_dir() -> Path:
    env = os.environ.get("HARNESS_CACHE")
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "embedding-harness"


@dataclass(frozen=True)
class EncodeRecord:
    """What was measured when a cache entry was encoded (kept in its .json beside it)."""

    seconds: float  # encoding time, the model load excluded
    n_encoded: int
    model_load_s: float | None  # None: loaded where the chunks ran (Ray), not timed apart

    @property
    def per_second(self) -> float | None:
        return self.n_encoded / self.seconds if self.seconds > 0 and self.n_encoded else None

    @classmethod
    def from_meta(cls, meta: Any) -> EncodeRecord | None:
        """None for entries written before the model load was timed apart (their time
        included it) or a damaged .json."""
        if not isinstance(meta, dict) or "model_load_s" not in meta:
            return None
        try:
            load = meta["model_load_s"]
            return cls(float(meta["seconds"]), int(meta["n_encoded"]),
                       None if load is None else float(load))
        except (KeyError, TypeError, ValueError):
            return None


@dataclass(frozen=True)
class Encoded:
    vectors: np.ndarray
    cache_hit: bool
    seconds: float  # encoding time of what this call encoded (0 on a hit), model load excluded
    key: str
    n_encoded: int = 0  # texts encoded by this call (chunks found on disk are not)
    # the model's load, timed apart (0 when it was loaded before; None: not timed, see
    # EncodeRecord.model_load_s)
    load_seconds: float | None = 0.0
    recorded: EncodeRecord | None = None  # on a hit: what was measured when it was encoded

    @property
    def per_second(self) -> float | None:
        return self.n_encoded / self.seconds if self.seconds > 0 else None


@dataclass(frozen=True)
class ChunkJob:
    """Chunks of one cache entry to encode elsewhere; each part file is written there."""

    model: Mapping  # the model reference (a ModelRef as a dict), to build the encoder
    texts: Sequence[str]
    role: Role
    batch_size: int
    cache_root: str
    key: str
    spans: list[tuple[int, int]] = field(default_factory=list)


ChunkMapper = Callable[[ChunkJob], None]
CHUNK = 8192
# Progress of an encoding: (what, texts done, texts in all), called as steps finish.
EncodeProgress = Callable[[str, int, int], None]
# Texts per encoder call inside a chunk: whole batches (an encoder that batches in order gets
# the same vectors as from one call), small enough for a progress bar that moves.
STEP = 512


class EmbeddingCache:
    def __init__(self, root: Path, chunk: int = CHUNK,
                 on_progress: EncodeProgress | None = None) -> None:
        self.root = Path(root)
        self.chunk = chunk
        self.on_progress = on_progress  # told of every encoding this cache does here

    def key(self, encoder: Encoder, role: Role, texts_fingerprint: str, n: int = 0) -> str:
        spec = asdict(encoder.spec)
        content = {"spec": spec, "role": role, "texts": texts_fingerprint}
        if n > self.chunk:  # vectors depend on how texts were grouped when encoded
            content["chunk"] = self.chunk
        blob = json.dumps(content, sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()[:32]

    def path_for(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.npy"

    def part_path(self, key: str, span: tuple[int, int]) -> Path:
        return self.root / key[:2] / f"{key}.part{span[0]:012d}-{span[1]:012d}.npy"

    def has(self, encoder: Encoder, role: Role, texts_fingerprint: str, n: int = 0) -> bool:
        return self.path_for(self.key(encoder, role, texts_fingerprint, n)).is_file()

    def spans(self, n: int) -> list[tuple[int, int]]:
        return [(a, min(a + self.chunk, n)) for a in range(0, n, self.chunk)] or [(0, 0)]

    def encode(
        self,
        encoder: Encoder,
        texts: tuple[str, ...] | list[str],
        *,
        role: Role,
        texts_fingerprint: str,
        batch_size: int = 64,
        mapper: tuple[ChunkMapper, Mapping] | None = None,
    ) -> Encoded:
        """The vectors of `texts`, from the cache or encoded (chunk by chunk; with `mapper`,
        (function, model reference), the missing chunks are encoded where it sends them)."""
        n = len(texts)
        key = self.key(encoder, role, texts_fingerprint, n)
        path = self.path_for(key)
        if path.is_file():
            vecs = self._read_entry(path, (n, encoder.spec.dim))
            if vecs is not None:
                return Encoded(vecs, True, 0.0, key, recorded=self.record(key))
        spans = self.spans(n)
        todo = [s for s in spans if not self._part_ok(key, s, encoder.spec.dim)]
        load_s = None if mapper is not None and todo else _load_model(encoder, bool(todo))
        t0 = time.perf_counter_ns()
        if mapper is not None and todo:
            fn, model = mapper
            fn(ChunkJob(model, texts, role, batch_size, str(self.root), key, todo))
        else:
            report = self._progress(f"encoding {role}s ({encoder.spec.name})", n, n - sum(
                b - a for a, b in todo))
            for span in todo:
                self.write_part(key, span, encode_span(encoder, texts, span, role, batch_size,
                                                       on_step=report))
        seconds = (time.perf_counter_ns() - t0) / 1e9
        vecs = self._join(key, spans, n, encoder.spec.dim)
        n_encoded = sum(b - a for a, b in todo)
        meta = {"model": encoder.spec.name, "role": role, "n": n, "seconds": seconds,
                "n_encoded": n_encoded, "model_load_s": load_s}
        atomic_write_bytes(path.with_suffix(".json"), json.dumps(meta).encode())
        return Encoded(vecs, False, seconds, key, n_encoded, load_s)

    def record(self, key: str) -> EncodeRecord | None:
        """The figures measured when the entry `key` was encoded, where its .json has them."""
        try:
            meta = json.loads(self.path_for(key).with_suffix(".json").read_text())
        except (OSError, ValueError):
            return None
        return EncodeRecord.from_meta(meta)

    def _progress(self, what: str, total: int, done: int) -> Callable[[int], None] | None:
        """A step counter feeding on_progress (None without one); reports the start now."""
        if self.on_progress is None:
            return None
        tell, count = self.on_progress, [done]
        tell(what, done, total)

        def step(n: int) -> None:
            count[0] += n
            tell(what, count[0], total)

        return step

    def _read_entry(self, path: Path, shape: tuple[int, int]) -> np.ndarray | None:
        """The entry memory-mapped, or None after discarding a damaged one (truncated, wrong
        shape or dtype, non-finite values) with a warning, so it is encoded again. The check
        reads the entry once, a small cost next to encoding it."""
        found, problems = array_problems(path)
        if not problems and found == shape:
            vecs = np.load(path, mmap_mode="r")
            if vecs.dtype == np.float32:
                return vecs
        why = problems[0].message if problems else f"shape {found}, expected {shape} float32"
        log.warning("cache entry %s is damaged (%s); discarded and encoded again", path, why)
        path.unlink(missing_ok=True)
        path.with_suffix(".json").unlink(missing_ok=True)
        return None

    def _part_ok(self, key: str, span: tuple[int, int], dim: int) -> bool:
        """Whether a chunk's part file is there and whole (a damaged one is removed)."""
        part = self.part_path(key, span)
        if not part.is_file():
            return False
        try:
            if np.load(part, mmap_mode="r").shape == (span[1] - span[0], dim):
                return True
        except (OSError, ValueError, EOFError):
            pass
        log.warning("cache part %s is damaged; that chunk is encoded again", part)
        part.unlink(missing_ok=True)
        return False

    def write_part(self, key: str, span: tuple[int, int], vecs: np.ndarray) -> None:
        buf = BytesIO()
        np.save(buf, np.ascontiguousarray(vecs, dtype=np.float32))
        atomic_write_bytes(self.part_path(key, span), buf.getvalue())

    def _join(self, key: str, spans: list[tuple[int, int]], n: int, dim: int) -> np.ndarray:
        """Parts -> one .npy entry (streamed into a memory-mapped file, then renamed)."""
        path = self.path_for(key)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        out = np.lib.format.open_memmap(tmp, mode="w+", dtype=np.float32, shape=(n, dim))
        for span in spans:
            part = np.load(self.part_path(key, span), mmap_mode="r")
            if part.shape != (span[1] - span[0], dim):
                raise RuntimeError(f"cache part {self.part_path(key, span)} has shape "
                                   f"{part.shape}, expected {(span[1] - span[0], dim)}")
            out[span[0]:span[1]] = part
        out.flush()
        del out
        os.replace(tmp, path)
        for span in spans:
            self.part_path(key, span).unlink(missing_ok=True)
        return np.load(path, mmap_mode="r")


def _load_model(encoder: Encoder, needed: bool) -> float:
    """Seconds to load the encoder's model (LoadsModel), 0 when nothing is encoded or the
    encoder has no separate load (or it is loaded already: load() then returns at once)."""
    if not needed or not isinstance(encoder, LoadsModel):
        return 0.0
    t0 = time.perf_counter_ns()
    encoder.load()
    return (time.perf_counter_ns() - t0) / 1e9


def encode_span(encoder: Encoder, texts: Sequence[str], span: tuple[int, int], role: Role,
                batch_size: int, on_step: Callable[[int], None] | None = None) -> np.ndarray:
    """One chunk's vectors, checked for shape (the same calls wherever the chunk runs), in
    steps of whole batches; on_step(texts) after each."""
    a, b = span
    size = max(batch_size, STEP // batch_size * batch_size)
    dim = encoder.spec.dim
    out = np.empty((b - a, dim), dtype=np.float32)
    for lo in range(a, b, size):
        hi = min(lo + size, b)
        vecs = np.asarray(encoder.encode(list(texts[lo:hi]), role=role, batch_size=batch_size))
        if vecs.shape != (hi - lo, dim):
            raise RuntimeError(f"encoder {encoder.spec.name} returned shape {vecs.shape}, "
                               f"expected {(hi - lo, dim)}")
        if not np.isfinite(vecs).all():  # never cached, never scored as "ok"
            row = lo + int(np.flatnonzero(~np.isfinite(vecs).all(axis=1))[0])
            raise RuntimeError(f"encoder {encoder.spec.name} returned NaN or infinite values "
                               f"(first for text {row} of the {role} texts)")
        out[lo - a:hi - a] = vecs
        if on_step is not None:
            on_step(hi - lo)
    return out
