"""Backends are tested single-threaded, as the runner measures them: on a shared 2-core
machine, OpenMP spin-waiting on 2 threads can make faiss training 10x slower."""

from __future__ import annotations

import pytest

from harness.execution.timing import thread_limit


@pytest.fixture(autouse=True)
def _single_thread():
    with thread_limit(1):
        yield
