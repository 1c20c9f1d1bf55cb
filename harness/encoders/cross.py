"""Cross-encoders for the second stage: a sentence-transformers `CrossEncoder` folder or hub id.

A cross-encoder reads (query, document text) pairs and returns one relevance score per pair;
unlike an embedding model there is no document vector to cache, so its cost is paid per query.
The import is lazy because torch lives in the optional `st` extra.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from harness.encoders.cross_onnx import OnnxCrossEncoder, onnx_model_file
from harness.errors import UserError

INSTALL = "pip install 'embedding-harness[st]'"
#: how a suite's `rerank` entry names a cross-encoder: ce:<folder or hub id>
CROSS_PREFIX = "ce:"


class PairScorer(Protocol):
    """Scores (query, document) text pairs; higher means more relevant."""

    def score(self, pairs: Sequence[tuple[str, str]]) -> np.ndarray: ...

    def nbytes(self) -> int: ...


class STCrossEncoder:
    """sentence-transformers CrossEncoder from a local folder (or a hub id already cached)."""

    def __init__(self, name: str | Path, batch_size: int = 32, device: str = "cpu") -> None:
        try:
            from sentence_transformers import CrossEncoder
        except ImportError as exc:
            raise UserError(f"the cross-encoder re-ranker needs {exc.name}",
                            suggestion=INSTALL) from exc
        self.batch_size = batch_size
        self.model: Any = CrossEncoder(str(name), device=device)

    def score(self, pairs: Sequence[tuple[str, str]]) -> np.ndarray:
        if not pairs:
            return np.zeros(0, dtype=np.float32)
        out = self.model.predict(list(pairs), batch_size=self.batch_size,
                                 show_progress_bar=False, convert_to_numpy=True)
        return np.asarray(out, dtype=np.float32).reshape(len(pairs))

    def nbytes(self) -> int:
        """The model's parameters and buffers: what a deployment keeps in memory for it."""
        module = self.model.model
        tensors = list(module.parameters()) + list(module.buffers())
        return int(sum(t.numel() * t.element_size() for t in tensors))


def locate_cross_encoder(name: str) -> Path | None:
    """The folder of a cross-encoder: `name` itself when it is a folder, else the hub id's
    snapshot in the local Hugging Face cache (never downloaded here); None if neither."""
    if Path(name).expanduser().is_dir():
        return Path(name).expanduser()
    try:
        from huggingface_hub import snapshot_download
        from huggingface_hub.errors import HFValidationError, LocalEntryNotFoundError
    except ImportError:
        return None
    try:
        return Path(snapshot_download(name, local_files_only=True))
    except (LocalEntryNotFoundError, HFValidationError, OSError):
        return None


def load_cross_encoder(folder: Path, batch_size: int = 32) -> PairScorer:
    """An ONNX cross-encoder when the folder holds a graph and no torch weights, else
    sentence-transformers' CrossEncoder."""
    torch_weights = any((folder / f).is_file() for f in ("model.safetensors", "pytorch_model.bin"))
    if onnx_model_file(folder) is not None and not torch_weights:
        return OnnxCrossEncoder(folder, batch_size)
    return STCrossEncoder(folder, batch_size)
