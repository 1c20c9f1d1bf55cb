"""What analysis needs from the pipeline, as a Protocol: analysis never imports execution.

`harness run` and `harness funnel` hand in an implementation (execution.references) that
reuses the stored exact results first and computes only what is missing.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from harness.datasets.base import Dataset
from harness.metrics.query_difficulty import QueryDifficulty
from harness.plan.cell import Cell


class References(Protocol):
    def value(
        self, cell: Cell, *, dim: int | str | None, precision: str, metric: str,
        rescore: int = 0,
    ) -> tuple[float, np.ndarray]:
        """The main metric of exact search on the cell's data and model at this dim,
        precision, distance and rescoring: (mean, per-query values of evaluated queries)."""
        ...

    def by_query(
        self, cell: Cell, *, dim: int | str | None, precision: str, metric: str,
        rescore: int = 0,
    ) -> dict[str, float]:
        """value()'s per-query values keyed by query id (a filtered cell keeps its filter)."""
        ...

    def native_distance(self, cell: Cell) -> str:
        """The distance the cell's model was trained for ('cosine' for given vectors)."""
        ...

    def dataset(self, cell: Cell) -> Dataset: ...

    def vectors(self, cell: Cell) -> tuple[np.ndarray, np.ndarray]:
        """(documents, queries) as the model encodes them: full dim, float32."""
        ...

    def difficulty(self, cell: Cell) -> QueryDifficulty:
        """Every query's difficulty (RC, LID, expansion at the cell's k) and shift score, on
        the vectors the cell searches (its dim, precision and distance)."""
        ...
