"""YAML limits: an alias bomb is rejected fast, a repeated key is an error, lines are kept."""

from __future__ import annotations

import time

import pytest

from harness.errors import UserError
from harness.suite.yamlload import MAX_NODES, load_with_lines


def _bomb(levels: int) -> str:
    text = "a: &a [" + ",".join(['"lol"'] * 9) + "]\n"
    for p, c in zip("abcdefghij"[: levels - 1], "bcdefghijk"[: levels - 1], strict=True):
        text += f"{c}: &{c} [" + ",".join([f"*{p}"] * 9) + "]\n"
    return text


def test_alias_bomb_rejected_quickly():
    t0 = time.perf_counter()
    with pytest.raises(UserError, match=f"more than {MAX_NODES:,} values") as exc:
        load_with_lines(_bomb(9), "bomb.yaml")  # 9**9 = 387 million values once expanded
    assert time.perf_counter() - t0 < 5
    assert exc.value.file == "bomb.yaml"


def test_aliases_within_the_limit_are_expanded():
    data, _ = load_with_lines(_bomb(3), "ok.yaml")  # 9**3 = 729 values
    assert len(data["c"]) == 9 and data["c"][0][0] == ["lol"] * 9


@pytest.mark.parametrize(("text", "line", "key"), [
    ("a: 1\nb: 2\na: 3\n", 3, "a"),
    ("x:\n  y: 1\n  y: 2\n", 3, "y"),
    ("m: {k: 1, k: 2}\n", 1, "k"),
])
def test_repeated_key_is_an_error(text, line, key):
    with pytest.raises(UserError) as exc:
        load_with_lines(text, "s.yaml")
    assert exc.value.line == line
    assert exc.value.message.startswith(f"key '{key}' appears twice")


def test_lines_of_keys():
    data, lines = load_with_lines("a: 1\nb:\n  - x\n  - y: 2\n", "s.yaml")
    assert data == {"a": 1, "b": ["x", {"y": 2}]}
    assert lines[("b",)] == 2 and lines[("b", 1, "y")] == 4


def test_standard_explicit_tags_still_load_and_others_are_named():
    data, _ = load_with_lines("a: !!str 12\nb: !!int '3'\nc: !!seq [1]\n")
    assert data == {"a": "12", "b": 3, "c": [1]}
    with pytest.raises(UserError, match=r"unsupported YAML tag '!custom'") as exc:
        load_with_lines("a: 1\nb: !custom x\n", file="s.yaml")
    assert exc.value.line == 2
