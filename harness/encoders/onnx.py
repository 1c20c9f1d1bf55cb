"""Transformer encoders exported to ONNX: token hidden states -> mean pooling -> L2 normalisation.

Works for models whose output is per-token hidden states (`last_hidden_state`, shape
(batch, sequence, dim)) with a Hugging Face `tokenizer.json`, as sentence-transformers models
with Transformer + mean Pooling (+ Normalize) modules. onnxruntime and tokenizers are imported
when the encoder first needs them, so importing this module stays cheap.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from harness.encoders.base import EncoderSpec, Role
from harness.encoders.files import file_sha256, spec_fingerprint
from harness.encoders.onnx_graph import graph_dim
from harness.errors import UserError

INSTALL_RUNTIME = "pip install onnxruntime tokenizers"
POOLING = "mean"
#: Bump whenever pooling or batching could change the vectors: it is part of the fingerprint.
VERSION = "onnx-encoder-v1"
#: Most padded tokens per model call (batch_size is an upper bound on top of this).
TOKEN_BUDGET = 2048


@dataclass(frozen=True)
class OnnxOptions:
    model_path: Path
    tokenizer_path: Path
    max_length: int = 256
    normalize: bool = True
    query_prompt: str = ""
    document_prompt: str = ""
    name: str | None = None
    threads: int | None = None


class OnnxEncoder:
    """Texts -> (n, dim) float32 mean-pooled (and by default L2-normalised) token states."""

    def __init__(self, options: OnnxOptions) -> None:
        for label, path in (
            ("ONNX model", options.model_path),
            ("tokenizer", options.tokenizer_path),
        ):
            if not Path(path).is_file():
                raise UserError(f"{label} file not found: {path}")
        if options.max_length < 2:
            raise UserError(f"max_length must be >= 2, got {options.max_length}")
        if options.threads is not None and options.threads < 1:
            raise UserError(f"threads must be >= 1, got {options.threads}")
        self.options = options
        self._lock = threading.Lock()
        self._session: Any = None
        self._tokenizer: Any = None
        self._input_names: tuple[str, ...] = ()
        self._output_name = ""
        self._pad_id = 0
        self._dim: int | None = None
        self._spec: EncoderSpec | None = None

    # -- loading -----------------------------------------------------------------------------

    def load(self) -> None:
        """The model loaded once (LoadsModel: timed apart from encoding)."""
        self._load()

    def _load(self) -> None:
        with self._lock:
            if self._session is not None:
                return
            try:
                import onnxruntime as ort
                from tokenizers import Tokenizer
            except ImportError as exc:
                raise UserError(
                    f"the ONNX encoder needs {exc.name or 'onnxruntime and tokenizers'}",
                    suggestion=INSTALL_RUNTIME,
                ) from exc
            o = self.options
            tokenizer = Tokenizer.from_file(str(o.tokenizer_path))
            padding = tokenizer.padding
            if padding and padding.get("pad_id") is not None:
                self._pad_id = int(padding["pad_id"])
            else:
                pad = tokenizer.token_to_id("[PAD]")
                self._pad_id = 0 if pad is None else int(pad)
            # Padding is done here per batch (after sorting by length), not by the tokenizer.
            tokenizer.no_padding()
            tokenizer.enable_truncation(max_length=o.max_length)

            so = ort.SessionOptions()
            so.intra_op_num_threads = o.threads or os.cpu_count() or 1
            so.inter_op_num_threads = 1
            so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
            session = ort.InferenceSession(
                str(o.model_path), sess_options=so, providers=["CPUExecutionProvider"]
            )
            inputs = tuple(i.name for i in session.get_inputs())
            missing = {"input_ids", "attention_mask"} - set(inputs)
            unknown = set(inputs) - {"input_ids", "attention_mask", "token_type_ids"}
            if missing or unknown:
                raise UserError(
                    f"{o.model_path}: model inputs {list(inputs)} are not supported; expected "
                    "input_ids and attention_mask (and optionally token_type_ids)"
                )
            outputs = session.get_outputs()
            out = next((x for x in outputs if x.name == "last_hidden_state"), None)
            out = out or next((x for x in outputs if len(x.shape or ()) == 3), None)
            if out is None:
                raise UserError(
                    f"{o.model_path}: no per-token output (last_hidden_state) among "
                    f"{[x.name for x in outputs]}"
                )
            self._input_names = inputs
            self._output_name = out.name
            last = out.shape[-1] if out.shape else None
            self._dim = last if isinstance(last, int) and last > 0 else None
            self._tokenizer = tokenizer
            self._session = session
        if self._dim is None:
            self._dim = int(self._run([[self._pad_id]])[0].shape[-1])

    # -- spec --------------------------------------------------------------------------------

    @property
    def dim(self) -> int:
        """The graph's declared output width, read without a session (so the spec, which the
        cache needs first, does not load the model: its load is timed apart, model_load_s);
        the model is loaded only when the graph does not say."""
        if self._dim is None:
            self._dim = graph_dim(Path(self.options.model_path))
        if self._dim is None:
            self._load()
        assert self._dim is not None
        return self._dim

    @property
    def spec(self) -> EncoderSpec:
        """Built once: it hashes the model and tokenizer files and needs the dim."""
        if self._spec is None:
            o = self.options
            hashes = {
                "model": file_sha256(o.model_path),
                "tokenizer": file_sha256(o.tokenizer_path),
            }
            how = {"pooling": POOLING, "normalize": o.normalize, "max_length": o.max_length}
            self._spec = EncoderSpec(
                name=o.name or _default_name(Path(o.model_path)),
                fingerprint=spec_fingerprint(VERSION, {**hashes, **how}),
                dim=self.dim,
                default_metric="cosine",
                query_prompt=o.query_prompt,
                document_prompt=o.document_prompt,
                max_length=o.max_length,
                extra={
                    "model_sha256": hashes["model"],
                    "tokenizer_sha256": hashes["tokenizer"],
                    "pooling": POOLING,
                    "normalize": str(o.normalize),
                },
            )
        return self._spec

    # -- encoding ----------------------------------------------------------------------------

    def encode(self, texts: list[str], *, role: Role, batch_size: int = 64) -> np.ndarray:
        if role not in ("query", "document"):
            raise ValueError(f"role must be 'query' or 'document', got {role!r}")
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        self._load()
        dim = self.dim
        out = np.zeros((len(texts), dim), dtype=np.float32)
        if not texts:
            return out
        prompt = self.options.query_prompt if role == "query" else self.options.document_prompt
        ids = self._tokenize([prompt + t for t in texts] if prompt else list(texts))
        # Longest first, so batches hold similar lengths (little padding); `out` is filled at the
        # original positions. A batch also stops at TOKEN_BUDGET padded tokens: long sequences
        # run faster in small batches (the attention matrices stay in cache).
        order = np.argsort([-len(x) for x in ids], kind="stable")
        start = 0
        while start < len(order):
            width = len(ids[order[start]])
            size = max(1, min(batch_size, TOKEN_BUDGET // width))
            idx = order[start : start + size]
            out[idx] = self._pooled([ids[i] for i in idx])
            start += size
        return out

    def _tokenize(self, texts: list[str], chunk: int = 2048) -> list[np.ndarray]:
        """Token ids per text (truncated, with special tokens); Encoding objects are dropped."""
        ids: list[np.ndarray] = []
        for start in range(0, len(texts), chunk):
            encodings = self._tokenizer.encode_batch(texts[start : start + chunk])
            ids.extend(np.asarray(e.ids, dtype=np.int64) for e in encodings)
        return ids

    def _run(self, batch: list[Any]) -> tuple[np.ndarray, np.ndarray]:
        """Hidden states (b, seq, dim) and the attention mask (b, seq) of one padded batch."""
        width = max(len(x) for x in batch)
        input_ids = np.full((len(batch), width), self._pad_id, dtype=np.int64)
        mask = np.zeros((len(batch), width), dtype=np.int64)
        for row, x in enumerate(batch):
            input_ids[row, : len(x)] = x
            mask[row, : len(x)] = 1
        feed = {"input_ids": input_ids, "attention_mask": mask}
        if "token_type_ids" in self._input_names:
            feed["token_type_ids"] = np.zeros_like(input_ids)
        (hidden,) = self._session.run([self._output_name], feed)
        return np.asarray(hidden, dtype=np.float32), mask

    def _pooled(self, batch: list[np.ndarray]) -> np.ndarray:
        hidden, mask = self._run(batch)
        weights = mask.astype(np.float32)[:, :, None]
        summed = (hidden * weights).sum(axis=1)
        pooled = summed / np.maximum(weights.sum(axis=1), 1e-9)
        if self.options.normalize:
            norms = np.linalg.norm(pooled, axis=1, keepdims=True)
            pooled = pooled / np.maximum(norms, 1e-12)
        return pooled.astype(np.float32, copy=False)


def _default_name(model_path: Path) -> str:
    """`.../all-MiniLM-L6-v2/onnx/model.onnx` -> `all-MiniLM-L6-v2`; `x/foo.onnx` -> `foo`."""
    if model_path.stem != "model":
        return model_path.stem
    parent = model_path.parent
    if parent.name == "onnx" and parent.parent.name:
        parent = parent.parent
    return parent.name or model_path.stem
