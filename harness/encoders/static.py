"""Static embeddings in the model2vec format: one vector per token, averaged over a text.

A model2vec folder holds `model.safetensors` (`embeddings`, (vocab or clusters, dim), float or
int8; optional `weights`, one float per token; optional `mapping`, token id -> row of
`embeddings` for vocabulary-quantized models), `tokenizer.json` and `config.json`
(`normalize`, `max_length`). This module reproduces model2vec's `StaticModel.encode` with numpy,
safetensors and tokenizers only (no torch, no huggingface-hub):

1. each text is cut to max_length * median token length characters, tokenized without special
   tokens, truncated to max_length tokens, and the unknown token is dropped;
2. a text's vector is the mean over its tokens of embeddings[mapping[id]] * weights[id]
   (int8 embeddings are used as their integer values: the scale cancels on normalisation);
3. normalised to unit length when the model's config says so. A text with no known token is
   the zero vector.
"""

from __future__ import annotations

import importlib.util
import json
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from harness.encoders.base import EncoderSpec, Role
from harness.encoders.files import file_sha256, read_json_config, spec_fingerprint
from harness.errors import UserError

#: Bump whenever tokenization, pooling or weighting could change the vectors.
VERSION = "static-encoder-v1"
DEFAULT_MAX_LENGTH = 512  # model2vec's default when config.json has none
INSTALL_RUNTIME = "pip install safetensors tokenizers"
INSTALL_TOKENLEARN = "pip install tokenlearn-static-model"
FILES = ("model.safetensors", "tokenizer.json", "config.json")


@dataclass(frozen=True)
class StaticOptions:
    folder: Path
    name: str | None = None
    normalize: bool | None = None  # None: the model's config.json (model2vec default: False)
    max_length: int | None = None  # None: config.json max_length, else 512
    query_prompt: str = ""
    document_prompt: str = ""


def check_folder(folder: Path) -> str | None:
    """Why `folder` is not a model2vec folder, or None."""
    folder = Path(folder).expanduser()
    if not folder.is_dir():
        return f"no static model folder at '{folder}'"
    missing = [f for f in FILES[:2] if not (folder / f).is_file()]
    if missing:
        return f"{folder}: missing {', '.join(missing)} (expected a model2vec folder)"
    return None


def read_dim(folder: Path) -> int:
    """The vectors' dimension, read from the safetensors header (no weights loaded)."""
    path = Path(folder) / "model.safetensors"
    try:
        with path.open("rb") as f:
            size = int.from_bytes(f.read(8), "little")
            header = json.loads(f.read(size))
    except (OSError, ValueError) as exc:
        raise UserError(f"{path}: cannot read the safetensors header: {exc}") from exc
    for name in ("embeddings", "embedding.weight"):
        if name in header:
            return int(header[name]["shape"][1])
    raise UserError(f"{path}: no 'embeddings' tensor (found {sorted(header)})")


