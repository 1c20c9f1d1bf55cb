"""Encoder objects handed to `harness.run` in a notebook: the model kind `obj:NAME`.

A cell is a plain value that may be shipped to a worker process or a Ray node; an object that
lives in this interpreter cannot go with it. So an object is registered here under a name
(`obj:<spec.name>`), the suite refers to it by that name like any other model, and the run
uses the inline executor (cells run in this process, where the object is). A suite naming an
`obj:` model that was not registered in this process fails at plan time in one line.

The embedding cache keys on the object's `spec.fingerprint`: change it whenever the vectors
could change, or a later run reuses the old vectors.
"""

from __future__ import annotations

import re

from harness.encoders.base import Encoder
from harness.encoders.model_kinds import ModelPlugin
from harness.suite.schema import ModelRef

KIND = "obj"
_OBJECTS: dict[str, Encoder] = {}


def register(encoder: Encoder) -> str:
    """Register an encoder object; returns its model reference, 'obj:<spec.name>'.

    Registering again under the same name replaces the object (re-running a notebook cell)."""
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", encoder.spec.name).strip("-") or "encoder"
    _OBJECTS[name] = encoder
    return f"{KIND}:{name}"


def registered(name: str) -> Encoder | None:
    return _OBJECTS.get(name)


class InProcessPlugin(ModelPlugin):
    """The plugin of `obj:NAME` references (see the module docstring)."""

    @staticmethod
    def check(arg: str) -> str | None:
        if arg in _OBJECTS:
            return None
        return (f"no encoder object 'obj:{arg}' in this process: pass the object itself to "
                "harness.run(...) in a notebook or script (obj: models cannot be run from "
                "the command line)")

    @staticmethod
    def dim(arg: str, ref: ModelRef) -> int:
        return _OBJECTS[arg].spec.dim

    @staticmethod
    def build(arg: str, ref: ModelRef) -> Encoder:
        enc = registered(arg)
        if enc is None:
            raise ValueError(InProcessPlugin.check(arg))
        return enc
