"""Backend rules that depend on the data: hand-checked boundaries, and the build raising the
very message the plan gives (one rule, two callers)."""

from __future__ import annotations

import numpy as np
import pytest

from harness.backends.base import IndexInput, backend_class
from harness.backends.data_rules import ivf_rule, ivfpq_rule, nsg_rule, scann_rule


def test_boundaries():
    assert ivf_rule({"nlist": 64}, 64, 8) is None
    assert "nlist=64 needs at least 64 training vectors, the corpus has 63" in ivf_rule(
        {"nlist": 64}, 63, 8)
    assert ivfpq_rule({"m": 4, "nbits": 8, "nlist": 1}, 256, 16) is None
    assert "m=5 does not divide the dimension 16 (choose m among 1, 2, 4, 8, 16)" in ivfpq_rule(
        {"m": 5, "nbits": 2, "nlist": 1}, 100, 16)
    assert "nbits=8 needs at least 256" in ivfpq_rule({"m": 4, "nbits": 8, "nlist": 1}, 255, 16)
    assert nsg_rule({"GK": 8}, 9, 4) is None and "GK=8" in nsg_rule({"GK": 8}, 8, 4)
    assert scann_rule({"num_leaves": 10}, 10, 4) is None
    assert "num_leaves=10" in scann_rule({"num_leaves": 10}, 9, 4)


@pytest.mark.parametrize(("name", "build", "n", "d"), [
    ("faiss-ivf", {"nlist": 16}, 10, 8),
    ("faiss-ivfpq", {"m": 3, "nlist": 1, "nbits": 2}, 50, 8),
    ("faiss-nsg", {"GK": 16}, 12, 8),
])
def test_build_raises_the_plans_message(name, build, n, d):
    cls = backend_class(name)
    rule = cls.capabilities.data_rule
    expected = rule(cls.capabilities.with_defaults("build", build), n, d)
    assert expected
    x = np.random.default_rng(0).standard_normal((n, d)).astype(np.float32)
    backend = cls("l2", build)
    with pytest.raises(ValueError) as err:
        backend.build(IndexInput(x, "l2", "float32"))
    assert str(err.value) == expected
