"""Encode every (model, dataset) a plan needs before its cells run.

With an executor whose cells run concurrently (Ray), two cells of one model would otherwise
both encode the same corpus; here each encoding is done once, chunk by chunk wherever the
context's chunk mapper sends the chunks, and the cells then read it from the cache.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from harness.inputs.cell_inputs import CellInputs
from harness.plan.cell import Cell
from harness.plan.refs import model_modality

log = logging.getLogger("harness")


def pre_encode(cells: Iterable[Cell], ctx: CellInputs) -> int:
    """Encodings made (cache hits excluded) for the text cells among `cells`."""
    before = ctx.encode_calls
    seen: set[str] = set()
    for cell in cells:
        key = json.dumps([cell.dataset, cell.model, cell.seed], sort_keys=True)
        if key in seen or model_modality(cell.model_ref) == "vectors":
            continue
        seen.add(key)
        ctx.vectors(cell, ctx.dataset(cell))
    return ctx.encode_calls - before


ENCODE_COLUMNS = ("encoded", "encode_s", "encode_docs_per_s", "model_load_s")


def encodings(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The manifest's encode figures per (model, dataset) from the result rows: how the
    documents were had ("now", "cache", "given"), their encoding time and rate without the
    model load, and the load. A model encoded now in one cell and read from the cache by the
    others lists the cell that encoded it."""
    if frame.empty or "encoded" not in frame:
        return []
    out = []
    rows = frame[frame["encoded"].isin(["now", "cache"])]
    for (model, dataset), group in rows.groupby(["model", "dataset"], sort=True):
        now = group[group["encoded"] == "now"]
        row = (now if len(now) else group).iloc[0]
        out.append({"model": model, "dataset": dataset, "n_docs": _plain(row.get("n_docs")),
                    **{c: _plain(row.get(c)) for c in ENCODE_COLUMNS}})
    return out


def _plain(v: Any) -> Any:
    """A JSON value: numpy scalars as Python ones, NaN as None."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    return v.item() if isinstance(v, np.generic) else v
