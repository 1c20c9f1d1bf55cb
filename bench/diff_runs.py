"""Diff two run folders of the same suite, timing columns aside: the refactor check.

    python bench/diff_runs.py RUN_A RUN_B

Compares results.csv (every column but timings, memory and timestamps) and the analysis
tables funnel.csv, rankings.csv, inversions.csv and recommendation.csv, row by row after
sorting on their key columns. Prints each difference and exits 1 when there is any.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

from harness.store.row import TIMING_COLUMNS as TIMING
from harness.store.tables import upgraded_frame

TABLES = ("results.csv", "funnel.csv", "rankings.csv", "inversions.csv", "recommendation.csv")


def _read(path: Path) -> pd.DataFrame:
    if not path.is_file() or path.stat().st_size <= 1:
        return pd.DataFrame()
    df = upgraded_frame(pd.read_csv(path))  # older runs' column names, as today's
    df = df[[c for c in df.columns if c not in TIMING]]
    return df.sort_values(list(df.columns), ignore_index=True) if len(df) else df


def diff_table(a: Path, b: Path) -> list[str]:
    x, y = _read(a), _read(b)
    if set(x.columns) - set(y.columns):
        return [f"{a.name}: columns missing in B: {sorted(set(x.columns) - set(y.columns))}"]
    added = [c for c in y.columns if c not in x.columns]
    if added:  # new columns are reported, not counted: every old figure must still match
        print(f"{a.name}: columns only in B: {added}")
        y = y[list(x.columns)].sort_values(list(x.columns), ignore_index=True)
    if len(x) != len(y):
        return [f"{a.name}: {len(x)} rows vs {len(y)}"]
    problems = []
    for col in x.columns:
        same = (x[col] == y[col]) | (x[col].isna() & y[col].isna())
        for i in same[~same].index[:5]:
            problems.append(f"{a.name}[{i}].{col}: {x.at[i, col]!r} vs {y.at[i, col]!r}")
    return problems


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    a, b = map(Path, argv)
    problems = [p for name in TABLES for p in diff_table(a / name, b / name)]
    for p in problems:
        print(p)
    print(f"{a.name}: {'identical' if not problems else f'{len(problems)} differences'} "
          f"({', '.join(TABLES)}; timing columns aside)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
