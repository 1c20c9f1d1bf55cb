"""Document and query attributes as columns: one numpy array per field, in row order.

Sources: a BEIR `corpus.jsonl`/`queries.jsonl` `metadata` object (numbers, strings, lists of
strings), a labelled dataset's labels (field `label`), and synthetic seeded fields the harness
adds (VectorDBBench style): `uniform`, a permutation rank / n in [0, 1) so that `uniform < s`
passes exactly ceil(s * n) documents, and `skewed`, a categorical c0..c9 with Zipf shares
(p ~ 1 / (i + 1)) for label filters. A field's kind is number, string or list; a missing value
is NaN / None / an empty set and passes no comparison.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from harness.datasets.base import Dataset, jsonl_objects
from harness.errors import UserError

SKEWED_VALUES = tuple(f"c{i}" for i in range(10))


@dataclass(frozen=True)
class Attributes:
    """Columns of equal length n; `kinds[field]` is number | string | list."""

    n: int
    columns: Mapping[str, np.ndarray]
    kinds: Mapping[str, str]

    def take(self, rows: np.ndarray) -> Attributes:
        return Attributes(len(rows), {f: c[rows] for f, c in self.columns.items()}, self.kinds)

    def merged(self, other: Attributes) -> Attributes:
        if other.n != self.n:
            raise ValueError(f"attribute tables of {self.n} and {other.n} rows")
        return Attributes(self.n, {**self.columns, **other.columns},
                          {**self.kinds, **other.kinds})


EMPTY = Attributes(0, {}, {})


def _kind(v: Any) -> str | None:
    if v is None:
        return None
    if isinstance(v, bool):
        return "string"  # a flag compares as 'true'/'false'
    if isinstance(v, int | float):
        return "number"
    if isinstance(v, list):
        return "list"
    return "string"


def from_records(records: Sequence[Mapping[str, Any]], where: str = "") -> Attributes:
    """Columns from one metadata mapping per row; a field with two kinds fails naming it."""
    kinds: dict[str, str] = {}
    for rec in records:
        for f, v in rec.items():
            k = _kind(v)
            if k and kinds.setdefault(f, k) != k:
                raise UserError(f"metadata field '{f}' holds both {kinds[f]} and {k} values",
                                file=where or None,
                                suggestion="give every document the same kind of value")
    columns = {f: _column([r.get(f) for r in records], k) for f, k in kinds.items()}
    return Attributes(len(records), columns, kinds)


def _column(values: list[Any], kind: str) -> np.ndarray:
    if kind == "number":
        return np.array([np.nan if v is None else float(v) for v in values], dtype=np.float64)
    out = np.empty(len(values), dtype=object)
    if kind == "list":
        out[:] = [frozenset(map(str, v or ())) for v in values]
    else:
        out[:] = [None if v is None else str(v).lower() if isinstance(v, bool) else str(v)
                  for v in values]
    return out


def read_jsonl_metadata(path: Path, ids: Sequence[str]) -> Attributes:
    """The `metadata` of a BEIR table's records, in the order of `ids` (one read)."""
    wanted = {i: n for n, i in enumerate(ids)}
    records: list[Mapping[str, Any]] = [{} for _ in ids]
    for _, obj in jsonl_objects(path):
        key = str(obj.get("_id", ""))
        if key in wanted and isinstance(obj.get("metadata"), Mapping):
            records[wanted[key]] = obj["metadata"]
    return from_records(records, str(path))


def from_labels(labels: Sequence[str] | None) -> Attributes:
    if labels is None:
        return EMPTY
    col = np.empty(len(labels), dtype=object)
    col[:] = list(labels)
    return Attributes(len(labels), {"label": col}, {"label": "string"})


def synthetic(n: int, seed: int) -> Attributes:
    """`uniform` (exact selectivities) and `skewed` (Zipf categorical), seeded."""
    rng = np.random.default_rng([seed, 23])
    uniform = np.empty(n, dtype=np.float64)
    uniform[rng.permutation(n)] = np.arange(n) / max(n, 1)
    p = 1.0 / np.arange(1, len(SKEWED_VALUES) + 1)
    skewed = np.empty(n, dtype=object)
    skewed[:] = list(np.array(SKEWED_VALUES)[rng.choice(len(p), size=n, p=p / p.sum())])
    return Attributes(n, {"uniform": uniform, "skewed": skewed},
                      {"uniform": "number", "skewed": "string"})


def _combined(n: int, parts: Sequence[Attributes]) -> Attributes:
    out = Attributes(n, {}, {})
    for part in parts:
        if part.n == n and part.kinds:
            out = out.merged(part)
    return out


def of_dataset(ds: Dataset, seed: int) -> tuple[Attributes, Attributes]:
    """(documents' attributes, queries' attributes) of a loaded dataset: the synthetic fields,
    its labels (`label`), and a BEIR folder's `metadata` (which wins over the others)."""
    docs = [synthetic(ds.n_docs, seed), from_labels(ds.doc_labels)]
    queries = [from_labels(ds.query_labels)]
    root = Path(ds.meta["path"]) if "path" in ds.meta else None
    if root is not None and (root / "corpus.jsonl").is_file():
        docs.append(read_jsonl_metadata(root / "corpus.jsonl", ds.doc_ids))
        if (root / "queries.jsonl").is_file():
            queries.append(read_jsonl_metadata(root / "queries.jsonl", ds.query_ids))
    return _combined(ds.n_docs, docs), _combined(ds.n_queries, queries)
