"""Encode every (model, dataset) a plan needs before its cells run.

With an executor whose cells run concurrently (Ray), two cells of one model would otherwise
both encode the same corpus; here each encoding is done once, chunk by chunk wherever the
context's chunk mapper sends the chunks, and the cells then read it from the cache.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable

from harness.cell import Cell
from harness.execution.context import RunContext
from harness.plugins import model_modality

log = logging.getLogger("harness")


def pre_encode(cells: Iterable[Cell], ctx: RunContext) -> int:
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
