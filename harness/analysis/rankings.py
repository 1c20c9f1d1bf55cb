"""Index configurations ranked two ways: by recall against exact search and by the task metric."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from harness.analysis.rule_names import TASK_AT_SPEED
from harness.analysis.rules import RuleInput, apply_rule
from harness.analysis.rules import speed_floor as speed_floor_of
from harness.analysis.stats import bootstrap_ci

AXES = ["dataset", "model", "dim", "precision", "metric"]


def axes_of(frame: pd.DataFrame) -> list[str]:
    """The grouping axes; with a corpus-size axis (n_docs varies within a dataset) the
    corpus size too: configurations are compared at one N, never across sizes."""
    if "n_docs" in frame and frame.groupby("dataset")["n_docs"].nunique().max() > 1:
        return [*AXES, "n_docs"]
    return AXES


def kendall_tau(a: Sequence[float], b: Sequence[float]) -> float:
    """Kendall's tau-b between two score lists (ties handled as in scipy)."""
    from scipy.stats import kendalltau

    if len(a) < 2:
        return float("nan")
    return float(kendalltau(a, b).statistic)


@dataclass(frozen=True)
class Ranking:
    group: dict
    table: pd.DataFrame  # configurations with recall rank and task rank
    tau: float
    inversions: pd.DataFrame  # higher recall, lower task metric beyond the paired 95% CI


PerQuery = Callable[[dict], "np.ndarray | None"]


def rankings(
    frame: pd.DataFrame,
    task_metric: str,
    recall: str = "knn_recall@10",
    perquery: PerQuery | None = None,
) -> list[Ranking]:
    """Per (dataset, model, dim, precision, metric): index configurations ranked two ways.

    An inversion is a pair where the higher-recall configuration has the lower task metric,
    and (with per-query arrays) the paired bootstrap 95% CI of the task-metric difference
    excludes zero, so noise between near-equal configurations is not reported.
    """
    ok = frame[
        (frame.get("status") == "ok") & frame[task_metric].notna() & frame[recall].notna()
    ].copy()
    out: list[Ranking] = []
    axes = axes_of(ok)
    for keys, g in ok.groupby(axes, dropna=False, sort=True):
        if len(g) < 2:
            continue
        g = g.assign(
            config=g["backend"]
            + " "
            + g["build_params"].fillna("")
            + " "
            + g["search_params"].fillna("")
        )
        g = g.assign(
            recall_rank=g[recall].rank(ascending=False, method="min"),
            task_rank=g[task_metric].rank(ascending=False, method="min"),
        )
        pairs = []
        rows = g.to_dict("records")
        for a in rows:
            for b in rows:
                if not (a[recall] > b[recall] and a[task_metric] < b[task_metric]):
                    continue
                ci = None
                if perquery is not None:
                    pa, pb = perquery(a), perquery(b)
                    if pa is not None and pb is not None and pa.shape == pb.shape:
                        ci = bootstrap_ci(pb - pa)
                        if ci.low <= 0:
                            continue  # within noise
                pairs.append(
                    {
                        "higher_recall": a["config"],
                        "recall_a": a[recall],
                        "task_a": a[task_metric],
                        "lower_recall": b["config"],
                        "recall_b": b[recall],
                        "task_b": b[task_metric],
                        "task_gap": b[task_metric] - a[task_metric],
                        "gap_ci_low": ci.low if ci else float("nan"),
                        "gap_ci_high": ci.high if ci else float("nan"),
                    }
                )
        out.append(
            Ranking(
                group=dict(zip(axes, keys, strict=True)),
                table=g.sort_values("task_rank")[
                    ["config", recall, task_metric, "recall_rank", "task_rank", "qps"]
                ],
                tau=kendall_tau(g[recall].tolist(), g[task_metric].tolist()),
                inversions=pd.DataFrame(pairs),
            )
        )
    return out


def speed_floor(groups: pd.core.groupby.DataFrameGroupBy) -> float:
    """The fastest qps every group (an index build, a family) reaches."""
    return float(groups["qps"].max().min())


def best_at_speed(rows: pd.DataFrame, by: str, task_metric: str) -> tuple[float, pd.Series]:
    """Per value of `by`: the best task metric among its rows at or above the speed floor,
    by the named rule `task@matched-speed` (harness.analysis.rules)."""
    rows = rows[rows[task_metric].notna() & rows["qps"].notna()]
    inp = RuleInput(task_metric, group=by)
    ranked = apply_rule(rows, TASK_AT_SPEED, inp, entry=[by])
    best = ranked.set_index(by)[task_metric].sort_index()
    return speed_floor_of(rows, inp), best


def rankings_at_speed(frame: pd.DataFrame, task_metric: str,
                      recall: str = "knn_recall@10") -> pd.DataFrame:
    """Index builds compared at matched speed.

    Per (dataset, model, dim, precision, metric), ANN builds only (exact search is the
    reference): the speed floor is the fastest qps every build reaches; each build is
    represented by its highest-recall search setting at or above that floor, then ranked by
    recall and by the task metric (Kendall's tau between the two rankings).
    """
    ok = frame[(frame.get("status") == "ok") & frame[task_metric].notna()
               & frame[recall].notna() & frame["qps"].notna()]
    ok = ok[ok["backend"] != "exact"]  # the reference, not a speed/quality trade-off
    rows = []
    axes = axes_of(ok)
    for keys, g in ok.groupby(axes, dropna=False, sort=True):
        builds = g.groupby(["backend", "build_params"], dropna=False)
        if builds.ngroups < 2:
            continue
        floor = speed_floor(builds)
        picked = []
        for (backend, params), b in builds:
            fast = b[b["qps"] >= floor]
            best = fast.sort_values([recall, task_metric], ascending=False).iloc[0]
            picked.append({"config": f"{backend} {params} {best['search_params']}",
                           recall: best[recall], task_metric: best[task_metric],
                           "qps": best["qps"]})
        p = pd.DataFrame(picked)
        by_recall = p.sort_values(recall, ascending=False)["config"].tolist()
        by_task = p.sort_values(task_metric, ascending=False)["config"].tolist()
        rows.append({**dict(zip(axes, keys, strict=True)), "builds": len(p),
                     "speed_floor_qps": floor,
                     "kendall_tau": kendall_tau(p[recall].tolist(), p[task_metric].tolist()),
                     "best_by_recall": by_recall[0], "best_by_task": by_task[0],
                     "same_winner": by_recall[0] == by_task[0]})
    return pd.DataFrame(rows)
