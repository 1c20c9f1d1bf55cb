"""Embedding retrieval benchmark harness: task quality, speed and memory on the same points.

In Python: `harness.run(suite)` (a path, YAML text or dict), `harness.load(run_dir)`,
`harness.compare(run_a, run_b)`, `harness.leaderboard(results_dir)`; see harness.notebook.
They are imported on first use, so `import harness` stays light for the CLI and workers.
"""

from __future__ import annotations

import importlib.metadata
from typing import Any

try:  # the installed distribution's version: one place (pyproject.toml) says it
    __version__ = importlib.metadata.version("embedding-retrieval-harness")
except importlib.metadata.PackageNotFoundError:  # a source tree on sys.path, not installed
    __version__ = "0+unknown"

_API = ("Run", "compare", "leaderboard", "load", "run")
__all__ = [*_API, "__version__"]


def __getattr__(name: str) -> Any:
    if name in _API:
        import harness.notebook as notebook

        return getattr(notebook, name)
    raise AttributeError(f"module 'harness' has no attribute {name!r}")
