"""Static (model2vec-format) embeddings: weighted token means, read with numpy only."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from harness.encoders.static import StaticEncoder, StaticOptions, check_folder, read_dim

pytest.importorskip("safetensors", reason="the static encoder needs safetensors")
pytest.importorskip("tokenizers", reason="the static encoder needs tokenizers")

VOCAB = ["[UNK]", "apple", "banana", "cherry", "red", "yellow", "fruit"]


def write_model(folder: Path, *, mapping=True, weights=True, normalize=True, int8=False):
    """A tiny model2vec folder: WordLevel tokenizer, optional vocabulary mapping and weights."""
    from safetensors.numpy import save_file
    from tokenizers import Tokenizer, models, pre_tokenizers

    folder.mkdir(parents=True, exist_ok=True)
    tok = Tokenizer(models.WordLevel({w: i for i, w in enumerate(VOCAB)}, unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tok.save(str(folder / "tokenizer.json"))
    rng = np.random.default_rng(0)
    rows = 4 if mapping else len(VOCAB)
    emb = rng.integers(-100, 100, size=(rows, 5)) if int8 else rng.normal(size=(rows, 5))
    tensors = {"embeddings": emb.astype(np.int8 if int8 else np.float32)}
    if mapping:
        tensors["mapping"] = np.array([0, 1, 2, 3, 1, 2, 3], dtype=np.int64)
    if weights:
        tensors["weights"] = np.linspace(0.5, 2.0, len(VOCAB)).astype(np.float32)
    save_file(tensors, str(folder / "model.safetensors"))
    (folder / "config.json").write_text(json.dumps({"normalize": normalize}))
    return tensors


def expected(tensors, token_ids, normalize):
    emb = tensors["embeddings"].astype(np.float32)
    rows = tensors["mapping"][token_ids] if "mapping" in tensors else np.array(token_ids)
    vecs = emb[rows]
    if "weights" in tensors:
        vecs = vecs * tensors["weights"][token_ids][:, None]
    v = vecs.mean(axis=0)
    return v / np.linalg.norm(v) if normalize else v


@pytest.mark.parametrize(
    ("mapping", "weights", "normalize", "int8"),
    [(True, True, True, False), (False, False, False, False), (True, True, False, True)],
)
def test_weighted_mean_of_token_vectors(tmp_path, mapping, weights, normalize, int8):
    tensors = write_model(
        tmp_path / "m", mapping=mapping, weights=weights, normalize=normalize, int8=int8
    )
    enc = StaticEncoder(StaticOptions(tmp_path / "m"))
    texts = ["apple red", "banana zzz yellow fruit", "zzz qqq", ""]
    out = enc.encode(texts, role="document")
    assert out.shape == (4, 5) and out.dtype == np.float32
    np.testing.assert_allclose(out[0], expected(tensors, [1, 4], normalize), rtol=1e-5)
    # the unknown token is dropped, not averaged in (model2vec's rule)
    np.testing.assert_allclose(out[1], expected(tensors, [2, 5, 6], normalize), rtol=1e-5)
    np.testing.assert_array_equal(out[2:], 0.0)  # nothing known -> zero vector
    assert enc.spec.dim == 5 and read_dim(tmp_path / "m") == 5
    assert enc.spec.extra["normalize"] == str(normalize)


def test_prompts_max_length_and_fingerprint(tmp_path):
    write_model(tmp_path / "m")
    base = StaticEncoder(StaticOptions(tmp_path / "m"))
    short = StaticEncoder(StaticOptions(tmp_path / "m", max_length=1))
    prompted = StaticEncoder(StaticOptions(tmp_path / "m", query_prompt="fruit "))
    np.testing.assert_allclose(
        short.encode(["apple red"], role="query"), base.encode(["apple"], role="query")
    )
    np.testing.assert_allclose(
        prompted.encode(["apple"], role="query"), base.encode(["fruit apple"], role="query")
    )
    np.testing.assert_allclose(
        prompted.encode(["apple"], role="document"), base.encode(["apple"], role="document")
    )
    assert short.spec.fingerprint != base.spec.fingerprint
    assert prompted.spec.query_prompt == "fruit "


def test_folder_errors(tmp_path):
    assert "no static model folder" in check_folder(tmp_path / "nope")
    (tmp_path / "empty").mkdir()
    assert "missing model.safetensors, tokenizer.json" in check_folder(tmp_path / "empty")


def test_tokenlearn_package_matches_its_own_encoder():
    """The packaged model's vectors equal its bundled (Rust) encoder's on texts without the
    token its tokenizer declares as unknown ('.', id 3: model2vec drops it, the Rust one not)."""
    pytest.importorskip("static_model", reason="tokenlearn-static-model is not installed")
    import static_model

    from harness.encoders.static import tokenlearn_folder

    enc = StaticEncoder(StaticOptions(tokenlearn_folder()))
    texts = ["UK economy grows in the fourth quarter", "Blair hails record growth, again",
             "hello world", "", "Économie française forte"]
    ours = enc.encode(texts, role="document")
    ref = np.asarray(static_model.get_embeddings(texts), dtype=np.float32)
    np.testing.assert_allclose(ours, ref, atol=1e-5)
    assert enc.spec.dim == 64