class StaticEncoder:
    """Texts -> (n, dim) float32 (weighted) means of static token vectors."""

    def __init__(self, options: StaticOptions) -> None:
        problem = check_folder(options.folder)
        if problem:
            raise UserError(problem)
        if options.max_length is not None and options.max_length < 1:
            raise UserError(f"max_length must be >= 1, got {options.max_length}")
        self.options = options
        self.folder = Path(options.folder).expanduser()
        self._lock = threading.Lock()
        self._loaded = False
        self._config: dict[str, Any] = {}
        self._embeddings: np.ndarray = np.zeros((0, 0), dtype=np.float32)
        self._weights: np.ndarray | None = None
        self._mapping: np.ndarray | None = None
        self._tokenizer: Any = None
        self._unk_id: int | None = None
        self._median_token_length = 1
        self._spec: EncoderSpec | None = None

    # -- loading -----------------------------------------------------------------------------

    def config(self) -> dict[str, Any]:
        return read_json_config(self.folder / "config.json")

    @property
    def normalize(self) -> bool:
        o = self.options
        return bool(self.config().get("normalize", False) if o.normalize is None else o.normalize)

    @property
    def max_length(self) -> int:
        o = self.options
        return int(o.max_length or self.config().get("max_length") or DEFAULT_MAX_LENGTH)

    def load(self) -> None:
        """The model loaded once (LoadsModel: timed apart from encoding)."""
        self._load()

    def _load(self) -> None:
        with self._lock:
            if self._loaded:
                return
            try:
                from safetensors.numpy import load_file
                from tokenizers import Tokenizer
            except ImportError as exc:
                raise UserError(
                    f"the static encoder needs {exc.name}", suggestion=INSTALL_RUNTIME
                ) from exc
            tensors = load_file(str(self.folder / "model.safetensors"))
            emb = tensors.get("embeddings", tensors.get("embedding.weight"))
            if emb is None or emb.ndim != 2:
                raise UserError(f"{self.folder}/model.safetensors: no 2-d 'embeddings' tensor")
            self._embeddings = np.ascontiguousarray(emb, dtype=np.float32)
            weights = tensors.get("weights")
            mapping = tensors.get("mapping")
            self._weights = None if weights is None else weights.astype(np.float32)
            self._mapping = None if mapping is None else mapping.astype(np.int64)
            tokenizer = Tokenizer.from_file(str(self.folder / "tokenizer.json"))
            tokenizer.no_padding()
            tokenizer.enable_truncation(self.max_length)
            vocab = tokenizer.get_vocab()
            if self._mapping is None and len(self._embeddings) != len(vocab):
                raise UserError(
                    f"{self.folder}: {len(self._embeddings)} vectors for {len(vocab)} tokens and "
                    "no token mapping"
                )
            self._median_token_length = max(1, int(np.median([len(t) for t in vocab])))
            self._unk_id = _unk_token_id(tokenizer)
            self._tokenizer = tokenizer
            self._loaded = True

    # -- spec --------------------------------------------------------------------------------

    @property
    def spec(self) -> EncoderSpec:
        if self._spec is None:
            o = self.options
            present = [f for f in FILES if (self.folder / f).is_file()]
            hashes = {f: file_sha256(self.folder / f) for f in present}
            how = {"normalize": self.normalize, "max_length": self.max_length}
            self._spec = EncoderSpec(
                name=o.name or self.folder.resolve().name,
                fingerprint=spec_fingerprint(VERSION, {**dict(sorted(hashes.items())), **how}),
                dim=read_dim(self.folder),
                default_metric="cosine",
                query_prompt=o.query_prompt,
                document_prompt=o.document_prompt,
                max_length=self.max_length,
                extra={"pooling": "mean", "normalize": str(self.normalize), **hashes},
            )
        return self._spec

    # -- encoding ----------------------------------------------------------------------------

    def token_ids(self, texts: list[str]) -> list[np.ndarray]:
        """model2vec's tokenization: cut characters, no special tokens, drop the unknown token."""
        self._load()
        cut = self.max_length * self._median_token_length
        encodings = self._tokenizer.encode_batch(
            [t[:cut] for t in texts], add_special_tokens=False
        )
        out = []
        for e in encodings:
            ids = np.asarray(e.ids, dtype=np.int64)
            if self._unk_id is not None:
                ids = ids[ids != self._unk_id]
            out.append(ids)
        return out

    def encode(self, texts: list[str], *, role: Role, batch_size: int = 1024) -> np.ndarray:
        if role not in ("query", "document"):
            raise ValueError(f"role must be 'query' or 'document', got {role!r}")
        self._load()
        prompt = self.options.query_prompt if role == "query" else self.options.document_prompt
        texts = [prompt + t for t in texts] if prompt else list(texts)
        dim = self._embeddings.shape[1]
        out = np.zeros((len(texts), dim), dtype=np.float32)
        step = max(1024, batch_size)
        for start in range(0, len(texts), step):
            ids = self.token_ids(texts[start : start + step])
            lengths = np.array([len(x) for x in ids], dtype=np.int64)
            if not lengths.sum():
                continue
            flat = np.concatenate(ids)
            rows = flat if self._mapping is None else self._mapping[flat]
            vecs = self._embeddings[rows]
            if self._weights is not None:
                vecs = vecs * self._weights[flat][:, None]
            nonempty = np.flatnonzero(lengths)
            offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]])[nonempty]
            sums = np.add.reduceat(vecs, offsets, axis=0)
            out[start + nonempty] = sums / lengths[nonempty, None]
        if self.normalize:
            norms = np.linalg.norm(out, axis=1, keepdims=True)
            out = out / np.where(norms > 0, norms, 1.0)
        return np.ascontiguousarray(out, dtype=np.float32)


def _unk_token_id(tokenizer: Any) -> int | None:
    """model2vec's rule: the model's unk token (WordPiece/BPE/WordLevel) or Unigram's unk_id."""
    model = tokenizer.model
    token = getattr(model, "unk_token", None)
    if token is not None:
        return tokenizer.token_to_id(token)
    if hasattr(model, "unk_token"):
        return None
    unk = json.loads(tokenizer.to_str())["model"].get("unk_id")
    return None if unk is None else int(unk)


# -- packaged models ---------------------------------------------------------------------------


def tokenlearn_folder() -> Path:
    """The model folder inside tokenlearn-static-model (located without importing the package:
    its __init__ loads a compiled extension the harness does not need)."""
    spec = importlib.util.find_spec("static_model")
    if spec is None or not spec.submodule_search_locations:
        raise UserError(
            "the tokenlearn static model is not installed (package tokenlearn-static-model)",
            suggestion=INSTALL_TOKENLEARN,
        )
    folder = Path(next(iter(spec.submodule_search_locations))) / "model"
    problem = check_folder(folder)
    if problem:
        raise UserError(problem, suggestion=INSTALL_TOKENLEARN)
    return folder
