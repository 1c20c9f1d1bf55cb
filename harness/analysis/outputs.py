"""The analysis tables a run folder holds, by name: written by analysis.step, read by reports."""

from __future__ import annotations

FUNNEL = "funnel.csv"
RANKINGS = "rankings.csv"
INVERSIONS = "inversions.csv"
RANKINGS_AT_SPEED = "rankings_at_speed.csv"
RECOMMENDATION = "recommendation.csv"
HYBRID = "hybrid.csv"  # fusion gains over each leg alone (analysis.hybrid)
# In RESULTS_DIR (the parent of run folders): the recommendation's outcome over every run.
ACROSS_RUNS = "recommendations.csv"
