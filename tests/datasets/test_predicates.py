"""Each operator and combinator on hand-made columns (expected masks written by hand)."""

from __future__ import annotations

import pytest

from harness.datasets.attributes import from_records
from harness.datasets.predicates import mask
from harness.suite.filters import parse_where

ROWS = [{"year": 2010, "lang": "en", "tags": ["a", "b"]},
        {"year": 2016, "lang": "fr", "tags": ["b"]},
        {"year": 2020, "lang": "de", "tags": []},
        {"lang": "en"}]  # no year, no tags: passes no comparison on them


@pytest.mark.parametrize("where,want", [
    ({"year": {"eq": 2016}}, [0, 1, 0, 0]),
    ({"year": {"ne": 2016}}, [1, 0, 1, 0]),
    ({"lang": {"in": ["en", "de"]}}, [1, 0, 1, 1]),
    ({"lang": {"nin": ["en"]}}, [0, 1, 1, 0]),
    ({"year": {"lt": 2016}}, [1, 0, 0, 0]),
    ({"year": {"lte": 2016}}, [1, 1, 0, 0]),
    ({"year": {"gt": 2016}}, [0, 0, 1, 0]),
    ({"year": {"gte": 2016}}, [0, 1, 1, 0]),
    ({"year": {"between": [2011, 2020]}}, [0, 1, 1, 0]),
    ({"tags": {"contains": "b"}}, [1, 1, 0, 0]),
    ({"any": [{"lang": {"eq": "de"}}, {"tags": {"contains": "a"}}]}, [1, 0, 1, 0]),
    ({"not": {"lang": {"eq": "en"}}}, [0, 1, 1, 0]),
    ({"lang": {"eq": "en"}, "year": {"gte": 2000}}, [1, 0, 0, 0]),
])
def test_operators(where, want):
    problems: list = []
    expr = parse_where(where, "where", problems)
    assert problems == []
    assert mask(expr, from_records(ROWS)).astype(int).tolist() == want
