"""Hybrid settings in a plan: which lexical model a `hybrid:` value names, and one canonical
form per setting, so that `hybrid: [none, bm25]` x `fusion: [rrf, convex]` does not run the
dense-only setting twice.

Canonical form: `hybrid: none` drops every fusion key (the setting is the plain dense one,
with the cell id a suite without hybrid keys would give it); otherwise the setting keeps its
fusion (rrf by default), only the knobs that fusion reads, and the lexical model's reference
and params under `lexical`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from harness.backends.base import FUSION_KEYS, LEXICAL_KEY
from harness.plan.refs import is_lexical
from harness.suite.schema import ModelRef

FUSION_PARAMS = ("fusion", "rrf_k", "alpha", "norm")


def lexical_model(models: Sequence[ModelRef], name: str) -> ModelRef | None:
    """The suite's lexical model a `hybrid:` value names (label or reference), or the plain
    `bm25` when the suite lists none by that name; None if the name is not lexical."""
    for m in models:
        if name in (m.label, m.ref) and is_lexical(m):
            return m
    plain = ModelRef(ref=name)
    try:
        return plain if is_lexical(plain) else None
    except Exception:  # an unknown reference: not a lexical model
        return None


def canonical(settings: Iterable[dict[str, Any]], models: Sequence[ModelRef]
              ) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for s in settings:
        c = _canonical(s, models)
        if c not in out:
            out.append(c)
    return out


def _canonical(setting: dict[str, Any], models: Sequence[ModelRef]) -> dict[str, Any]:
    if "hybrid" not in setting and not set(FUSION_PARAMS) & set(setting):
        return setting
    plain = {k: v for k, v in setting.items() if k not in ("hybrid", *FUSION_PARAMS)}
    name = str(setting.get("hybrid", "none"))
    if name == "none":
        return plain
    fusion = str(setting.get("fusion", "rrf"))
    model = lexical_model(models, name)
    lexical = {"ref": model.ref, **model.params} if model is not None else {"ref": name}
    knobs = {k: setting[k] for k in FUSION_KEYS.get(fusion, ()) if k in setting}
    return {**plain, "hybrid": name, "fusion": fusion, **knobs, LEXICAL_KEY: lexical}
