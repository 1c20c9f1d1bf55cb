"""Throughput under load: the load axis's curves (RUN_DIR/load.csv), as tables.

Shown only when the run has load points. A figure (plots/load.py): QPS vs p99 per
configuration, and latency vs offered load with the knee ringed. At a glance: qps at each
client count per configuration (and its p99); the curve's knee, the first client count
whose next step adds less than KNEE_GAIN of throughput; latency against offered load (the
open loop); and max_qps_at_p99_ms per SLO. The same tables are written to RUN_DIR/report/ as CSV.
"""

from __future__ import annotations

import pandas as pd

from harness.report import html as H
from harness.report.data import params_text
from harness.report.plots import style
from harness.report.plots.load import KNEE_GAIN, KNEE_LATENCY, knee, load_view
from harness.report.sections.base import ReportContext

LOAD_CSV = "load.csv"


def _config(frame: pd.DataFrame) -> pd.Series:
    """'faiss-hnsw M=16,efConstruction=100 · efSearch=64', then the dataset, model and
    precision when the run has more than one of them."""
    text = [" ".join(x for x in (str(r["backend"]), params_text(r["build_params"])) if x)
            + (f" · {params_text(r['search_params'])}" if params_text(r["search_params"])
               else "") for _, r in frame.iterrows()]
    out = pd.Series(text, index=frame.index, dtype=object)
    for col in ("dataset", "model", "precision"):
        if col in frame and frame[col].nunique() > 1:
            out = out + " | " + frame[col].astype(str)
    return out


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
        closed = points[points["kind"] == "closed"].assign(configuration=_config)
        with style.literal_text():
            svg = load_view(closed, opened, salt="load")
        if svg:
            parts.insert(1, H.figure(
                svg, "QPS vs p99, and latency vs offered load",
                "Left: one line per configuration, a point per closed-loop client count "
                "(its label); the ring is the knee. Right: open-loop latency from each "
                "arrival (solid p99, dashed p50) against the offered rate; the dotted line is "
                "the closed loop's highest qps; the ring is the highest offered load whose p99 "
                f"stays within {KNEE_LATENCY:g}x its value at the lowest rate.", "fig-load"))
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
