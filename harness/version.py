"""The harness's version, read once from the installed distribution (pyproject.toml says it)."""

from __future__ import annotations

import importlib.metadata
from pathlib import Path

try:
    __version__ = importlib.metadata.version("embedding-retrieval-harness")
except importlib.metadata.PackageNotFoundError:  # a source tree on sys.path, not installed
    __version__ = "0+unknown"

# The folder holding the package (a git checkout's root in a source tree): the manifest's commit
SOURCE_ROOT = Path(__file__).resolve().parent.parent
