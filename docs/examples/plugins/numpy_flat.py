"""A backend plugin: brute-force search with one numpy matrix product per query batch.

Run it with `HARNESS_PLUGINS=numpy_flat` and this folder on PYTHONPATH (docs/howto/backend.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np

from harness.backends.base import (
    FLOAT_METRICS,
    FLOAT_PRECISIONS,
    Capabilities,
    Concurrency,
    IndexInput,
    IndexMemory,
    Param,
)
from harness.registry import BACKENDS, Entry


class NumpyFlat:
    """Scores every document: ip as a dot product, l2 as the negated squared distance."""

    capabilities: ClassVar[Capabilities] = Capabilities(
        metrics=FLOAT_METRICS,  # cosine arrives as 'ip' on unit vectors
        precisions=FLOAT_PRECISIONS,  # lower precisions arrive dequantized to float32
        search_params={"block": Param(int, 4096, "documents scored per matrix product",
                                      minimum=1)},
        family="exact",
    )
    concurrency: ClassVar[Concurrency] = Concurrency(
        "threads", "numpy's matrix product releases the GIL", batch=True)

    def __init__(self, metric: str, build: Mapping[str, Any], threads: int = 1) -> None:
        self.metric = metric
        self.block = 4096
        self.docs = np.empty((0, 0), dtype=np.float32)

    def build(self, data: IndexInput) -> None:
        self.metric = data.metric
        self.docs = np.ascontiguousarray(data.vectors, dtype=np.float32)
        self.norms = (self.docs ** 2).sum(axis=1)

    def prepare(self, search: Mapping[str, Any]) -> None:
        self.block = int(search.get("block", self.block))

    def set_threads(self, n: int) -> None:
        """numpy's BLAS threads follow the runner's limit: nothing to set."""

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        q = np.ascontiguousarray(queries, dtype=np.float32)
        scores = np.concatenate([q @ self.docs[i:i + self.block].T
                                 for i in range(0, len(self.docs), self.block)], axis=1)
        if self.metric == "l2":  # higher is better: -(|q|^2 - 2 q.d + |d|^2)
            scores = 2 * scores - self.norms - (q ** 2).sum(axis=1, keepdims=True)
        k = min(k, scores.shape[1])
        top = np.argpartition(-scores, k - 1, axis=1)[:, :k]
        order = np.argsort(-np.take_along_axis(scores, top, axis=1), axis=1, kind="stable")
        ids = np.take_along_axis(top, order, axis=1)
        return ids.astype(np.int64), np.take_along_axis(scores, ids, axis=1).astype(np.float32)

    def nbytes(self) -> int:
        return int(self.docs.nbytes + self.norms.nbytes)

    def memory(self) -> IndexMemory:
        return IndexMemory(per_doc=self.docs.shape[1] * 4 + 4)  # the vector and its norm


BACKENDS.register(Entry("numpy-flat", "numpy_flat:NumpyFlat",
                        "brute force with numpy matrix products (a plugin example)",
                        requires=("numpy",), install="pip install numpy"))
