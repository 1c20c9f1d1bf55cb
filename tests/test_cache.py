"""The embedding cache heals: a damaged entry or part is discarded with a warning and encoded
again, giving the same vectors; an encoder's NaN never reaches the cache."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from harness.embeddings.cache import EmbeddingCache
from harness.encoders.hashing import HashEncoder, HashOptions

TEXTS = [f"text number {i} about {i % 4}" for i in range(10)]


def _encode(cache: EmbeddingCache, encoder=None):
    return cache.encode(encoder or HashEncoder(HashOptions(dim=8)), TEXTS, role="document",
                        texts_fingerprint="fp")


def _damage_truncate(path):
    path.write_bytes(path.read_bytes()[:100])


def _damage_nan(path):
    x = np.load(path)
    x[3, 2] = np.nan
    np.save(path, x)


def _damage_shape(path):
    np.save(path, np.load(path)[:5])


def _damage_dtype(path):
    np.save(path, np.load(path).astype(np.float64))


@pytest.mark.parametrize("damage", [_damage_truncate, _damage_nan, _damage_shape, _damage_dtype])
def test_damaged_entry_is_encoded_again(tmp_path, caplog, damage):
    cache = EmbeddingCache(tmp_path)
    first = np.array(_encode(cache).vectors)
    path = cache.path_for(_encode(cache).key)
    damage(path)
    with caplog.at_level(logging.WARNING, logger="harness"):
        again = _encode(cache)
    assert not again.cache_hit and again.n_encoded == len(TEXTS)
    np.testing.assert_array_equal(np.array(again.vectors), first)
    (warning,) = [r.getMessage() for r in caplog.records if "damaged" in r.getMessage()]
    assert warning.startswith(f"cache entry {path} is damaged (")
    assert warning.endswith("; discarded and encoded again")
    assert _encode(cache).cache_hit  # healed: the next read is a hit


def test_damaged_part_is_encoded_again_and_only_it(tmp_path, caplog):
    cache = EmbeddingCache(tmp_path, chunk=4)  # 10 texts -> parts of 4, 4 and 2
    encoder = HashEncoder(HashOptions(dim=8))
    key = cache.key(encoder, "document", "fp", len(TEXTS))
    spans = cache.spans(len(TEXTS))
    for span in spans:
        cache.write_part(key, span, np.zeros((span[1] - span[0], 8), np.float32) + 1)
    cache.part_path(key, spans[1]).write_bytes(b"\x93NUMPY broken")
    with caplog.at_level(logging.WARNING, logger="harness"):
        out = _encode(cache, encoder)
    assert out.n_encoded == 4  # the damaged chunk only; the others came from their parts
    np.testing.assert_array_equal(np.array(out.vectors)[:4], 1)
    assert "cache part" in caplog.text and "damaged" in caplog.text


class NanEncoder(HashEncoder):
    def encode(self, texts, *, role, batch_size=64):
        x = super().encode(texts, role=role, batch_size=batch_size)
        x[1, 0] = np.nan
        return x


def test_encoder_nan_is_an_error_and_never_cached(tmp_path):
    cache = EmbeddingCache(tmp_path)
    with pytest.raises(RuntimeError, match=r"NaN or infinite values \(first for text 1 of the "
                       r"document texts\)"):
        _encode(cache, NanEncoder(HashOptions(dim=8)))
    assert not list(tmp_path.glob("**/*.npy"))
