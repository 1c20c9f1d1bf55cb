"""The batch-size curve: qps of one thread searching the queries in batches of B (the
library's batch call), each size for the point's seconds (whole passes of the queries)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import numpy as np

from harness.execution.load.loop import ClientSample
from harness.execution.load.points import PointFigures, cpu_seconds, figures
from harness.execution.searcher import Searcher


def batch_points(searcher: Searcher, sizes: list[int], seconds: float, cores: int
                 ) -> Iterator[tuple[int, PointFigures]]:
    q, raw = searcher.whole()
    for size in sizes:
        chunks = [(q[s:s + size], raw[s:s + size]) for s in range(0, len(q), size)]
        lat, fin, done = [], [], []
        start = time.monotonic_ns()
        end = start + int(seconds * 1e9)
        cpu0 = cpu_seconds()
        while time.monotonic_ns() < end:
            for chunk in chunks:
                t0 = time.monotonic_ns()
                searcher(chunk)
                t1 = time.monotonic_ns()
                lat.append(t1 - t0)  # the batch's latency, once per query it answered
                fin.append(t1)
                done.append(len(chunk[0]))
        n = np.asarray(done)
        sample = ClientSample(np.repeat(np.asarray(lat, dtype=np.int64), n),
                              np.repeat(np.asarray(fin, dtype=np.int64), n))
        yield size, figures([sample], start, cpu_seconds() - cpu0, cores)
