"""The suite's vocabulary: its axes, what a dims entry means, document templates, the
exclude/include rule, and the strict base of the suite's pydantic models."""

from __future__ import annotations

import re
import string
from collections.abc import Collection, Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator, model_serializer, model_validator

AXES = ("dataset", "model", "dim", "precision", "metric", "backend")
RULE_AXES = (*AXES, "corpus_size")  # rules also match a cell's corpus size (or 'full')
Scalar = str | int | float | bool | None
PCA_DIM = re.compile(r"^pca:([0-9]+)$")


def dim_size(dim: int | str | None) -> int | None:
    """The size a `dims` entry asks for: 128 -> 128, 'pca:128' -> 128, None (native) -> None."""
    if isinstance(dim, str):
        m = PCA_DIM.match(dim)
        if not m:
            raise ValueError(f"expected a dim like 128 or 'pca:128', got {dim!r}")
        return int(m.group(1))
    return dim


#: How BEIR/MTEB documents become text: MTEB's `(title + " " + text).strip()`.
DEFAULT_TEMPLATE = "{title} {text}"


def template_problem(template: str) -> str | None:
    """Why a doc_template is invalid (fields other than {title} and {text}), or None."""
    try:
        fields = [f for _, f, _, _ in string.Formatter().parse(template) if f is not None]
    except ValueError as exc:
        return f"doc_template {template!r} is not a valid template ({exc})"
    bad = [f for f in fields if f not in ("title", "text")]
    if bad:
        return f"doc_template {template!r} uses {{{bad[0]}}}: only {{title}} and {{text}} exist"
    if "text" not in fields:
        return f"doc_template {template!r} must contain {{text}}"
    return None


def corpus_size_of(size: int | str) -> int | None:
    """A `corpus_sizes` entry as a cell holds it: 10000 -> 10000, 'full' -> None."""
    return None if size == "full" else int(size)


def dim_reducer(dim: int | str | None) -> str:
    """'pca' for a 'pca:N' dims entry, else 'truncate' (keep the first N dims)."""
    return "pca" if isinstance(dim, str) else "truncate"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Rule(Strict):
    """An exclude/include rule: axis -> value or list of values (all given axes must match)."""

    dataset: Scalar | list[Scalar] = None
    model: Scalar | list[Scalar] = None
    dim: Scalar | list[Scalar] = None
    precision: Scalar | list[Scalar] = None
    metric: Scalar | list[Scalar] = None
    backend: Scalar | list[Scalar] = None
    corpus_size: Scalar | list[Scalar] = None

    @model_serializer(mode="wrap")
    def _without_unset_size(self, handler: Any) -> Any:
        # Absent unless given, so run ids of suites with rules from before the axis hold.
        data = handler(self)
        if isinstance(data, dict) and "corpus_size" not in self.model_fields_set:
            data.pop("corpus_size", None)
        return data

    def given(self) -> dict[str, list[Scalar]]:
        out: dict[str, list[Scalar]] = {}
        for axis in RULE_AXES:
            if axis in self.model_fields_set:
                v = getattr(self, axis)
                out[axis] = list(v) if isinstance(v, list) else [v]
        return out

    def matches(self, answers: Mapping[str, Collection[Any]]) -> bool:
        """Whether every axis the rule names is answered by one of its values.

        `answers` maps an axis to the values something answers to on it (a dataset or model
        answers to its display name and its reference); an axis missing from `answers`
        never matches. This is the one rule semantics, for exclude, include and checks.
        """
        return all(
            axis in answers and any(a in vals for a in answers[axis])
            for axis, vals in self.given().items()
        )

    @model_validator(mode="after")
    def _not_empty(self) -> Rule:
        if not self.model_fields_set:
            raise ValueError(f"a rule needs at least one of: {', '.join(RULE_AXES)}")
        return self

    @field_validator("corpus_size")
    @classmethod
    def _sizes(cls, v: Scalar | list[Scalar]) -> Scalar | list[Scalar]:
        for n in v if isinstance(v, list) else [v]:
            if n != "full" and not (type(n) is int and n > 0):
                raise ValueError(f"a corpus size must be a positive integer or 'full', got {n!r}")
        return v
