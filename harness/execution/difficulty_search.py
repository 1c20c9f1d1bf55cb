"""Per-query difficulty and shift of a cell's searched vectors (harness.metrics.query_difficulty).

One exact top-2k search on the prepared vectors (the cell's dim, precision and distance),
self-hits dropped as the run drops them, gives d_1..d_2k; a seeded sample of documents gives
the mean distance to the corpus and the corpus's own nearest-neighbour spacing.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from harness.datasets.base import Dataset
from harness.embeddings.prepared import Prepared
from harness.execution.selfhits import drop_identical
from harness.inputs.cell_inputs import exact_top_k
from harness.metrics import query_difficulty as D

CHUNK = 2048  # queries per block of sampled distances


def _sq_norms(x: np.ndarray) -> np.ndarray:
    return np.concatenate([np.einsum("ij,ij->i", b, b) for b in
                           (np.asarray(x[i:i + 65536], np.float64)
                            for i in range(0, len(x), 65536))] or [np.zeros(0)])


def _nearest(prep: Prepared, ds: Dataset, k: int, m_sq: float) -> np.ndarray:
    """[n_queries, 2k] ascending distances, the query's own document dropped (as the run
    drops it)."""
    width = min(2 * k, ds.n_docs - (1 if ds.ignore_identical_ids else 0))
    ids, scores = exact_top_k(prep, min(width + (1 if ds.ignore_identical_ids else 0),
                                        ds.n_docs))
    _, scores = drop_identical(ids, scores, ds, width)
    q_sq = _sq_norms(prep.queries) if prep.metric == "ip" else np.zeros(len(scores))
    return D.distances(scores, prep.metric, q_sq, m_sq)


def _doc_spacing(prep: Prepared, sample: np.ndarray, m_sq: float) -> np.ndarray:
    """Each sampled document's distance to its nearest other document."""
    probe = replace(prep, queries=prep.docs[sample])
    ids, scores = exact_top_k(probe, min(2, len(prep.docs)))
    col = np.where(ids[:, 0] == sample, 1, 0)  # a duplicate may come before the document
    q_sq = _sq_norms(probe.queries) if prep.metric == "ip" else np.zeros(len(sample))
    dist = D.distances(scores, prep.metric, q_sq, m_sq)
    return dist[np.arange(len(sample)), np.minimum(col, dist.shape[1] - 1)]


def measure(prep: Prepared, ds: Dataset, k: int, seed: int) -> D.QueryDifficulty:
    """RC, LID and expansion at k, and the shift score, of every query of the dataset."""
    k = max(1, min(k, ds.n_docs // 2 or 1))
    m_sq = float(_sq_norms(prep.docs).max()) if prep.metric == "ip" else 0.0
    near = _nearest(prep, ds, k, m_sq)
    rng = np.random.default_rng(seed)
    sample = np.sort(rng.choice(ds.n_docs, size=min(D.SAMPLE, ds.n_docs), replace=False))
    docs = prep.docs[sample]
    mean = np.concatenate([D.pairwise(prep.queries[i:i + CHUNK], docs, prep.metric, m_sq)
                           .mean(axis=1) for i in range(0, len(prep.queries), CHUNK)])
    shift, spacing = D.shift_scores(near[:, 0], _doc_spacing(prep, sample, m_sq))
    return D.QueryDifficulty(
        query_ids=np.asarray(ds.query_ids, dtype=str),
        rc=D.relative_contrast(mean, near, k),
        lid=D.lid_mle(near[:, :k]),
        expansion=D.expansion(near, k),
        shift=shift,
        k=k,
        doc_spacing=spacing,
    )
