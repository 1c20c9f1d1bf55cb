"""The suite's load axis: concurrent clients against one built index (`load:`), and the
latency objectives (`slo_p99_ms:`) its curves are read against.

    load:
      clients: [1, 2, 4]        # closed-loop clients, each sending one query after another
      seconds: 5                # per point of the curve
      at: best                  # the search setting measured: best (highest main metric) or each
      rates: [0.25, 0.5, 0.75, 0.9, 1.0]   # open loop: Poisson arrivals at these fractions of
                                           # the closed loop's highest qps (optional)
      batch_sizes: [1, 8, 64, 512]         # qps per batch size, where the backend has a batch call
      clients_as: declared      # or threads / processes for every backend (processes need a
                                # SharedIndex backend: faiss, annoy, usearch; else threads)
    slo_p99_ms: [5, 20]         # max_qps_at_p99_ms for each (needs load)
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, StrictFloat, StrictInt, field_validator, model_serializer

from harness.suite.axes import Strict


class LoadSpec(Strict):
    clients: list[StrictInt] = Field(default_factory=lambda: [1, 2, 4], min_length=1)
    seconds: StrictFloat | StrictInt = 5.0
    at: Literal["best", "each"] = "best"
    rates: list[StrictFloat | StrictInt] = Field(default_factory=list)
    batch_sizes: list[StrictInt] = Field(default_factory=list)
    # threads or processes for every backend; declared = each backend's Concurrency.mode
    clients_as: Literal["declared", "threads", "processes"] = "declared"

    @model_serializer(mode="wrap")
    def _without_declared(self, handler: Any) -> Any:
        # absent at its default, so run and cell ids of suites from before it are kept
        data = handler(self)
        if isinstance(data, dict) and self.clients_as == "declared":
            data.pop("clients_as", None)
        return data

    @field_validator("clients")
    @classmethod
    def _clients(cls, v: list[int]) -> list[int]:
        bad = [n for n in v if n < 1]
        if bad:
            raise ValueError(f"clients must be integers >= 1 (concurrent clients), got {bad[0]}")
        if len(set(v)) != len(v):
            raise ValueError(f"clients lists a count twice: {v}")
        return sorted(v)

    @field_validator("seconds")
    @classmethod
    def _seconds(cls, v: float) -> float:
        if v <= 0:
            raise ValueError(f"seconds must be > 0 (the time each load point runs), got {v}")
        return float(v)

    @field_validator("rates")
    @classmethod
    def _rates(cls, v: list[float]) -> list[float]:
        bad = [r for r in v if not 0 < r <= 2]
        if bad:
            raise ValueError("rates are fractions of the measured maximum qps, in (0, 2], "
                             f"got {bad[0]}")
        return sorted(float(r) for r in v)

    @field_validator("batch_sizes")
    @classmethod
    def _batches(cls, v: list[int]) -> list[int]:
        bad = [b for b in v if b < 1]
        if bad:
            raise ValueError(f"batch_sizes must be integers >= 1, got {bad[0]}")
        return sorted(set(v))


def slo_problem(v: list[float]) -> str | None:
    bad = [x for x in v if isinstance(x, bool) or not isinstance(x, int | float) or x <= 0]
    if bad:
        return f"slo_p99_ms are p99 latencies in milliseconds (> 0), got {bad[0]!r}"
    return None
