"""Test-only backends that take their worker down mid-cell (imported by workers through
HARNESS_PLUGINS=tests.execution.crashy_plugin)."""

from __future__ import annotations

import os
import signal
from typing import ClassVar

from harness.backends.base import IndexInput
from harness.backends.exact import ExactBackend
from harness.registry import BACKENDS, Entry


class SegfaultBackend(ExactBackend):
    name: ClassVar[str] = "test-segfault"

    def build(self, data: IndexInput) -> None:
        os.kill(os.getpid(), signal.SIGSEGV)


class KilledBackend(ExactBackend):
    """Holds ~200 MB, then is killed as the OOM killer would kill it."""

    name: ClassVar[str] = "test-sigkill"

    def build(self, data: IndexInput) -> None:
        import time

        self.ballast = bytearray(200 * 2**20)
        self.ballast[:: 4096] = b"x" * len(self.ballast[:: 4096])  # touch every page
        time.sleep(0.6)  # the driver samples the worker's memory while it waits
        os.kill(os.getpid(), signal.SIGKILL)


for _cls in (SegfaultBackend, KilledBackend):
    if _cls.name not in BACKENDS:
        BACKENDS.register(Entry(_cls.name, f"{__name__}:{_cls.__name__}", "test only",
                                requires=("faiss",)))
