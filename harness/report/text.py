"""Plain-text renderers of a Leaderboard and a Comparison for the terminal: every line within
100 columns (harness/console.py cuts long cells and wraps wide tables into column blocks;
free text is wrapped). The HTML and CSV renderers live beside the objects."""

from __future__ import annotations

import pandas as pd

from harness.console import table, wrap
from harness.report import html as H

# The leaderboard's columns and headers, before and after the ranked value.
TEXT_COLS = {"rank": "rank", "model": "model", "dim": "dim", "dim_method": "dim by",
             "precision": "precision", "backend": "backend", "metric": "distance",
             "params": "params"}  # fmt: skip
TEXT_COLS_AFTER = {"knn_recall@10": "knn@10", "qps": "qps", "latency_p99_ms": "p99_ms",
                   "bytes_per_doc": "bytes/doc", "usd_per_1m_queries": "$/1M_q", "run_id": "run",
                   "flag": "flag", "rule_note": "rule note"}  # fmt: skip
# machine_speed: the drift probes' ratio; qps_range and speed: the ratio's range from the
# repeats (per probe pass) and its verdict (analysis/speed.py)
COMPARE_COLS = ["main_metric", "a", "b", "diff", "ci", "p_value", "p_holm", "qps_a", "qps_b",
                "qps_ratio", "machine_speed", "qps_range", "speed"]


def leaderboard_text(ranked: pd.DataFrame, warnings: list[str], rule: str) -> str:
    """A Leaderboard's ranked table, one block per dataset group, after its warnings; every
    block names the ranking rule."""
    out = [wrap(f"! {w}") for w in warnings]
    if ranked.empty:  # the warnings say why (no runs, no metric values); else this line
        return "\n".join(out) or "(no results)"
    for (ds, fp, metric), g in ranked.groupby(
        ["dataset", "dataset_fingerprint", "main_metric"], sort=False
    ):
        runs = ", ".join(dict.fromkeys(g["run_id"]))
        out.append(wrap(f"\n== {ds} (data {str(fp)[:8]}) rule {rule}, metric {metric}; "
                        f"runs: {runs}"))
        cols = {**TEXT_COLS, "value": metric, **TEXT_COLS_AFTER}
        shown = pd.DataFrame({
            head: [H.fmt(metric if col == "value" else col, v) for v in g[col]]
            for col, head in cols.items() if col in g
        })  # fmt: skip
        out.append(table(shown))
        out += [wrap(f"rank {r}: {v}") for r, v in zip(g["rank"], g.get("vs_next", []),
                                                       strict=False) if v]
    return "\n".join(out)


def comparison_text(runs: tuple[str, str], pairs: pd.DataFrame, warnings: list[str],
                    only: tuple[list[str], list[str]]) -> str:
    """A Comparison's matched configurations numbered (#1, #2, ...), their labels in full below;
    `runs` and `only` are (A, B) pairs: the run ids, the configurations of one run alone."""
    out = [f"A = {runs[0]}\nB = {runs[1]}"]
    out += [wrap(f"! {w}") for w in warnings]
    if pairs.empty:
        out.append("no configuration is in both runs")
    else:
        shown = pairs[[c for c in COMPARE_COLS if c in pairs]].copy()
        for c in ("a", "b"):
            shown[c] = shown[c].map(lambda v: f"{v:.4f}")
        shown["diff"] = shown["diff"].map(lambda v: f"{v:+.4f}")
        for c in ("p_value", "p_holm"):
            shown[c] = [H.fmt("p_value", v) for v in shown[c]]
        for c in ("qps_a", "qps_b"):
            if c in shown:
                shown[c] = [H.fmt("qps", v) for v in shown[c]]
        for c in ("qps_ratio", "machine_speed"):
            if c in shown:
                shown[c] = [f"{v:.2f}" if pd.notna(v) else "" for v in shown[c]]
        shown.insert(0, "#", [f"#{i + 1}" for i in range(len(shown))])
        out.append(table(shown))
        out += [wrap(f"#{i + 1} = {label}") for i, label in enumerate(pairs["config"])]
        out += [wrap(f"#{i + 1} latency: {v}") for i, v in
                enumerate(pairs.get("speed_verdict", pd.Series(dtype=str))) if v]
    out += [f"only in {side}: {len(o)} configuration(s)" for side, o in zip("AB", only,
                                                                             strict=True) if o]
    return "\n".join(out)
