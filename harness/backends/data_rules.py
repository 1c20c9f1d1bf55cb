"""What a backend's build parameters need from the data: n documents of d dimensions.

One function per backend, declared as its `Capabilities.data_rule`: the plan calls it with the
dataset's shape (read from headers and counts, nothing encoded) and the backend's build calls
it with the vectors it got, so the plan and the run cannot disagree. Each returns the problem
as one line, or None.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

#: faiss's own advice: k-means wants at least this many training points per centroid.
MIN_POINTS_PER_CENTROID = 39


def too_few(backend: str, what: str, value: int, n: int, centroids: int,
            hint: str | None = None) -> str | None:
    """k-means of `centroids` centroids cannot run on n < centroids vectors."""
    if n >= centroids:
        return None
    hint = hint or f"{what} <= {max(1, n // MIN_POINTS_PER_CENTROID)}"
    return (f"{backend}: {what}={value} needs at least {centroids} training vectors, the "
            f"corpus has {n} (use {hint}: faiss wants >= {MIN_POINTS_PER_CENTROID} points per "
            "centroid)")


def nbits_hint(n: int) -> str:
    return f"nbits <= {max(1, int(math.log2(max(2, n // MIN_POINTS_PER_CENTROID))))}"


def ivf_rule(build: Mapping[str, Any], n: int, d: int) -> str | None:
    return too_few("faiss-ivf", "nlist", int(build["nlist"]), n, int(build["nlist"]))


def ivfpq_rule(build: Mapping[str, Any], n: int, d: int) -> str | None:
    m, nbits, nlist = int(build["m"]), int(build["nbits"]), int(build["nlist"])
    if d % m:
        divisors = [v for v in range(1, d + 1) if d % v == 0]
        return (f"faiss-ivfpq: m={m} does not divide the dimension {d} "
                f"(choose m among {', '.join(map(str, divisors))})")
    return (too_few("faiss-ivfpq", "nlist", nlist, n, nlist)
            or too_few("faiss-ivfpq", "nbits", nbits, n, 2**nbits, nbits_hint(n)))


def nsg_rule(build: Mapping[str, Any], n: int, d: int) -> str | None:
    gk = int(build["GK"])
    if n > gk:
        return None
    return f"faiss-nsg: GK={gk} needs more than GK vectors, the corpus has {n} (use GK < {n})"


def scann_rule(build: Mapping[str, Any], n: int, d: int) -> str | None:
    leaves = int(build["num_leaves"])
    if n >= leaves:
        return None
    return (f"scann: num_leaves={leaves} needs at least as many documents, the corpus has "
            f"{n} (use num_leaves <= {n})")


def check(problem: str | None) -> None:
    """At build time: the rule's problem as the cell's error."""
    if problem:
        raise ValueError(problem)
