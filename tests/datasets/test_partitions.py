"""Which filters `partition` serves, the groups of a categorical field, a query's groups."""

from __future__ import annotations

import numpy as np

from harness.datasets.attributes import from_records
from harness.datasets.partitions import groups_of, partition_key, selected
from harness.suite.filters import parse_where

DOCS = from_records([{"lang": "fr", "year": 1}, {"lang": "en", "year": 2}, {"year": 3},
                     {"lang": "fr", "year": 4}, {"lang": "de", "year": 5}])


def _expr(where):
    errors: list = []
    return parse_where(where, "w", errors)


def test_only_eq_and_in_on_one_string_field_are_partitioned():
    assert partition_key(_expr({"lang": {"eq": "fr"}}), DOCS).field == "lang"
    assert partition_key(_expr({"lang": {"in": ["fr", "en"]}}), DOCS).op == "in"
    assert partition_key(_expr({"lang": {"eq": "$query.lang"}}), DOCS) is not None
    assert partition_key(_expr({"lang": {"ne": "fr"}}), DOCS) is None
    assert partition_key(_expr({"year": {"eq": 2}}), DOCS) is None  # a number field
    assert partition_key(_expr({"lang": {"eq": "fr"}, "year": {"gt": 1}}), DOCS) is None


def test_groups_and_selected_values():
    g = groups_of(DOCS, "lang")
    assert g.values == ("de", "en", "fr")
    assert [r.tolist() for r in g.rows] == [[4], [1], [0, 3]]  # row 2 has no lang
    assert selected(partition_key(_expr({"lang": {"in": ["fr", "xx", "de"]}}), DOCS), g,
                    None) == [0, 2]
    q = partition_key(_expr({"lang": {"eq": "$query.lang"}}), DOCS)
    assert selected(q, g, {"lang": "en"}) == [1]
    assert selected(q, g, {"lang": None}) == []
    assert isinstance(g.rows[0], np.ndarray)
