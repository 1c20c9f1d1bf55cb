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
from typing import Protocol, runtime_checkable

from harness.backends.base import IndexMemory


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


class FileBacked:
    """Backend methods of an engine whose index is the files in `self.scratch`: their size is
    the index's (nbytes, disk_bytes) and, read on demand, its memory per document."""

    scratch: Scratch
    _n: int

    def disk_bytes(self) -> int:
        return self.scratch.bytes()

    def nbytes(self) -> int:
        return self.disk_bytes()

    def memory(self) -> IndexMemory:
        return IndexMemory(self.disk_bytes() / max(1, self._n))

    def set_threads(self, n: int) -> None:
        # one query per call through the engine's client; its own pools are left as it sets them
        return None
