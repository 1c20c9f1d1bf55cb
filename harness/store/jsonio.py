"""Reading and writing the store's JSON files: damage is a value (a reason), not an error,
and each damaged file is warned about once per process."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import numpy as np

log = logging.getLogger("harness")

_WARNED: set[tuple[str, int]] = set()


def warn_once(path: Path, message: str, why: str) -> None:
    """One warning per damaged file (as it is on disk) per process: the report and the
    analysis open a run several times."""
    try:
        key = (str(path), path.stat().st_mtime_ns)
    except OSError:
        key = (str(path), 0)
    if key not in _WARNED:
        _WARNED.add(key)
        log.warning(message, path, why)


def read_json(path: Path) -> Any:
    """The parsed file, or a string saying why it could not be read (damage, not a bug)."""
    try:
        return json.loads(path.read_bytes().decode("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        return f"{type(exc).__name__}: {exc}"


def jsonable(obj: Any) -> Any:
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    return str(obj)
