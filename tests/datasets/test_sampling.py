"""datasets.sampling: nested corpus samples keep every judged document."""

from __future__ import annotations

import numpy as np
import pytest

from harness.datasets.base import Dataset
from harness.datasets.sampling import judged_rows, nested_rows, take_docs


def _dataset(n_docs: int = 1000) -> Dataset:
    doc_ids = tuple(f"d{i}" for i in range(n_docs))
    # 30 queries; each judges 3 documents (one graded 0: judged, not relevant)
    qrels = {f"q{j}": {f"d{7 * j}": 1, f"d{7 * j + 500}": 2, f"d{j + 300}": 0}
             for j in range(30)}
    return Dataset(name="toy", fingerprint="f" * 64, doc_ids=doc_ids,
                   query_ids=tuple(qrels), docs=tuple(f"text {i}" for i in range(n_docs)),
                   queries=tuple(f"query {j}" for j in range(30)), qrels=qrels)


def test_samples_keep_every_judged_document_and_nest():
    ds = _dataset()
    judged = set(judged_rows(ds).tolist())
    assert len(judged) == 90
    sizes = (100, 250, 600)
    samples = [nested_rows(ds, n, seed=3) for n in sizes]
    for n, rows in zip(sizes, samples, strict=True):
        assert len(rows) == n and len(set(rows.tolist())) == n
        assert judged <= set(rows.tolist())
        assert np.all(np.diff(rows) > 0)  # sorted: memory-mapped rows are read in order
    assert set(samples[0]) <= set(samples[1]) <= set(samples[2])
    assert np.array_equal(nested_rows(ds, 250, seed=3), samples[1])  # seeded
    assert not np.array_equal(nested_rows(ds, 250, seed=4), samples[1])
    assert np.array_equal(nested_rows(ds, 5000, seed=3), np.arange(1000))  # >= corpus: all


def test_take_docs_keeps_queries_and_judgments_and_changes_the_fingerprint():
    ds = _dataset()
    rows = nested_rows(ds, 200, seed=0)
    sub = take_docs(ds, rows, 200, 0)
    assert sub.n_docs == 200 and sub.query_ids == ds.query_ids and sub.qrels == ds.qrels
    assert sub.docs == tuple(ds.docs[i] for i in rows)
    assert set(d for q in ds.qrels.values() for d in q) <= set(sub.doc_ids)
    assert sub.fingerprint != ds.fingerprint
    assert take_docs(ds, np.arange(1000), 1000, 0) is ds


def test_a_size_below_the_judged_documents_fails_naming_the_minimum():
    with pytest.raises(ValueError, match="smaller than the 90 judged documents of toy"):
        nested_rows(_dataset(), 50, seed=0)
