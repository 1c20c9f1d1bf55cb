"""The names of the ranking rules (harness.analysis.rules), free of pandas so that the command
line builds its --rule choices from them without loading it."""

from __future__ import annotations

TASK_AT_BUDGET = "task@budget"
QPS_AT_TASK = "qps@task>=99%exact"
QPS_AT_KNN90 = "qps@knn>=0.9"
QPS_AT_KNN95 = "qps@knn>=0.95"
PARETO = "pareto"
TASK_AT_SPEED = "task@matched-speed"
BYTES_AT_TASK = "bytes@task>=99%exact"

# What each rule ranks by, in one line (--help, the report, docs/tails.md).
RULE_HELP = {
    TASK_AT_BUDGET: "best main task metric among the rows within the budgets (qps breaks ties)",
    QPS_AT_TASK: "fastest (qps) among the rows whose main task metric is at least 99% of exact "
                 "float32 search with the same model",
    QPS_AT_KNN90: "fastest (qps) among the rows with knn_recall@10 >= 0.9 (big-ann-benchmarks)",
    QPS_AT_KNN95: "fastest (qps) among the rows with knn_recall@10 >= 0.95 (VIBE)",
    PARETO: "only rows on the Pareto frontier of main task metric x qps, best task first",
    TASK_AT_SPEED: "best main task metric among the rows at or above the matched speed floor "
                   "(the fastest qps every group, e.g. index family, reaches); qps breaks ties",
    BYTES_AT_TASK: "fewest bytes per document among the rows whose main task metric is at "
                   "least 99% of exact float32 search with the same model (task breaks ties)",
}
RULE_NAMES = tuple(RULE_HELP)
# The rule `harness leaderboard`, `harness best` and the report use unless --rule says
# otherwise: what they ranked by before rules had names.
DEFAULT_RULE = TASK_AT_BUDGET
