"""Ranking rules as code: which configuration wins, by a rule with a name.

A rule is two things: which rows may be ranked at all (a bar, a budget, the Pareto frontier)
and what orders them (a primary key, then a tie-break, both higher-is-better). Every ranking
the harness prints or draws (`harness leaderboard`, `harness best`, the report's Ranking
section) goes through `apply_rule` and carries the rule's name.

- `task@budget` (the default, what the leaderboard and `best` did before rules had names):
  rows within the budgets, by main task metric, then qps.
- `qps@task>=99%exact`: rows whose main task metric is at least 99% of the exact float32
  reference (the best exact search on float32 vectors of the same model, any distance), by
  qps, then the task metric.
- `qps@knn>=0.9` (big-ann-benchmarks) and `qps@knn>=0.95` (VIBE): rows whose knn_recall@10
  reaches the bar, by qps, then the recall.
- `pareto`: rows no other row beats on both main task metric and qps, by task metric.
- `task@matched-speed`: rows at or above the speed floor (the fastest qps every group, e.g.
  index family, reaches), by task metric, then qps: the recommendation's index check.
- `bytes@task>=99%exact`: rows whose main task metric reaches 99% of the exact float32
  reference (as `qps@task>=99%exact`), by fewest bytes per document, then the task metric:
  the recommendation's precision (run on one model and dim's exact-search rows).

Ties: rows with equal primary and tie-break values share a rank (the lowest), and their note
says so. Crossings: under a speed-at-a-bar rule, the winner is the fastest at that bar, but
another configuration's curve may reach a higher quality than the winner's ever does (the
curves cross above the bar); the winner's note names it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from harness.analysis.budget import Budget
from harness.analysis.frontier import best_under, pareto_mask
from harness.analysis.rule_names import (
    BYTES_AT_TASK,
    DEFAULT_RULE,
    PARETO,
    QPS_AT_KNN90,
    QPS_AT_KNN95,
    QPS_AT_TASK,
    RULE_HELP,
    RULE_NAMES,
    TASK_AT_BUDGET,
    TASK_AT_SPEED,
)
from harness.errors import UserError

RECALL = "knn_recall@10"
EXACT_SHARE = 0.99  # qps@task>=99%exact: the share of the exact float32 reference to reach
REFERENCE = {"backend": "exact", "precision": "float32"}


@dataclass(frozen=True)
class RuleInput:
    """What a rule needs besides the rows: the main task metric and the budgets."""

    main: str
    budget: Budget = field(default_factory=Budget)
    recall: str = RECALL
    group: str = "family"  # task@matched-speed: the groups that share one speed floor
    bytes: str = "bytes_per_doc"  # bytes@task>=99%exact: the cost ranked (fewest first;
    # the precision advice ranks the code's own bytes, analysis.precision_advice)


def _num(rows: pd.DataFrame, col: str) -> pd.Series:
    return pd.to_numeric(rows.get(col, pd.Series(np.nan, rows.index)), errors="coerce")


def exact_reference(rows: pd.DataFrame, main: str) -> pd.Series:
    """Per model: the best main metric of exact search on float32 vectors (hybrid and
    re-ranked rows, which are not the dense model's exact search, left out). Models without
    one are absent. The one definition: the report's At a glance bar reads it too."""
    sel = rows
    for col, want in REFERENCE.items():
        sel = sel[sel[col].astype(str) == want] if col in sel else sel.iloc[0:0]
    if "lexical_bytes" in sel:
        sel = sel[sel["lexical_bytes"].isna()]
    if "rerank" in sel:  # nor is a re-ranked one (another scorer's order)
        sel = sel[sel["rerank"].isna()]
    return _num(sel, main).groupby(sel["model"]).max().dropna()


def task_at_budget(rows: pd.DataFrame, inp: RuleInput) -> pd.Series:
    """`task@budget`: every row within the budgets (all rows when none is given)."""
    fits = best_under(rows.assign(status="ok"), inp.main, inp.budget)
    return pd.Series(rows.index.isin(fits.index), rows.index)


def qps_at_task(rows: pd.DataFrame, inp: RuleInput) -> pd.Series:
    """`qps@task>=99%exact`: rows whose task metric reaches 99% of their model's exact float32
    reference; a model without exact float32 rows in the data has no row eligible."""
    ref = rows["model"].map(exact_reference(rows, inp.main)).astype(float)
    return _num(rows, inp.main) >= EXACT_SHARE * ref - 1e-12


def qps_at_knn(bar: float) -> Callable[[pd.DataFrame, RuleInput], pd.Series]:
    def eligible(rows: pd.DataFrame, inp: RuleInput) -> pd.Series:
        """Rows whose knn_recall@10 (against exact search on the same vectors) reaches the bar."""
        return _num(rows, inp.recall) >= bar - 1e-12

    return eligible


def pareto(rows: pd.DataFrame, inp: RuleInput) -> pd.Series:
    """`pareto`: rows on the frontier of task metric x qps (rows lacking either: never)."""
    return pd.Series(pareto_mask(rows, [inp.main, "qps"]), rows.index)


def speed_floor(rows: pd.DataFrame, inp: RuleInput) -> float:
    """The fastest qps every group reaches (rows lacking the task metric or qps left out;
    without the group column the rows are one group): the matched-speed floor."""
    rows = rows[_num(rows, inp.main).notna() & _num(rows, "qps").notna()]
    if rows.empty:
        return float("nan")
    groups = rows[inp.group] if inp.group in rows else pd.Series("", rows.index)
    return float(_num(rows, "qps").groupby(groups.fillna("")).max().min())


def task_at_speed(rows: pd.DataFrame, inp: RuleInput) -> pd.Series:
    """`task@matched-speed`: rows at or above the speed floor (see speed_floor)."""
    return _num(rows, "qps") >= speed_floor(rows, inp)


@dataclass(frozen=True)
class Rule:
    name: str
    eligible: Callable[[pd.DataFrame, RuleInput], pd.Series]
    keys: tuple[str, str]  # primary, tie-break; "main"/"recall" stand for RuleInput's columns
    bar_on: str | None = None  # the quality a speed-at-a-bar rule thresholds (crossings)
    lower_first: bool = False  # the primary key is a cost: lowest first

    @property
    def doc(self) -> str:
        return RULE_HELP[self.name]

    def columns(self, inp: RuleInput) -> tuple[str, str]:
        sub = {"main": inp.main, "recall": inp.recall, "bytes": inp.bytes}
        return sub.get(self.keys[0], self.keys[0]), sub.get(self.keys[1], self.keys[1])


RULES: dict[str, Rule] = {
    TASK_AT_BUDGET: Rule(TASK_AT_BUDGET, task_at_budget, ("main", "qps")),
    QPS_AT_TASK: Rule(QPS_AT_TASK, qps_at_task, ("qps", "main"), "main"),
    QPS_AT_KNN90: Rule(QPS_AT_KNN90, qps_at_knn(0.9), ("qps", "recall"), "recall"),
    QPS_AT_KNN95: Rule(QPS_AT_KNN95, qps_at_knn(0.95), ("qps", "recall"), "recall"),
    PARETO: Rule(PARETO, pareto, ("main", "qps")),
    TASK_AT_SPEED: Rule(TASK_AT_SPEED, task_at_speed, ("main", "qps")),
    BYTES_AT_TASK: Rule(BYTES_AT_TASK, qps_at_task, ("bytes", "main"), lower_first=True),
}
assert tuple(RULES) == RULE_NAMES


def rule_of(name: str | None) -> Rule:
    """The rule of that name (None: the default); a UserError naming the rules otherwise."""
    if name is None:
        return RULES[DEFAULT_RULE]
    if name not in RULES:
        raise UserError(f"no ranking rule '{name}'", key="--rule",
                        suggestion="rules: " + ", ".join(RULE_NAMES))
    return RULES[name]


def apply_rule(rows: pd.DataFrame, name: str | None, inp: RuleInput,
               entry: Sequence[str] | None = None) -> pd.DataFrame:
    """The eligible rows ranked by the rule, best first, with columns `rule`, `rule_rank`
    (ties share the lowest rank) and `rule_note` (ties, crossings). With `entry` (columns
    naming a configuration's curve, e.g. model..backend), each entry keeps its best row."""
    rule = rule_of(name)
    ok = rows[_num(rows, inp.main).notna()]
    first, second = rule.columns(inp)
    sel = ok[rule.eligible(ok, inp).fillna(False).to_numpy(bool)]
    sign = -1.0 if rule.lower_first else 1.0
    keys = pd.DataFrame({"a": (sign * _num(sel, first)).fillna(-np.inf),
                         "b": _num(sel, second).fillna(-np.inf)}, index=sel.index)
    order = keys.sort_values(["a", "b"], ascending=False, kind="stable").index
    sel, keys = sel.loc[order].copy(), keys.loc[order]
    if entry:
        kept = ~sel.duplicated(subset=[c for c in entry if c in sel], keep="first")
        sel, keys = sel[kept.to_numpy()], keys[kept.to_numpy()]
    sel["rule"] = rule.name
    sel["rule_rank"] = _tied_ranks(keys)
    sel["rule_note"] = _notes(sel, (first, second))
    if rule.bar_on and len(sel) > 1:
        quality = inp.main if rule.bar_on == "main" else inp.recall
        sel.iloc[0, sel.columns.get_loc("rule_note")] = _crossing(sel, ok, quality, entry)
    return sel


def _tied_ranks(keys: pd.DataFrame) -> list[int]:
    """1, 2, 3, ... except that rows with the same (primary, tie-break) share the lower rank."""
    ranks: list[int] = []
    prev = None
    for pos, key in enumerate(zip(keys["a"], keys["b"], strict=True), start=1):
        ranks.append(ranks[-1] if key == prev else pos)
        prev = key
    return ranks


def _notes(sel: pd.DataFrame, cols: tuple[str, str]) -> list[str]:
    ranks = sel["rule_rank"].tolist()
    counts = pd.Series(ranks).value_counts()
    return [f"tie: {counts[r]} rows with the same {cols[0]} and {cols[1]}" if counts[r] > 1
            else "" for r in ranks]


def _crossing(sel: pd.DataFrame, ok: pd.DataFrame, quality: str,
              entry: Sequence[str] | None) -> str:
    """The winner's note: a ranked configuration whose curve (its rows in `ok`) reaches a
    quality above the winner's best, the best-ranked such one (the curves cross above the bar)."""
    note = str(sel.iloc[0]["rule_note"])
    cols = [c for c in (entry or ()) if c in ok] or [c for c in ("backend", "build_params")
                                                      if c in ok]
    if not cols:
        return note
    best = _num(ok, quality).groupby([ok[c].astype(str) for c in cols]).max()
    key = lambda r: tuple(str(r[c]) for c in cols)  # noqa: E731
    winner = best.get(key(sel.iloc[0]) if len(cols) > 1 else key(sel.iloc[0])[0], np.nan)
    others = [(best.get(key(r) if len(cols) > 1 else key(r)[0], np.nan), i)
              for i, (_, r) in enumerate(sel.iterrows()) if i]
    higher = [(q, i) for q, i in others if np.isfinite(q) and q > winner + 1e-12]
    if not higher:
        return note
    q, i = min(higher, key=lambda h: h[1])  # the best-ranked curve that goes higher
    who = " ".join(str(sel.iloc[i][c]) for c in cols if str(sel.iloc[i][c]) not in ("", "nan"))
    text = (f"crossing: rank {sel.iloc[i]['rule_rank']} ({who}) reaches {quality} {q:.4f}, "
            f"above this row's best {winner:.4f}, but is slower at the bar")
    return "; ".join(x for x in (note, text) if x)
