"""The `rerank:` axis's entries: a second stage over each first stage's top candidates."""

from __future__ import annotations

from typing import Any

from pydantic import Field, StrictInt, field_validator

from harness.suite.axes import Strict


class RerankSpec(Strict):
    """A second stage (harness/execution/two_stage.py): `model` is a model reference (a
    bi-encoder: its own float32 vectors) or `ce:<folder or cached hub id>` (a cross-encoder
    reading the texts); each of `candidates` (first-stage depth) is its own cell."""

    model: str = Field(min_length=1)
    candidates: list[StrictInt] = Field(default_factory=lambda: [100], min_length=1)
    batch_size: StrictInt = Field(default=32, gt=0)

    @field_validator("candidates", mode="before")
    @classmethod
    def _one_or_many(cls, v: Any) -> Any:
        return [v] if isinstance(v, int) and not isinstance(v, bool) else v

    @field_validator("candidates")
    @classmethod
    def _positive(cls, v: list[int]) -> list[int]:
        if any(c <= 0 for c in v):
            raise ValueError(f"candidates must be positive integers, got {v}")
        return v
