"""The measurement helpers: thread limits that nest and restore, peak memory of a block."""

from __future__ import annotations

import faiss
import numpy as np

from harness.execution.timing import PeakMemory, per_query_ns, thread_limit, timed_pass


def test_thread_limit_nests_and_restores():
    before = faiss.omp_get_max_threads()
    with thread_limit(1):
        assert faiss.omp_get_max_threads() == 1
        with thread_limit(2):
            assert faiss.omp_get_max_threads() == 2
        assert faiss.omp_get_max_threads() == 1
    assert faiss.omp_get_max_threads() == before


def test_peak_memory_sees_a_transient_allocation():
    with PeakMemory() as m:
        a = np.ones(25_000_000)  # 200 MB, freed before the block ends
        del a
    assert m.peak_increase_bytes is None or m.peak_increase_bytes > 150e6


def test_timed_loops_call_the_search_once_per_row():
    calls = []
    rows = [np.zeros((1, 2)) for _ in range(5)]
    ns = per_query_ns(lambda q: calls.append(q), rows)
    assert len(calls) == 5 and ns.shape == (5,) and (ns >= 0).all()
    seconds, out = timed_pass(lambda b: "done", "all")
    assert out == "done" and seconds >= 0
