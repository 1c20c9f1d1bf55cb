"""What a configuration costs to run, in US dollars, from measured figures only.

One place for the formulas (the result table, `harness best`, the leaderboard and the report
all read the columns made here). With `h` the instance price per hour and `c` its cores:

    usd_per_1m_docs_encoded = h / 3600 * 1e6 / encode_docs_per_s
    usd_per_1m_docs_indexed = h / 3600 * build_s * 1e6 / n_docs
    usd_per_1m_queries      = h / 3600 * 1e6 / (qps * c)
    usd_per_month_ram       = (bytes_per_doc * n_docs + index_fixed_bytes) / 2**30
                              * usd_per_gb_month

Encoding and the build are priced as measured: their wall time on the whole instance (they use
every thread they were given). Queries are priced from the load axis when the row has a load
curve (`usd_per_1m_queries_basis` = load): its saturated qps (`load_qps`, the closed loop's
highest) per busy core, min(load_clients, load_cores), times the instance's cores:

    usd_per_1m_queries      = h / 3600 * 1e6 / (load_qps / min(load_clients, load_cores) * c)

Without a load curve the fallback is the measured single-thread qps times the instance's cores
(basis "single-thread x cores": one query stream per core, which over-states a GIL-bound or
memory-bound backend; `batch_qps` is not used). RAM is what the row's
search holds in memory (bytes_per_doc: the index's codes, links, lists and ids, rescoring
vectors, a hybrid row's lexical index; plus the index's fixed part) for a month; rows written
before bytes_per_doc existed are priced at their serialized index_bytes. A figure that was not
measured (encoding read from a cache entry without a record, given vectors, a failed row)
gives no cost: NaN, never an estimate.

The defaults are AWS EC2 on-demand list prices, us-east-1, Linux: m7i.xlarge (4 vCPUs, 16 GiB)
at $0.2016 per hour; memory at the price difference of r7i.xlarge (4 vCPUs, 32 GiB, $0.2646 per
hour) over m7i.xlarge, i.e. $0.063 for 16 GiB an hour = $2.874 per GiB-month (730 hours).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, StrictFloat, StrictInt

HOURS_PER_MONTH = 730.0  # 365 * 24 / 12, as cloud price lists count a month
GIB = 2**30


class Prices(BaseModel):
    """The instance a configuration would run on: a suite's `costs:` block (validated here:
    positive numbers, known keys), these defaults where it says nothing."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    usd_per_hour: StrictFloat = Field(default=0.2016, gt=0, allow_inf_nan=False)  # m7i.xlarge
    cores: StrictInt = Field(default=4, gt=0)  # its vCPUs
    usd_per_gb_month: StrictFloat = Field(  # r7i.xlarge - m7i.xlarge, per GiB
        default=0.063 / 16 * HOURS_PER_MONTH, ge=0, allow_inf_nan=False)

    @classmethod
    def of(cls, block: Mapping[str, Any] | None) -> Prices:
        """The prices of a `costs:` block (ValidationError when it is not valid)."""
        return cls.model_validate(dict(block or {}))


COST_COLUMNS = ("usd_per_1m_docs_encoded", "usd_per_1m_docs_indexed", "usd_per_1m_queries",
                "usd_per_month_ram")


def _numbers(frame: pd.DataFrame, col: str) -> pd.Series:
    """The column as float64, NaN where it is absent or not a number."""
    if col not in frame:
        return pd.Series(float("nan"), index=frame.index)
    return pd.to_numeric(frame[col], errors="coerce").astype("float64")


def _positive(frame: pd.DataFrame, col: str) -> pd.Series:
    values = _numbers(frame, col)
    return values.where(values > 0)


def cost_columns(frame: pd.DataFrame, prices: Prices) -> pd.DataFrame:
    """The four $ columns of each result row (NaN where a measured figure is missing)."""
    per_s = prices.usd_per_hour / 3600.0
    out = pd.DataFrame(index=frame.index)
    out["usd_per_1m_docs_encoded"] = per_s * 1e6 / _positive(frame, "encode_docs_per_s")
    out["usd_per_1m_docs_indexed"] = (per_s * _numbers(frame, "build_s") * 1e6
                                      / _positive(frame, "n_docs"))
    out["usd_per_1m_queries"] = per_s * 1e6 / (_positive(frame, "qps") * prices.cores)
    # measured under load (harness/execution/load): the saturated qps per busy core
    per_core = _positive(frame, "load_qps") / np.minimum(_positive(frame, "load_clients"),
                                                          _positive(frame, "load_cores"))
    measured = per_core.notna()
    out.loc[measured, "usd_per_1m_queries"] = per_s * 1e6 / (per_core[measured] * prices.cores)
    out["usd_per_1m_queries_basis"] = np.where(
        measured, "load", np.where(out["usd_per_1m_queries"].notna(), "single-thread x cores",
                                   ""))
    held = (_numbers(frame, "bytes_per_doc") * _positive(frame, "n_docs")
            + _numbers(frame, "index_fixed_bytes").fillna(0.0))
    held = held.fillna(_positive(frame, "index_bytes"))  # older rows: the serialized index
    out["usd_per_month_ram"] = held / GIB * prices.usd_per_gb_month
    if "status" in frame:
        out.loc[frame["status"].astype(str) != "ok"] = float("nan")
    return out


def with_costs(frame: pd.DataFrame, prices: Prices) -> pd.DataFrame:
    """The frame with its cost columns (re)computed."""
    if frame.empty:
        return frame
    return frame.assign(**cost_columns(frame, prices))
