"""A result row's disk column, for backends whose index lives in files (embedded databases).

`disk_bytes_per_doc`: the engine's files (tables, index, write-ahead logs) after the build,
per document; rows of in-memory backends have none.
"""

from __future__ import annotations

from typing import Any

from harness.backends.base import Backend
from harness.backends.databases.scratch import OnDisk


def disk_columns(backend: Backend, index_bytes: int, n_docs: int) -> dict[str, Any]:
    """index_bytes is what measure() read from the backend (for OnDisk: its files)."""
    if not isinstance(backend, OnDisk):
        return {}
    return {"disk_bytes_per_doc": index_bytes / max(1, n_docs)}
