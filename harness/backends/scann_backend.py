"""ScaNN (the `scann` PyPI package, no TensorFlow): a k-means tree of leaves, anisotropic
vector quantization (AH) scoring inside the searched leaves, then exact re-ranking ("reorder")
of the best AH candidates with the float32 vectors.

Names are ScaNN's own: build `num_leaves`, `training_sample_size`, `dimensions_per_block`,
`anisotropic_quantization_threshold`, `reordering_num_neighbors` (builder methods tree /
score_ah / reorder); search `leaves_to_search` and `pre_reorder_num_neighbors`
(search_batched's arguments). search_batched runs on the calling thread; with set_threads(n > 1)
the batch goes through search_batched_parallel on ScaNN's own pool.

Memory is read from the serialized searcher: its arrays with one row per document (AH codes,
leaf tokens, the float32 reorder dataset) are per document, the rest (the tree's centroids,
the AH codebooks, the configuration) is fixed; the reorder dataset is also rescore_per_doc.
"""

from __future__ import annotations

import os
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
    as_float32,
    saved_bytes,
)
from harness.backends.data_rules import check, scann_rule

#: the serialized float32 copy ScaNN re-ranks with (reorder)
REORDER_FILE = "dataset.npy"


class ScannBackend:
    name: ClassVar[str] = "scann"
    concurrency: ClassVar[Concurrency] = Concurrency(
        "threads", "ScaNN's search_batched runs in C++ without the GIL")
    capabilities: ClassVar[Capabilities] = Capabilities(
        metrics=FLOAT_METRICS,
        precisions=FLOAT_PRECISIONS,
        family="partition",
        build_params={
            "num_leaves": Param(int, 100, "k-means leaves of the tree (partitions)", minimum=1),
            "training_sample_size": Param(
                int, 100_000, "documents sampled to train the tree (at most the corpus)", minimum=1
            ),
            "dimensions_per_block": Param(
                int, 2, "dimensions per AH sub-space (4 bits per block)", minimum=1
            ),
            "anisotropic_quantization_threshold": Param(
                float, 0.2, "AH anisotropic loss threshold (ScaNN advises 0.2 for dot product)"
            ),
            "reordering_num_neighbors": Param(
                int,
                100,
                "default AH candidates re-ranked exactly with float32 vectors (0 = no re-ranking "
                "stage, and no float32 copy)",
                minimum=0,
            ),
        },
        search_params={
            "leaves_to_search": Param(int, 10, "leaves searched per query", minimum=1),
            "pre_reorder_num_neighbors": Param(
                int,
                100,
                "AH candidates re-ranked exactly (raised to k; needs reordering_num_neighbors > 0)",
                minimum=1,
            ),
        },
        data_rule=scann_rule,
    )

    def __init__(self, metric: str, build: Mapping[str, Any], threads: int = 1) -> None:
        if metric not in ("ip", "l2"):
            raise ValueError(f"scann searches float vectors with 'ip' or 'l2', not {metric!r}")
        self.metric = metric
        self.threads = threads
        self.build_params = self.capabilities.with_defaults("build", build)
        self._index: Any = None
        self._search: dict[str, int] = {}
        self._memory: IndexMemory | None = None

    def b(self, name: str) -> Any:
        return self.build_params[name]

    def build(self, data: IndexInput) -> None:
        import scann

        x = as_float32(data.vectors)
        check(scann_rule(self.build_params, *x.shape))
        distance = "dot_product" if self.metric == "ip" else "squared_l2"
        builder = (
            scann.scann_ops_pybind.builder(x, 10, distance)
            .tree(
                num_leaves=self.b("num_leaves"),
                num_leaves_to_search=self.b("num_leaves"),  # every search passes its own
                training_sample_size=min(len(x), self.b("training_sample_size")),
            )
            .score_ah(
                self.b("dimensions_per_block"),
                anisotropic_quantization_threshold=float(
                    self.b("anisotropic_quantization_threshold")
                ),
            )
        )
        if self.b("reordering_num_neighbors"):
            builder = builder.reorder(self.b("reordering_num_neighbors"))
        self._index = builder.set_n_training_threads(self.threads).build()
        self._n, self._memory = len(x), None

    def set_threads(self, n: int) -> None:
        self.threads = n
        if self._index is not None and n > 1:
            self._index.set_num_threads(n)

    def prepare(self, search: Mapping[str, Any]) -> None:
        s = {**self.capabilities.with_defaults("search", {}), **search}
        self._search = {k: int(s[k]) for k in ("leaves_to_search", "pre_reorder_num_neighbors")}

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        s = self._index
        run = s.search_batched_parallel if self.threads > 1 else s.search_batched
        ids, dist = run(
            queries,
            final_num_neighbors=k,
            # fewer than k candidates to re-rank would return fewer than k true neighbours
            pre_reorder_num_neighbors=max(k, self._search["pre_reorder_num_neighbors"]),
            leaves_to_search=self._search["leaves_to_search"],
        )
        ids = ids.astype(np.int64)
        scores = dist if self.metric == "ip" else np.negative(dist, dtype=np.float32)
        empty = np.isnan(dist)  # ScaNN pads missing results with id 0 and a NaN distance
        if empty.any():
            ids[empty], scores[empty] = -1, -np.inf
        return ids, scores.astype(np.float32, copy=False)

    def _save(self, path: str) -> None:
        os.makedirs(path)
        self._index.serialize(path)
        self._memory = _memory_of(path, self._n)

    def nbytes(self) -> int:
        return saved_bytes(self._save, "scann")

    def memory(self) -> IndexMemory:
        if self._memory is None:
            self.nbytes()
        assert self._memory is not None
        return self._memory

    @property
    def index(self) -> Any:
        """The ScaNN searcher (scann_ops_pybind.ScannSearcher, for tests and benchmarks)."""
        return self._index


def _memory_of(folder: str, n: int) -> IndexMemory:
    """A serialized searcher's files: .npy arrays of n rows per document, the rest fixed."""
    per_doc = rescore = 0.0
    fixed = 0
    for name in sorted(os.listdir(folder)):
        path = os.path.join(folder, name)
        size = os.path.getsize(path)
        rows = np.load(path, mmap_mode="r") if name.endswith(".npy") else None
        if rows is not None and rows.ndim and rows.shape[0] == n:
            per_doc += rows.nbytes / n
            fixed += size - rows.nbytes  # the .npy header
            rescore += rows.nbytes / n if name == REORDER_FILE else 0.0
        else:
            fixed += size
    return IndexMemory(per_doc, fixed, rescore)
