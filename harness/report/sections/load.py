"""Throughput under load: the load axis's curves (RUN_DIR/load.csv), as tables.

Shown only when the run has load points. At a glance: qps at each client count per
configuration (and its p99); the curve's knee, the first client count whose next step adds
less than KNEE_GAIN of throughput; latency against offered load (the open loop); and
max_qps_at_p99_ms per SLO. The same tables are written to RUN_DIR/report/ as CSV.
"""

from __future__ import annotations

import pandas as pd

from harness.report import html as H
from harness.report.sections.base import ReportContext

KNEE_GAIN = 0.10  # a step of clients that adds less than 10% qps is past the knee
LOAD_CSV = "load.csv"


def _config(frame: pd.DataFrame) -> pd.Series:
    return (frame["backend"].astype(str) + " " + frame["build_params"].astype(str) + " "
            + frame["search_params"].astype(str) + " | " + frame["dataset"].astype(str))


def knee(curve: pd.DataFrame) -> int:
    """The client count after which one more step adds less than KNEE_GAIN qps."""
    c = curve.sort_values("clients")
    clients, qps = c["clients"].tolist(), c["qps"].tolist()
    for i in range(len(qps) - 1):
        if qps[i + 1] < qps[i] * (1 + KNEE_GAIN):
            return int(clients[i])
    return int(clients[-1])


def glance(points: pd.DataFrame) -> pd.DataFrame:
    closed = points[points["kind"] == "closed"].assign(configuration=_config)
    rows = []
    for config, curve in closed.groupby("configuration", sort=True):
        row = {"configuration": config, "clients as": curve["clients_as"].iloc[0],
               "knee (clients)": knee(curve)}
        for _, p in curve.sort_values("clients").iterrows():
            n = int(p["clients"])
            row[f"QPS at {n} clients"] = p["qps"]
            row[f"p99 ms at {n}"] = p["latency_p99_ms"]
        rows.append(row)
    return pd.DataFrame(rows)


class LoadSection:
    anchor = "load"
    title = "Throughput under load"
    order = 35  # after growth with the corpus, before the results table

    def render(self, ctx: ReportContext) -> str:
        path = ctx.run.dir / LOAD_CSV
        if not path.is_file():
            return ""
        points = pd.read_csv(path)
        if points.empty:
            return ""
        at = glance(points)
        parts = ["<p>Concurrent clients on one built index after each cell's measurement "
                 "(the suite's <code>load:</code>). Closed loop: each client sends its next "
                 "query when answered. The knee is the first client count whose next step "
                 f"adds less than {KNEE_GAIN:.0%} qps.</p>",
                 H.table(at, [H.Col(c) for c in at.columns], table_id="load-glance",
                         caption=f"QPS at N clients ({ctx.offer('load_glance.csv', at)})")]
        opened = points[points["kind"] == "open"].assign(configuration=_config)
        if len(opened):
            cols = ["configuration", "rate", "offered_qps", "qps", "latency_p50_ms",
                    "latency_p99_ms", "latency_max_ms"]
            shown = opened[cols]
            parts.append(H.table(shown, [H.Col(c) for c in cols], table_id="load-open",
                                 caption="Latency against offered load (Poisson arrivals, "
                                 "latency from the scheduled arrival: queueing included; "
                                 f"{ctx.offer('load_open.csv', shown)})"))
        slo = points[points["kind"] == "slo"].assign(configuration=_config)
        if len(slo):
            cols = ["configuration", "slo_p99_ms", "slo_from", "max_qps_at_p99_ms"]
            parts.append(H.table(slo[cols], [H.Col(c) for c in cols], table_id="load-slo",
                                 caption="The highest measured qps whose p99 meets each SLO"))
        return "".join(parts)
