"""Budgets: limits on result columns that `harness best` and best_under apply.

Kept free of pandas, so that the command line builds its flags from it without loading it.
"""

from __future__ import annotations

from dataclasses import dataclass, field


def _limit(column: str, help: str) -> float | None:
    """A budget field: the result column it limits and its --help text (the sense comes from
    the field's name: max_... keeps rows at or below, min_... at or above)."""
    return field(default=None, metadata={"column": column, "help": help})


@dataclass(frozen=True)
class Budget:
    """Limits on result columns; None = no limit. A new budget is one more field: best_under
    and `harness best`'s flags (--max-bytes-per-doc, ...) are derived from the fields."""

    max_bytes_per_doc: float | None = _limit(
        "bytes_per_doc", "most bytes per document the row's search holds in memory (index, "
        "rescoring vectors, lexical index)")
    max_p99_ms: float | None = _limit("latency_p99_ms", "highest p99 latency, milliseconds")
    min_qps: float | None = _limit("qps", "lowest single-thread queries per second")
