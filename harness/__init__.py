"""Embedding retrieval benchmark harness: task quality, speed and memory on the same points.

In Python: `harness.run(suite)` (a path, YAML text or dict), `harness.load(run_dir)`,
`harness.compare(run_a, run_b)`, `harness.leaderboard(results_dir)`; see harness.notebook.
They are imported on first use, so `import harness` stays light for the CLI and workers.
"""

from __future__ import annotations

import importlib.metadata
import os
from typing import Any

# OpenMP (libgomp, faiss's threads) waits passively (futex) instead of spinning, unless the
# user chose otherwise. Set before faiss loads: every later import, worker and forkserver
# inherits it. With the default active wait, a 2-thread faiss IndexBinaryFlat search of
# 1,000 x 20,000 codes took 0.49 s of CPU instead of 0.024 s (2.5 s of wall instead of
# 0.04 s) on the shared 2-core machine at load 17: its many small parallel regions spin
# while the other thread waits for a core. Results are the same (scheduling only).
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

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
