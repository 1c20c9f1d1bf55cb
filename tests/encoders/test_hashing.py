from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from harness.encoders.hashing import HashEncoder, HashOptions
from harness.errors import UserError

TEXTS = [
    "The cat sat on the mat.",
    "A cat was sitting on a mat",
    "Quarterly revenue grew by twelve percent",
    "",
]
REPO = Path(__file__).resolve().parents[2]


def test_shape_dtype_and_unit_norm() -> None:
    enc = HashEncoder(HashOptions(dim=32))
    v = enc.encode(TEXTS, role="document")
    assert v.shape == (4, 32)
    assert v.dtype == np.float32
    assert v.flags.c_contiguous
    np.testing.assert_allclose(np.linalg.norm(v[:3], axis=1), 1.0, atol=1e-6)
    assert not v[3].any()  # no token: zero vector, not NaN
    assert enc.encode([], role="query").shape == (0, 32)


def test_deterministic_across_instances_and_roles() -> None:
    a = HashEncoder(HashOptions(dim=64, seed=3)).encode(TEXTS, role="query")
    b = HashEncoder(HashOptions(dim=64, seed=3)).encode(TEXTS, role="document")
    assert np.array_equal(a, b)
    c = HashEncoder(HashOptions(dim=64, seed=4)).encode(TEXTS, role="query")
    assert not np.array_equal(a, c)


def test_deterministic_across_processes() -> None:
    code = (
        "import json; from harness.encoders.hashing import HashEncoder, HashOptions; "
        f"v = HashEncoder(HashOptions(dim=16, seed=7)).encode({TEXTS!r}, role='query'); "
        "print(json.dumps(v.tolist()))"
    )
    # A different PYTHONHASHSEED would change anything built on hash().
    env = {"PYTHONHASHSEED": "12345", "PATH": ""}
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, check=True
    )
    theirs = np.asarray(json.loads(out.stdout), dtype=np.float32)
    ours = HashEncoder(HashOptions(dim=16, seed=7)).encode(TEXTS, role="query")
    assert np.array_equal(theirs, ours)


def test_shared_words_are_closer() -> None:
    v = HashEncoder(HashOptions(dim=256)).encode(TEXTS[:3], role="document")
    sims = v @ v.T
    assert sims[0, 1] > sims[0, 2] + 0.2
    # Trigrams: an inflected form is closer than an unrelated word.
    w = HashEncoder(HashOptions(dim=256)).encode(["sitting", "sit", "revenue"], role="query")
    assert w[0] @ w[1] > w[0] @ w[2]


def test_not_normalized_counts_words() -> None:
    v = HashEncoder(HashOptions(dim=8, normalize=False)).encode(["x", "x x"], role="query")
    np.testing.assert_allclose(v[1], 2 * v[0])


def test_spec_and_fingerprint() -> None:
    spec = HashEncoder(HashOptions(dim=64)).spec
    assert spec.name == "hash-64"
    assert spec.dim == 64
    assert spec.default_metric == "cosine"
    assert spec.fingerprint == HashEncoder(HashOptions(dim=64)).spec.fingerprint
    others = {
        HashEncoder(o).spec.fingerprint
        for o in (HashOptions(dim=32), HashOptions(seed=1), HashOptions(normalize=False))
    }
    assert spec.fingerprint not in others
    assert len(others) == 3


def test_input_not_mutated_and_bad_dim() -> None:
    texts = list(TEXTS)
    HashEncoder().encode(texts, role="query")
    assert texts == TEXTS
    with pytest.raises(UserError):
        HashEncoder(HashOptions(dim=0))
