"""load.csv: the load axis's points (one row per cell x setting x point), joined to the
result row's configuration, so that a curve is read without a join by hand.

`kind` is closed (N closed-loop clients), open (Poisson arrivals at `offered_qps`, latency
from the scheduled arrival), batch (one thread, `batch_size` queries a call) or slo
(`max_qps_at_p99_ms` for `slo_p99_ms`, read from the open points, else the closed ones).
Written from the cell records once per run, like results.csv.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

#: the result row's columns load.csv repeats (the configuration the point was measured at)
CONFIG = ("dataset", "model", "dim", "precision", "metric", "backend", "build_params",
          "search_params", "corpus_size", "n_docs", "k")
POINT = ("cell_id", "setting", "kind", "clients", "clients_as", "offered_qps", "rate",
         "batch_size", "qps", "latency_p50_ms", "latency_p95_ms", "latency_p99_ms",
         "latency_max_ms", "n_queries", "wall_s", "cpu_s", "cpu_util", "cores",
         "slo_p99_ms", "slo_from", "max_qps_at_p99_ms", "machine_loaded", "note")


def load_frame(records: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """The load points of the stored cell records (an empty frame when none has any)."""
    out: list[dict[str, Any]] = []
    for rec in records:
        by_setting = {r.get("setting"): r for r in rec.get("rows") or []}
        for point in rec.get("load") or []:
            row = by_setting.get(point.get("setting"), {})
            out.append({**{c: point.get(c) for c in POINT},
                        **{c: row.get(c) for c in CONFIG}})
    return pd.DataFrame(out, columns=[*POINT, *CONFIG])
