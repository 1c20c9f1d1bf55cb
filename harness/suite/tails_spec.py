"""The suite's `tails:` key (docs/tails.md): analysis settings of the tail metrics.

    tails: {deltas: [0.5, 0.8, 1.0]}

`deltas` are the Robustness-delta thresholds the report's Tails section and tails.csv show
(task_robustNN, knn_robustNN, computed from the per-query arrays); the result columns stay
0.5 / 0.9 / 1.0. Each delta lies in (0, 1]. `harness report --deltas` overrides the key. The
key changes no cell, so it is left out of the run's identity (a changed key resumes the run).
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, StrictFloat, StrictInt, field_validator

from harness.suite.axes import Strict

DEFAULT_DELTAS = (0.5, 0.9, 1.0)


class TailsSpec(Strict):
    deltas: list[StrictFloat | StrictInt] = Field(
        default_factory=lambda: list(DEFAULT_DELTAS), min_length=1)

    @field_validator("deltas")
    @classmethod
    def _in_unit_interval(cls, v: list[float]) -> list[float]:
        for d in v:
            if not 0 < d <= 1:
                raise ValueError(f"a Robustness delta is a share of the metric's range: "
                                 f"expected 0 < delta <= 1, got {d}")
        return [float(d) for d in v]


def suite_deltas(suite: dict[str, Any]) -> tuple[float, ...] | None:
    """The deltas of a stored run's suite (its parsed YAML), or None when it sets none (a
    suite loaded at run time was validated, so anything else is a hand edit: ignored)."""
    block = suite.get("tails")
    if not isinstance(block, dict):
        return None
    try:
        return tuple(TailsSpec.model_validate(block).deltas)
    except ValueError:
        return None
