"""The analysis tables a run folder holds, by name: written by analysis.step, read by reports."""

from __future__ import annotations

import json
from pathlib import Path

from harness.fsutil import atomic_write_text

FUNNEL = "funnel.csv"
RANKINGS = "rankings.csv"
INVERSIONS = "inversions.csv"
RANKINGS_AT_SPEED = "rankings_at_speed.csv"
RECOMMENDATION = "recommendation.csv"
HYBRID = "hybrid.csv"  # fusion gains over each leg alone (analysis.hybrid)
SCALING = "scaling.csv"  # power-law growth with the corpus size (analysis.scaling)
DIFFICULTY = "difficulty.csv"  # each funnel row by query difficulty and shift group
QUERY_DIFFICULTY = "query_difficulty.csv"  # every query's difficulty and shift statistics
FILTER_FUNNEL = "filter_funnel.csv"  # the funnel's filter stage: filtered rows (filter_stage)
RERANK = "rerank.csv"  # the funnel's rerank stage: two-stage rows (analysis.rerank_stage)
PRECISION = "precision_advice.csv"  # the recommended code per model x dim (precision_advice)
# In RESULTS_DIR (the parent of run folders): the recommendation's outcome over every run.
ACROSS_RUNS = "recommendations.csv"

# In RUN_DIR: what failed after the cells ran (analysis, report), one line each, by stage;
# written by harness.api, shown by the report's problems section.
PROBLEMS = "problems.json"


def note_problem(run_dir: Path, stage: str, cause: str | None) -> None:
    """Record (or, with cause None, clear) the one-line failure of one stage."""
    path = Path(run_dir) / PROBLEMS
    found = read_problems(run_dir)
    if cause is None and stage not in found:
        return
    found.pop(stage, None)
    if cause is not None:
        found[stage] = cause.splitlines()[0] if cause else "failed"
    atomic_write_text(path, json.dumps(found, indent=1, sort_keys=True))


def read_problems(run_dir: Path) -> dict[str, str]:
    """stage -> one-line cause; {} when nothing failed (or the file cannot be read)."""
    try:
        found = json.loads((Path(run_dir) / PROBLEMS).read_text())
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in found.items()} if isinstance(found, dict) else {}
