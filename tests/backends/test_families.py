"""Every backend declares its index family (Iceberg / VIBE grouping); the catalogue lists it."""

from __future__ import annotations

import pytest

from harness.backends.base import FAMILIES, Capabilities
from harness.registry import BACKENDS

EXPECTED = {
    "exact": "exact",
    "faiss-hnsw": "graph",
    "hnswlib": "graph",
    "faiss-ivf": "partition",
    "faiss-ivfpq": "partition",
    "faiss-sq": "quantized-flat",
    "faiss-binary": "quantized-flat",
    "annoy": "tree",
    "diskann": "graph",
    "diskann-disk": "graph",
    "ngt": "graph",
}


@pytest.mark.parametrize("entry", list(BACKENDS), ids=lambda e: e.name)
def test_every_backend_declares_a_family(entry):
    family = entry.load().capabilities.family
    assert family in FAMILIES, entry.name
    if entry.name in EXPECTED:
        assert family == EXPECTED[entry.name]


def test_unknown_family_is_rejected():
    with pytest.raises(ValueError, match="family must be one of graph, partition"):
        Capabilities(metrics=frozenset(), precisions=frozenset(), family="lsh")


def test_catalogue_lists_the_family():
    from harness.api import catalogue

    frame = catalogue("backends").set_index("name")
    for name, family in EXPECTED.items():
        assert frame.loc[name, "family"] == family
    assert list(frame.columns[:1]) == ["family"]


def test_every_backend_implements_the_protocol_it_is_typed_as():
    # the runner calls these without probing (no getattr/hasattr): a missing one is a bug
    from harness.backends.base import Backend
    from harness.registry import BACKENDS

    wanted = [n for n in dir(Backend) if not n.startswith("_") and n != "capabilities"]
    assert {"build", "prepare", "search", "nbytes", "memory", "set_threads"} <= set(wanted)
    checked = 0
    for entry in BACKENDS:
        if not entry.available():
            continue
        cls = entry.load()
        checked += 1
        assert [n for n in wanted if not callable(getattr(cls, n, None))] == [], entry.name
    assert checked >= 10
