"""YAML loading that remembers the line of every key, so errors can point at the file line.

Two limits keep a hostile or mistaken file cheap to reject: a mapping may not repeat a key
(YAML would silently keep the last one), and the document may expand to at most
`MAX_NODES` values once aliases are followed (an "alias bomb" of a few hundred bytes
otherwise expands eight-fold per level and takes minutes to reject).
"""

from __future__ import annotations

from typing import Any

import yaml

from harness.errors import UserError

Path_ = tuple[str | int, ...]

#: The most values (mappings, lists and scalars, aliases counted each time they are used) a
#: suite may expand to; a large real suite has a few hundred.
MAX_NODES = 100_000

#: Tags a suite may carry: YAML's own plain types (what SafeLoader resolves untagged values to).
_STANDARD_TAG = "tag:yaml.org,2002:"
_ALLOWED_TAGS = {"str", "int", "float", "bool", "null", "timestamp", "map", "seq"}


def load_with_lines(text: str, file: str | None = None) -> tuple[Any, dict[Path_, int]]:
    """Parse YAML text; return the data and a map from key path to 1-based line number."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise UserError(
            f"invalid YAML: {problem}",
            file=file,
            line=line,
            suggestion="check indentation and quoting near that line",
        ) from None
    lines: dict[Path_, int] = {}
    if node is None:
        return None, lines
    data = _Builder(file, lines).build(node, ())
    return data, lines


class _Builder:
    """Node tree -> Python values, counting values against MAX_NODES as it goes."""

    def __init__(self, file: str | None, lines: dict[Path_, int]) -> None:
        self.file = file
        self.lines = lines
        self.count = 0
        self.constructor = yaml.constructor.SafeConstructor()  # one for all scalars: cheap

    def build(self, node: yaml.Node, path: Path_) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise UserError(
                f"the YAML expands to more than {MAX_NODES:,} values (aliases included)",
                file=self.file, line=node.start_mark.line + 1,
                suggestion="a suite this large is almost certainly an alias loop or a "
                "mistake; write the lists out or split the suite")
        self.lines.setdefault(path, node.start_mark.line + 1)
        if node.tag.removeprefix(_STANDARD_TAG) not in _ALLOWED_TAGS:
            # e.g. !!python/name: — refused by SafeLoader anyway; name the tag, not the error
            raise UserError(
                f"unsupported YAML tag '{node.tag.replace(_STANDARD_TAG, '!!')}'",
                file=self.file, line=node.start_mark.line + 1,
                suggestion="a suite holds plain values only: remove the tag")
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
        return self.constructor.construct_object(node)

    def _mapping(self, node: yaml.MappingNode, path: Path_) -> dict[Any, Any]:
        out: dict[Any, Any] = {}
        first: dict[Any, int] = {}
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            if not isinstance(key_node, yaml.ScalarNode):
                raise UserError("a key must be a plain name, not a list or mapping",
                                file=self.file, line=line)
            key = self.constructor.construct_object(key_node)
            if key in first:
                raise UserError(
                    f"key '{key}' appears twice in the same mapping (first at line "
                    f"{first[key]})", file=self.file, line=line,
                    suggestion="YAML would keep only the last one: remove or merge one")
            first[key] = line
            child = (*path, key)
            self.lines[child] = line
            out[key] = self.build(value_node, child)
        return out


def line_of(lines: dict[Path_, int], path: Path_) -> int | None:
    """The line of the deepest known prefix of path (pydantic locations can go deeper)."""
    for end in range(len(path), -1, -1):
        found = lines.get(tuple(path[:end]))
        if found is not None:
            return found
    return None
