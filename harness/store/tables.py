"""The results tables as Parquet with fixed types, for pandas, polars and duckdb.

results.parquet is the wide table (one row per cell x search setting, one column per metric);
its numeric columns are typed even when every value is missing (batch_qps is None for most
backends, and a column of None alone would be Arrow type null, which other runs' float64
cannot be concatenated with).

results_long.parquet is the tidy table: one row per result row x quality metric (every column
named `family@k`: task metrics and knn_recall@k), with one schema for every run, so that

    polars.read_parquet("results/*/results_long.parquet")
    duckdb.sql("select * from 'results/*/results_long.parquet'")

read several runs at once with no options. Parameters are a list of typed entries
(scope 'build'|'search', name, number or null, text) rather than one column per parameter,
whose set differs per backend and so per run. A failed row appears once, with metric null and
its status. The metric column is called `measure` because the wide table's `metric` is the
distance (here `distance`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from io import BytesIO
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from harness.metrics.costs import COST_COLUMNS

# Numeric columns of a result row (harness.execution.runner): float64 in the wide table.
FLOAT_COLUMNS = ("encode_docs_per_s", "encode_s", "model_load_s", "build_s", "peak_rss_mb",
                 "code_bytes_per_vector", "bytes_per_doc", "rescore_bytes_per_doc",
                 "disk_bytes_per_doc", "qps",
                 "qps_min", "qps_max", "batch_qps", "latency_p50_ms", "latency_p95_ms",
                 "latency_p99_ms", "latency_mean_ms", *COST_COLUMNS)
INT_COLUMNS = ("dim", "n_docs", "n_queries", "k", "index_bytes", "index_fixed_bytes", "setting",
               "query_batch")
#: Columns renamed since rows of schema version 1 were written: old name -> new name. Version 1
#: rows called the precision's code size `bytes_per_vector`; they have no `bytes_per_doc`.
RENAMED_V1 = {"bytes_per_vector": "code_bytes_per_vector"}


def upgraded_row(row: Mapping[str, Any]) -> dict[str, Any]:
    """A result row of schema version 1 under today's column names. Version 1 put a bm25
    row's index per document in bytes_per_vector (today's bytes_per_doc), and a hybrid row's
    code size plus its lexical index per document (the code size is taken back out)."""
    out = {RENAMED_V1.get(k, k): v for k, v in row.items()}
    old = _number(row.get("bytes_per_vector"))
    lexical, n = _number(row.get("lexical_bytes")), _number(row.get("n_docs"))
    if old is not None and row.get("dim_method") == "lexical":
        out["bytes_per_doc"], out["code_bytes_per_vector"] = old, None
    elif old is not None and lexical is not None and n:
        out["code_bytes_per_vector"] = round(old - lexical / n, 6)  # code sizes are whole
    return out


def upgraded_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A results table (results.csv) of any version under today's column names."""
    if not set(RENAMED_V1) & set(frame.columns) or set(RENAMED_V1.values()) & set(frame):
        return frame
    return pd.DataFrame([upgraded_row(r) for r in frame.to_dict("records")])

PARAM = pa.struct([("scope", pa.string()), ("name", pa.string()), ("number", pa.float64()),
                   ("text", pa.string())])
LONG_SCHEMA = pa.schema([
    ("run_id", pa.string()), ("cell_id", pa.string()), ("setting", pa.int64()),
    ("dataset", pa.string()), ("model", pa.string()), ("dim", pa.int64()),
    ("dim_method", pa.string()), ("precision", pa.string()), ("distance", pa.string()),
    ("backend", pa.string()), ("params", pa.list_(PARAM)), ("build_params", pa.string()),
    ("search_params", pa.string()), ("k", pa.int64()), ("n_queries", pa.int64()),
    ("measure", pa.string()), ("value", pa.float64()),
    ("qps", pa.float64()), ("latency_p50_ms", pa.float64()), ("latency_p99_ms", pa.float64()),
    ("bytes_per_doc", pa.float64()), ("code_bytes_per_vector", pa.float64()),
    ("index_bytes", pa.int64()), ("build_s", pa.float64()),
    ("status", pa.string()), ("finished_at", pa.timestamp("us", tz="UTC")),
])


def wide_parquet(frame: pd.DataFrame) -> bytes:
    """results.parquet: the frame with its numeric columns typed even when all missing."""
    df = frame.copy()
    for col in FLOAT_COLUMNS:
        if col in df:
            df[col] = pd.to_numeric(df[col], errors="coerce").astype("float64")
    for col in INT_COLUMNS:
        if col in df:
            df[col] = pd.to_numeric(df[col], errors="coerce").astype("Int64")
    return _parquet(pa.Table.from_pandas(df, preserve_index=False))


def long_parquet(frame: pd.DataFrame, run_id: str) -> bytes:
    """results_long.parquet (see the module docstring)."""
    return _parquet(long_table(frame, run_id))


def long_table(frame: pd.DataFrame, run_id: str) -> pa.Table:
    measures = [c for c in frame.columns if "@" in str(c)]
    records: list[dict[str, Any]] = []
    for row in frame.to_dict("records"):
        base = _base(row, run_id)
        got = [(m, row[m]) for m in measures if _number(row.get(m)) is not None]
        if row.get("status") != "ok" or not got:
            records.append({**base, "measure": None, "value": None})
        records += [{**base, "measure": m, "value": float(v)} for m, v in got]
    return pa.Table.from_pylist(records, schema=LONG_SCHEMA)


def _base(row: Mapping[str, Any], run_id: str) -> dict[str, Any]:
    def num(col: str, kind: type) -> Any:
        v = _number(row.get(col))
        return None if v is None else kind(v)

    return {
        "run_id": run_id, "cell_id": row.get("cell_id"), "setting": num("setting", int),
        **{c: _text(row.get(c)) for c in ("dataset", "model", "dim_method", "precision",
                                          "backend", "build_params", "search_params",
                                          "status")},
        "dim": num("dim", int), "distance": _text(row.get("metric")),
        "params": _params("build", row.get("build_params")) +
        _params("search", row.get("search_params")),
        "k": num("k", int), "n_queries": num("n_queries", int), "qps": num("qps", float),
        "latency_p50_ms": num("latency_p50_ms", float),
        "latency_p99_ms": num("latency_p99_ms", float),
        "bytes_per_doc": num("bytes_per_doc", float),
        "code_bytes_per_vector": num("code_bytes_per_vector", float),
        "index_bytes": num("index_bytes", int), "build_s": num("build_s", float),
        "finished_at": _time(row.get("finished_at")),
    }


def _params(scope: str, text: Any) -> list[dict[str, Any]]:
    try:
        params = json.loads(text) if isinstance(text, str) and text else {}
    except json.JSONDecodeError:
        params = {}
    return [{"scope": scope, "name": str(k), "number": _number(v),
             "text": v if isinstance(v, str) else json.dumps(v)}
            for k, v in sorted(params.items())]


def _number(v: Any) -> float | None:
    """A finite-or-inf number, or None (missing, NaN, text, bool)."""
    if isinstance(v, bool) or not isinstance(v, int | float) or v != v:
        return None
    return float(v)


def _text(v: Any) -> str | None:
    return None if v is None or (isinstance(v, float) and v != v) else str(v)


def _time(v: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(v) if isinstance(v, str) else None
    except ValueError:
        return None


def _parquet(table: pa.Table) -> bytes:
    buf = BytesIO()
    pq.write_table(table, buf)
    return buf.getvalue()
