"""Model plugins: each has check(arg), dim(arg, ref) and build(arg, ref) -> Encoder.

`dim` answers at plan time without loading weights where the catalogue declares it.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from harness.encoders.base import Encoder
from harness.suite import ModelRef


def _with_prompts(opts, ref: ModelRef):
    changes = {}
    if ref.query_prompt is not None:
        changes["query_prompt"] = ref.query_prompt
    if ref.document_prompt is not None:
        changes["document_prompt"] = ref.document_prompt
    if ref.max_length is not None and hasattr(opts, "max_length"):
        changes["max_length"] = ref.max_length
    return replace(opts, **changes) if changes else opts


class minilm_l6_int8:
    @staticmethod
    def check(arg: str) -> str | None:
        return None

    @staticmethod
    def dim(arg: str, ref: ModelRef) -> int:
        return 384

    @staticmethod
    def build(arg: str, ref: ModelRef) -> Encoder:
        from harness.encoders.onnx import OnnxEncoder, minilm_int8_options

        return OnnxEncoder(
            replace(_with_prompts(minilm_int8_options(), ref), name="minilm-l6-int8")
        )


class onnx_folder:
    @staticmethod
    def check(arg: str) -> str | None:
        if not arg or not Path(arg).expanduser().exists():
            return f"no ONNX model folder at '{arg}'"
        return None

    @staticmethod
    def dim(arg: str, ref: ModelRef) -> int:
        return onnx_folder.build(arg, ref).spec.dim

    @staticmethod
    def build(arg: str, ref: ModelRef) -> Encoder:
        from harness.encoders.onnx import OnnxEncoder, onnx_folder_options

        opts = onnx_folder_options(Path(arg).expanduser())
        return OnnxEncoder(_with_prompts(opts, ref))


class glove_50d:
    @staticmethod
    def check(arg: str) -> str | None:
        return None

    @staticmethod
    def dim(arg: str, ref: ModelRef) -> int:
        return 50

    @staticmethod
    def build(arg: str, ref: ModelRef) -> Encoder:
        from harness.encoders.wordvec import WordVectorEncoder, glove_50d_options

        return WordVectorEncoder(glove_50d_options())


class hashing:
    @staticmethod
    def check(arg: str) -> str | None:
        if arg and not arg.isdigit():
            return f"expected 'hash:DIM' with an integer DIM, got 'hash:{arg}'"
        return None

    @staticmethod
    def dim(arg: str, ref: ModelRef) -> int:
        return int(arg or 64)

    @staticmethod
    def build(arg: str, ref: ModelRef) -> Encoder:
        from harness.encoders.hashing import HashEncoder, HashOptions

        return HashEncoder(HashOptions(dim=int(arg or 64)))
