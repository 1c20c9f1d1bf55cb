"""Pydantic's validation errors of a suite, as one-line UserErrors at the key's YAML line."""

from __future__ import annotations

from collections.abc import Callable

from harness.errors import UserError, did_you_mean
from harness.suite.yamlload import line_of


def key_path(loc: tuple) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def to_user_error(err: dict, file: str, lines: dict[tuple, int],
                  fields_at: Callable[[tuple], list[str]]) -> UserError:
    """One pydantic error as a UserError at the YAML line of its key."""
    loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
    # pydantic adds union-branch names (e.g. 'str', 'list[...]') to loc; they are not YAML keys.
    loc = tuple(p for p in loc if not (isinstance(p, str) and ("[" in p or p in _TYPE_NAMES)))
    line = line_of(lines, loc)
    typ, msg = err["type"], err["msg"]
    suggestion = None
    if typ == "extra_forbidden":
        msg = "unknown key"
        suggestion = did_you_mean(str(loc[-1]), fields_at(loc[:-1]))
    elif typ == "missing":
        msg = "required key is missing"
    elif typ == "literal_error":
        expected = err.get("ctx", {}).get("expected", "")
        msg = f"got {err.get('input')!r}, expected {expected}"
        options = [s.strip().strip("'") for s in str(expected).replace(" or ", ",").split(",")]
        close = did_you_mean(str(err.get("input")), [o for o in options if o])
        suggestion = close if close and close.startswith("did you mean") else None
    elif typ == "value_error":
        msg = msg.removeprefix("Value error, ")
    elif isinstance(err.get("input"), bool):  # YAML reads true/false/yes/no as booleans
        msg = f"expected a number, got {str(err['input']).lower()}"
    else:
        msg = f"{msg} (got {err.get('input')!r})"
    return UserError(msg, file=file, line=line, key=key_path(loc), suggestion=suggestion)


_TYPE_NAMES = {"str", "int", "float", "bool", "none", "list", "dict", "literal"}
