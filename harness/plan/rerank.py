"""The rerank axis at plan time: each first-stage cell crossed with the suite's second stages,
and what a `rerank` entry can get wrong (one line each, located at the suite's line).

A cell's `rerank` is a plain dict: `kind` ('bi' or 'cross'), `model` (a ModelRef dict for a
bi-encoder, {'ref': folder or hub id} for a cross-encoder), `label`, `candidates` (the
first stage's depth, at least k) and `batch_size`. Without a second stage it is None and the
cell's id is the one it had before the axis existed.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from harness.encoders.cross import CROSS_PREFIX, locate_cross_encoder
from harness.errors import UserError
from harness.plan.cell import Cell
from harness.plan.refs import dataset_modality, model_plugin
from harness.suite.rerank_spec import RerankSpec
from harness.suite.schema import DatasetRef, LoadedSuite, ModelRef

log = logging.getLogger("harness")


def is_cross(model: str) -> bool:
    return model.startswith(CROSS_PREFIX)


def _bi_model(loaded: LoadedSuite, model: str) -> ModelRef:
    """A suite model the entry names (by label or reference: the same cached vectors), else
    a new reference."""
    named = [m for m in loaded.suite.models if model in (m.ref, m.label)]
    return named[0] if named else ModelRef(ref=model)


def stages(loaded: LoadedSuite) -> list[dict[str, Any] | None]:
    """The suite's second stages, one per (entry, candidates); None is 'none'. Candidates
    below k are raised to k (a re-ranker keeps k of them), with a warning."""
    k = loaded.suite.k
    out: list[dict[str, Any] | None] = []
    for i, entry in enumerate(loaded.suite.rerank):
        if not isinstance(entry, RerankSpec):
            out.append(None)
            continue
        for c in entry.candidates:
            if c < k:
                log.warning("%s: rerank[%d]: candidates %d < k %d, raised to %d",
                            loaded.file, i, c, k, k)
            out.append(stage_of(loaded, entry, max(c, k)))
    unique = {repr(s): s for s in out}
    return list(unique.values())


def stage_of(loaded: LoadedSuite, entry: RerankSpec, candidates: int) -> dict[str, Any]:
    if is_cross(entry.model):
        ref = entry.model[len(CROSS_PREFIX):]
        model: dict[str, Any] = {"ref": ref}
        kind, label = "cross", entry.model
    else:
        bi = _bi_model(loaded, entry.model)
        model, kind, label = bi.model_dump(), "bi", bi.label
    return {"kind": kind, "model": model, "label": label, "candidates": candidates,
            "batch_size": entry.batch_size}


def with_stages(cells: list[Cell], second: list[dict[str, Any] | None]) -> list[Cell]:
    """Every first-stage cell once per second stage (None keeps the cell as it is)."""
    return [cell if s is None else replace(cell, rerank=s) for cell in cells for s in second]


def check_rerank(loaded: LoadedSuite) -> list[UserError]:
    """An unknown re-ranker, a lexical one, a re-ranker reading texts on data without texts."""
    errors: list[UserError] = []
    if not any(isinstance(e, RerankSpec) for e in loaded.suite.rerank):
        return errors
    vector_data = [d.label for d in loaded.suite.datasets if _modality(d) == "vectors"]
    for i, entry in enumerate(loaded.suite.rerank):
        if not isinstance(entry, RerankSpec):
            continue
        key = f"rerank[{i}].model"
        problem = _problem(entry, _bi_model(loaded, entry.model).ref, key, vector_data)
        if problem is not None:
            errors.append(problem.located(loaded.file, loaded.line("rerank", i)))
    return errors


def _modality(ref: DatasetRef) -> str | None:
    """The dataset's modality; None for a reference check_suite reports as unknown."""
    try:
        return dataset_modality(ref)
    except UserError:
        return None


def _problem(entry: RerankSpec, ref: str, key: str, vector_data: list[str]
             ) -> UserError | None:
    if is_cross(entry.model):
        name = entry.model[len(CROSS_PREFIX):]
        if vector_data:
            return UserError(f"a cross-encoder reads texts; dataset '{vector_data[0]}' holds "
                             "vectors", key=key, suggestion="re-rank it with a bi-encoder, or "
                             "leave rerank out for vector datasets")
        if locate_cross_encoder(name) is None:
            return UserError(f"cross-encoder '{name}' is neither a folder nor a model in the "
                             "local Hugging Face cache", key=key, suggestion="give a folder "
                             "saved by sentence-transformers (or holding model.onnx), or "
                             "download the hub model once with huggingface-cli download")
        return None
    try:
        plugin, arg, entry_ = model_plugin(ref, key)
    except UserError as exc:
        return UserError(f"unknown re-ranker: {exc.message}", key=key,
                         suggestion=exc.suggestion or f"or a cross-encoder as '{CROSS_PREFIX}"
                         "<folder or hub id>'")
    problem = plugin.check(arg)
    if problem:
        return UserError(problem, key=key)
    if not entry_.available():
        return UserError(f"re-ranker '{entry.model}' is not installed", key=key,
                         suggestion=entry_.install or None)
    if plugin.lexical or plugin.own_vectors:
        return UserError(f"'{entry.model}' has no encoder of its own to re-rank with", key=key,
                         suggestion="name an embedding model, or 'ce:<folder>' for a "
                         "cross-encoder")
    if vector_data:
        return UserError(f"re-ranker '{entry.model}' encodes texts; dataset "
                         f"'{vector_data[0]}' holds vectors", key=key,
                         suggestion="leave rerank out for vector datasets")
    return None
