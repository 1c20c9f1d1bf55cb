"""Whether a backend releases the GIL, measured: closed-loop qps of 2 client threads over 1
client thread on the same index, interleaved (the order alternates each repeat), the median
of the per-repeat ratios. A library that releases the GIL while it searches scales (about
2x on two idle cores, clearly above RELEASES even on a busy machine); one that holds it
stays near 1x (the threads take turns). bench/gil.py prints this for every backend next to
its declared Concurrency.mode."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from harness.execution.load.loop import SearchRow
from harness.execution.load.threads import closed_threads

RELEASES = 1.2  # 2-thread / 1-thread qps above this: the search runs without the GIL
HOLDS = 1.1  # below this: the threads queue on the GIL (in between: unclear, re-run quiet)


@dataclass(frozen=True)
class Scaling:
    qps_1: float  # medians over the repeats
    qps_2: float
    ratio: float  # median of the per-repeat 2 / 1 ratios

    def verdict(self) -> str:
        if self.ratio >= RELEASES:
            return "threads"
        if self.ratio <= HOLDS:
            return "processes"
        return "unclear"


def thread_scaling(search: SearchRow, n_rows: int, seconds: float, repeats: int,
                   cores: int) -> Scaling:
    one, two = [], []
    for rep in range(repeats):
        for n in ((1, 2) if rep % 2 == 0 else (2, 1)):
            qps = closed_threads(search, n_rows, n, seconds, cores).qps
            (one if n == 1 else two).append(qps)
    ratios = [b / a for a, b in zip(one, two, strict=True)]
    return Scaling(float(np.median(one)), float(np.median(two)), float(np.median(ratios)))
