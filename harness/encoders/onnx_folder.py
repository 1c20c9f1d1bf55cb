"""ONNX model folders (sentence-transformers style): their options, and their dim at plan time.

A folder holds `model.onnx` (or `onnx/model.onnx`) and `tokenizer.json`;
`sentence_bert_config.json` gives max_length and `modules.json` whether the pipeline
normalises. The dim is read from the graph's declared output (harness/encoders/onnx_graph.py)
or config.json, so validating a suite neither builds an inference session nor hashes weights.
"""

from __future__ import annotations

import json
from pathlib import Path

from harness.encoders.files import read_json_config
from harness.encoders.onnx import OnnxEncoder, OnnxOptions
from harness.encoders.onnx_graph import graph_dim
from harness.errors import UserError


def max_seq_length(folder: Path, default: int) -> int:
    """max_seq_length of a sentence-transformers folder's sentence_bert_config.json."""
    config = folder / "sentence_bert_config.json"
    if not config.is_file():
        return default
    try:
        value = json.loads(config.read_text(encoding="utf-8")).get("max_seq_length")
    except (OSError, ValueError) as exc:
        raise UserError(f"{config}: cannot read max_seq_length: {exc}") from exc
    return int(value) if isinstance(value, int) and value > 0 else default


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
        max_length=max_seq_length(folder, 256),
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




def read_dim(folder: Path) -> int:
    """An ONNX folder's dimension at plan time, without a session and without hashing weights:
    the graph's declared output width, else config.json's hidden_size; only when neither says
    is the model loaded (OnnxEncoder.dim)."""
    options = onnx_folder_options(folder)
    dim = graph_dim(options.model_path)
    if dim is None:
        hidden = read_json_config(Path(folder) / "config.json").get("hidden_size")
        dim = hidden if isinstance(hidden, int) and hidden > 0 else None
    return dim if dim is not None else OnnxEncoder(options).dim
