"""What fusion buys: each hybrid row against its dense leg alone and its lexical leg alone.

For a hybrid row (a dense cell's search setting fused with a lexical retriever), the dense
leg is the same cell's setting without the hybrid keys, and the lexical leg is the lexical
model's own row on the same dataset with the same options. Gains are the main metric's
difference, with paired bootstrap 95% CIs over the evaluated queries (a gain whose CI
excludes 0 is beyond noise).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from harness.analysis.stats import bootstrap_ci
from harness.store.row import params as parse_params

FUSION = ("hybrid", "fusion", "rrf_k", "alpha", "norm", "lexical")
PerQuery = Callable[[dict], "np.ndarray | None"]


def _dense_params(search_params: str) -> str:
    params = {k: v for k, v in parse_params(search_params).items() if k not in FUSION}
    return json.dumps(params, sort_keys=True)


def _lexical_key(params: dict[str, Any]) -> str:
    return json.dumps({k: v for k, v in params.items() if k != "ref"}, sort_keys=True)


def hybrid_table(frame: pd.DataFrame, name: str, perquery: PerQuery) -> pd.DataFrame:
    ok = frame[frame["status"] == "ok"] if "status" in frame else frame
    if "lexical_bytes" not in ok or name not in ok:
        return pd.DataFrame()
    hybrid = ok[ok["lexical_bytes"].notna()]
    dense = ok[ok["lexical_bytes"].isna() & (ok.get("family") != "lexical")]
    lexical = ok[ok.get("family") == "lexical"]
    rows = []
    for _, h in hybrid.iterrows():
        params = parse_params(h["search_params"])
        same = dense[(dense["cell_id"] == h["cell_id"])
                     & (dense["search_params"].map(_dense_params)
                        == _dense_params(h["search_params"]))]
        lex = lexical[(lexical["dataset"] == h["dataset"])
                      & (lexical["build_params"].map(lambda b: _lexical_key(parse_params(b)))
                         == _lexical_key(params.get("lexical", {})))]
        rows.append({
            **{c: h[c] for c in ("dataset", "model", "dim", "precision", "metric", "backend",
                                 "build_params", "search_params")},
            "main_metric": name, "hybrid": h[name],
            **_gain("dense", h, same, name, perquery),
            **_gain("lexical", h, lex, name, perquery),
        })
    return pd.DataFrame(rows)


def _gain(leg: str, h: pd.Series, match: pd.DataFrame, name: str,
          perquery: PerQuery) -> dict[str, Any]:
    if match.empty:
        return {f"{leg}_only": np.nan, f"gain_over_{leg}": np.nan}
    other = match.iloc[0]
    out = {f"{leg}_only": other[name], f"gain_over_{leg}": h[name] - other[name]}
    a, b = perquery(other.to_dict()), perquery(h.to_dict())
    if a is not None and b is not None and a.shape == b.shape:
        ci = bootstrap_ci(b - a)
        out |= {f"gain_over_{leg}_ci_low": ci.low, f"gain_over_{leg}_ci_high": ci.high}
    return out
