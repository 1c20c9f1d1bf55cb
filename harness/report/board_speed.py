"""The leaderboard's speed verdicts: each ranked entry against the next one down, on the
queries both measured (per-query latency: Wilcoxon signed-rank; main metric: paired
randomization test), Holm-adjusted over every comparison of the board (analysis/speed_tests.py).
"""

from __future__ import annotations

import math
from itertools import pairwise

import pandas as pd

from harness.analysis import stats
from harness.analysis.speed_tests import SpeedPair, speed_tests
from harness.report.data import RunData, paired

GROUP = ["dataset", "dataset_fingerprint", "main_metric"]


def _pair(runs: dict[str, RunData], r1: pd.Series, r2: pd.Series) -> tuple | None:
    """(latencies, task values) of two rows on their common queries, or None."""
    got = []
    for name in ("latency_ms", str(r1["main_metric"])):
        v1 = runs[r1["_run_dir"]].values(r1, name)
        v2 = runs[r2["_run_dir"]].values(r2, name)
        if v1 is None or v2 is None:
            return None
        _, x, y = paired(v1, v2)
        if not len(x):
            return None
        got.append((x, y))
    return tuple(got)


def vs_next(table: pd.DataFrame, runs: dict[str, RunData]) -> list[str]:
    """Per row of the ranked board: the verdict of its speed against the next rank's ('' for
    the last row of a group and for rows without per-query latencies)."""
    todo: list[tuple[int, SpeedPair]] = []
    quality: list[float] = []
    for _, g in table.groupby(GROUP, sort=False):
        rows = list(g.iterrows())
        for (i, r1), (_, r2) in pairwise(rows):
            got = _pair(runs, r1, r2)
            if got is None:
                continue
            (la, lb), (ta, tb) = got
            quality.append(stats.paired_randomization_test(ta, tb, n_perm=2000, seed=0))
            todo.append((i, SpeedPair(f"rank {r1['rank']}", f"rank {r2['rank']}", la, lb,
                                      float(tb.mean() - ta.mean()))))
    q_holm = stats.holm(quality) if quality else []
    pairs = [SpeedPair(p.a, p.b, p.lat_a, p.lat_b, p.quality_diff,
                       float(q) if math.isfinite(q) else math.nan)
             for (_, p), q in zip(todo, q_holm, strict=True)]
    out = dict.fromkeys(table.index, "")
    for (i, _), res in zip(todo, speed_tests(pairs), strict=True):
        out[i] = res.verdict()
    return [out[i] for i in table.index]
