"""A database backend's scratch folder: the engine's files, measured, then removed.

Each engine writes its tables and index into a folder of its own; `disk_bytes()` sums the
files in it (the `disk_bytes_per_doc` column), and the folder is removed when the backend is
closed or garbage-collected at the end of its cell, so no cell leaves files behind.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import weakref
from collections.abc import Collection, Mapping
from typing import Any, ClassVar, Protocol, runtime_checkable

from harness.backends.base import Capabilities, Configured, IndexMemory


@runtime_checkable
class OnDisk(Protocol):
    """A backend whose index lives in files: their total size after the build."""

    def disk_bytes(self) -> int: ...


def folder_bytes(path: str) -> int:
    return sum(os.path.getsize(os.path.join(root, f))
               for root, _, files in os.walk(path) for f in files)


class Scratch:
    """A temporary folder removed on close() or when its owner is collected."""

    def __init__(self, prefix: str) -> None:
        self.path = tempfile.mkdtemp(prefix=f"harness-{prefix}-")
        self._cleanup = weakref.finalize(self, shutil.rmtree, self.path, True)

    def file(self, name: str) -> str:
        return os.path.join(self.path, name)

    def bytes(self) -> int:
        return folder_bytes(self.path)

    def close(self) -> None:
        self._cleanup()


class FileBacked(Configured):
    """Backend methods of an engine whose index is the files in `self.scratch`: their size is
    the index's (nbytes, disk_bytes) and, read on demand, its memory per document."""

    name: ClassVar[str]
    capabilities: ClassVar[Capabilities]
    scratch: Scratch
    _n: int

    def start(self, metric: str, build: Mapping[str, Any], allowed: Collection[str],
              accepts: str) -> None:
        """What every engine's __init__ does: refuse a distance it lacks (`accepts` names the
        suite's distances it takes), fill in the build defaults, open its scratch folder."""
        self.configure(metric, build, allowed, f"with {accepts}")
        self.scratch = Scratch(self.name)

    def disk_bytes(self) -> int:
        return self.scratch.bytes()

    def nbytes(self) -> int:
        return self.disk_bytes()

    def memory(self) -> IndexMemory:
        return IndexMemory(self.disk_bytes() / max(1, self._n))

    def set_threads(self, n: int) -> None:
        # one query per call through the engine's client; its own pools are left as it sets them
        return None
