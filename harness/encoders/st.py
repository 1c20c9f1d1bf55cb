"""sentence-transformers models (`st:NAME_OR_PATH`), on the CPU, with torch.

torch and sentence-transformers are an optional extra (`pip install torch==2.13.0
sentence-transformers`, or `pip install -e ".[st]"`); they are imported when an encoder first
encodes. A reference is a local folder (a saved SentenceTransformer) or a Hugging Face hub
name: a hub name is taken from the local hub cache, else downloaded where a network exists;
offline and not cached, it fails with one line saying so. The fingerprint hashes the folder's
files, so two names for the same weights share cached embeddings.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from harness.encoders.base import EncoderSpec, Role
from harness.errors import UserError

VERSION = "st-encoder-v1"
INSTALL = 'pip install torch==2.13.0 sentence-transformers (or pip install -e ".[st]")'
#: Files and folders that do not change what the torch model computes.
IGNORED = {"README.md", ".gitattributes", "onnx", "openvino", ".cache", ".git"}
METRICS = {"cosine": "cosine", "dot": "ip", "dot_product": "ip", "euclidean": "l2"}


@dataclass(frozen=True)
class StOptions:
    reference: str
    name: str | None = None
    query_prompt: str | None = None  # None: the model's own prompts (config), else ""
    document_prompt: str | None = None
    max_length: int | None = None  # None: the model's max_seq_length
    device: str = "cpu"


def _looks_like_path(ref: str) -> bool:
    return ref.startswith((".", "/", "~")) or Path(ref).expanduser().exists()


def resolve_folder(ref: str) -> Path:
    """A local folder for a reference: the path itself, or the hub snapshot (cached or fetched).

    Raises a one-line UserError when a hub name is neither cached nor downloadable (offline).
    """
    if not ref:
        raise UserError("expected 'st:NAME_OR_PATH' (a local folder or a hub model name)")
    if _looks_like_path(ref):
        folder = Path(ref).expanduser()
        if not folder.is_dir():
            raise UserError(f"no sentence-transformers model folder at '{ref}'")
        if not (folder / "modules.json").is_file() and not (folder / "config.json").is_file():
            raise UserError(f"{folder}: not a sentence-transformers folder (no modules.json)")
        return folder
    if importlib.util.find_spec("huggingface_hub") is None:
        raise UserError(f"st:{ref}: hub names need huggingface_hub", suggestion=INSTALL)
    import huggingface_hub

    try:
        return Path(huggingface_hub.snapshot_download(ref, local_files_only=True))
    except Exception:
        pass
    try:
        return Path(huggingface_hub.snapshot_download(ref, etag_timeout=10))
    except Exception as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise UserError(
            f"st:{ref}: not in the local Hugging Face cache and cannot be downloaded "
            f"(offline? {reason[:120]})",
            suggestion="pass a local folder: st:/path/to/model, or download it where a "
            "network exists",
        ) from None


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UserError(f"{path}: cannot read: {exc}") from exc


def folder_dim(folder: Path) -> int | None:
    """The sentence embedding's dimension from modules.json (last Dense, else Pooling), or None
    when the configuration does not say (then the model must be loaded)."""
    modules_file = folder / "modules.json"
    if not modules_file.is_file():
        return None
    dim = None
    for module in _read_json(modules_file):
        kind = str(module.get("type", ""))
        config = folder / str(module.get("path", "")) / "config.json"
        if not config.is_file():
            continue
        if kind.endswith(".Pooling"):
            cfg = _read_json(config)
            modes = [k for k, v in cfg.items() if k.startswith("pooling_mode_") and v is True]
            width = cfg.get("word_embedding_dimension")
            dim = width * max(1, len(modes)) if isinstance(width, int) else None
        elif kind.endswith(".Dense"):
            out = _read_json(config).get("out_features")
            dim = out if isinstance(out, int) else None
    return dim


def _folder_hash(folder: Path) -> dict[str, str]:
    from harness.encoders.files import file_sha256  # cached per (path, size, mtime)

    out = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if path.is_file() and not (set(rel.parts) & IGNORED):
            out[rel.as_posix()] = file_sha256(path)
    return out


class StEncoder:
    """Texts -> (n, dim) float32 with SentenceTransformer.encode (its own pooling/normalise)."""

    def __init__(self, options: StOptions) -> None:
        if options.max_length is not None and options.max_length < 1:
            raise UserError(f"max_length must be >= 1, got {options.max_length}")
        self.options = options
        self.folder = resolve_folder(options.reference)
        self._lock = threading.Lock()
        self._model: Any = None
        self._spec: EncoderSpec | None = None

    def _config(self) -> dict[str, Any]:
        path = self.folder / "config_sentence_transformers.json"
        value = _read_json(path) if path.is_file() else {}
        return value if isinstance(value, dict) else {}

    def _prompts(self) -> tuple[str, str]:
        o = self.options
        prompts = self._config().get("prompts") or {}
        query = prompts.get("query", "") if o.query_prompt is None else o.query_prompt
        doc = o.document_prompt
        if doc is None:
            doc = next((prompts[k] for k in ("document", "passage", "corpus") if k in prompts), "")
        return str(query or ""), str(doc or "")

    def _max_length(self) -> int | None:
        if self.options.max_length is not None:
            return self.options.max_length
        path = self.folder / "sentence_bert_config.json"
        value = _read_json(path).get("max_seq_length") if path.is_file() else None
        return value if isinstance(value, int) else None

    def load(self) -> Any:
        with self._lock:
            if self._model is None:
                try:
                    from sentence_transformers import SentenceTransformer
                except ImportError as exc:
                    raise UserError(
                        f"the sentence-transformers encoder needs {exc.name}", suggestion=INSTALL
                    ) from exc
                model = SentenceTransformer(
                    str(self.folder), device=self.options.device, local_files_only=True
                )
                if self.options.max_length is not None:
                    model.max_seq_length = self.options.max_length
                self._model = model
        return self._model

    @property
    def spec(self) -> EncoderSpec:
        if self._spec is None:
            dim = folder_dim(self.folder)
            if dim is None:
                dim = int(self.load().get_sentence_embedding_dimension())
            query, doc = self._prompts()
            hashes = _folder_hash(self.folder)
            max_length = self._max_length()
            raw = (
                f"{VERSION}|"
                + "|".join(f"{k}={v}" for k, v in sorted(hashes.items()))
                + f"|max_length={max_length}"
            )
            similarity = str(self._config().get("similarity_fn_name") or "cosine")
            name = self.options.name or self.options.reference.rstrip("/").split("/")[-1]
            self._spec = EncoderSpec(
                name=name,
                fingerprint=hashlib.sha256(raw.encode("utf-8")).hexdigest(),
                dim=dim,
                default_metric=METRICS.get(similarity, "cosine"),  # type: ignore[arg-type]
                query_prompt=query,
                document_prompt=doc,
                max_length=max_length,
                extra={"backend": "sentence-transformers", "folder": str(self.folder)},
            )
        return self._spec

    def encode(self, texts: list[str], *, role: Role, batch_size: int = 64) -> np.ndarray:
        if role not in ("query", "document"):
            raise ValueError(f"role must be 'query' or 'document', got {role!r}")
        model = self.load()
        spec = self.spec
        prompt = spec.query_prompt if role == "query" else spec.document_prompt
        out = model.encode(
            list(texts),
            prompt=prompt or None,
            batch_size=batch_size,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.ascontiguousarray(out, dtype=np.float32).reshape(len(texts), spec.dim)
