"""Nested corpus samples for the corpus-size axis (`corpus_sizes` in a suite).

A sample of size N keeps every judged document (any document a query's qrels name, whatever
its grade) and fills the rest with distractors: the first N - |judged| documents of one
seeded permutation of the others. One permutation serves every size, so the samples nest
(the 10k sample is a subset of the 30k one) and a larger sample only adds distractors.
Label-judged datasets have no per-query judged documents: their samples are all
distractors, drawn the same way. Queries are never sampled.

The sample is described by row indices into the full corpus (sorted, so memory-mapped
embeddings of the full corpus are read in order): the full corpus is encoded once and a
sample takes its rows.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace

import numpy as np

from harness.datasets.base import Dataset


def judged_rows(ds: Dataset) -> np.ndarray:
    """Sorted row indices of the documents some query's qrels name."""
    if ds.qrels is None:
        return np.empty(0, dtype=np.int64)
    row = {d: i for i, d in enumerate(ds.doc_ids)}
    judged = {row[d] for q in ds.qrels.values() for d in q if d in row}
    return np.array(sorted(judged), dtype=np.int64)


def nested_rows(ds: Dataset, size: int, seed: int) -> np.ndarray:
    """Sorted row indices of the size-`size` sample: every judged document, then seeded
    distractors. A size at or above the corpus's is the whole corpus."""
    if size >= ds.n_docs:
        return np.arange(ds.n_docs, dtype=np.int64)
    judged = judged_rows(ds)
    if size < len(judged):
        raise ValueError(
            f"corpus size {size} is smaller than the {len(judged)} judged documents of "
            f"{ds.name}: use a corpus size of at least {len(judged)}, or max_queries"
        )
    others = np.setdiff1d(np.arange(ds.n_docs, dtype=np.int64), judged, assume_unique=True)
    order = np.random.default_rng([seed, 0x5CA1E]).permutation(others)
    return np.sort(np.concatenate([judged, order[: size - len(judged)]]))


def take_docs(ds: Dataset, rows: np.ndarray, size: int, seed: int) -> Dataset:
    """The dataset with only the documents at `rows`; queries and qrels as they are (a judged
    document is never dropped, so no judgment is lost)."""
    if len(rows) == ds.n_docs:
        return ds

    def pick(seq):
        if seq is None:
            return None
        if isinstance(seq, np.ndarray):
            return seq[rows]
        return tuple(seq[i] for i in rows)

    tag = f"|corpus_size={size},seed={seed}"
    return replace(
        ds,
        fingerprint=hashlib.sha256((ds.fingerprint + tag).encode()).hexdigest(),
        doc_ids=pick(ds.doc_ids),
        docs=pick(ds.docs),
        doc_vectors=pick(ds.doc_vectors),
        doc_labels=pick(ds.doc_labels),
    )
