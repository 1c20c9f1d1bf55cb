"""The suite reference page, generated from the pydantic models and suite/keys.py."""

from __future__ import annotations

import typing
from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from harness.suite.keys import KEYS
from harness.suite.schema import Suite


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    """The pydantic models an annotation holds (list[DatasetRef] -> [DatasetRef])."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    found = [m for arg in typing.get_args(annotation) for m in _models_in(arg)]
    return list(dict.fromkeys(found))


def _listy(annotation: Any) -> bool:
    origin = typing.get_origin(annotation)
    return origin is list or any(_listy(a) for a in typing.get_args(annotation))


def _type_text(annotation: Any) -> str:
    text = getattr(annotation, "__name__", None) if not typing.get_args(annotation) else None
    text = text or str(annotation)
    for noise in ("typing.", "harness.suite.schema.", "harness.suite.axes.",
                  "harness.suite.load_axis.", "harness.suite.rerank_spec.",
                  "harness.metrics.costs.", "Annotated[", ", Strict(strict=True)]",
                  "NoneType"):
        text = text.replace(noise, "None" if noise == "NoneType" else "")
    return text


def walk(model: type[BaseModel] = Suite, prefix: str = "") -> Iterator[tuple[str, Any, Any]]:
    """(dotted key, annotation, default) for every key of a model and the models inside it."""
    for name, field in model.model_fields.items():
        key = prefix + name
        if field.default_factory is not None:
            default = field.default_factory()
        else:
            default = None if field.default is PydanticUndefined else field.default
        yield key, field.annotation, ("required" if field.is_required() else default)
        for inner in _models_in(field.annotation):
            yield from walk(inner, key + ("[]." if _listy(field.annotation) else "."))


def _default_text(default: Any) -> str:
    if isinstance(default, BaseModel):
        return "the `.` keys below"
    if isinstance(default, list) and default and isinstance(default[0], BaseModel):
        default = [m.model_dump(exclude_defaults=True) for m in default]
    return "required" if default == "required" else f"`{default!r}`"


def reference_markdown() -> str:
    """docs/reference/suite.md: every key with its type, default and meaning."""
    lines = ["# Suite schema", "",
             "Every key a suite file may hold (`schema_version: 1`), generated from the "
             "pydantic models in `harness/suite/` and the meanings in `harness/suite/keys.py` "
             "(`python -m harness.cli.reference_pages` writes this page). A key outside this "
             "list is an error naming the closest key.", "",
             "| key | type | default | meaning |", "|---|---|---|---|"]
    for key, annotation, default in walk():
        meaning = KEYS.get(key, "")
        type_text = _type_text(annotation).replace(" | ", " or ")  # no pipe in a table cell
        lines.append(f"| `{key}` | `{type_text}` | {_default_text(default).replace('|', '/')}"
                     f" | {meaning} |")
    return "\n".join(lines) + "\n"
