"""A dataset's shape (documents, and the vectors' dim for vector sets) read cheaply: from a
synthetic spec, a line count, or an .npy header; nothing is loaded or encoded. The plan checks
backend parameters that depend on the data (nlist vs corpus size, m vs dim) with it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np

from harness.datasets.beir import jsonl_rows, qrels_entries
from harness.datasets.vectors import parse_synthetic
from harness.errors import UserError


@dataclass(frozen=True)
class DataShape:
    n_docs: int
    dim: int | None = None  # the dataset's own vectors' dim; None for text
    # each role's ids for a split, read on demand (precomputed vectors are looked up by them)
    ids: Callable[[str], dict[str, list[str]]] | None = None


def synthetic_shape(arg: str) -> DataShape:
    spec = parse_synthetic(arg)
    return DataShape(spec.n, spec.dim)


def _lines(path: Path) -> int:
    with path.open("rb") as fh:
        return sum(1 for line in fh if line.strip())


def beir_shape(arg: str) -> DataShape | None:
    corpus = Path(arg).expanduser() / "corpus.jsonl"
    return DataShape(_lines(corpus), ids=partial(beir_ids, arg)) if corpus.is_file() else None


def beir_ids(arg: str, split: str) -> dict[str, list[str]]:
    """The ids the loader keeps: every document, and the queries judged relevant to one
    in the split's qrels (JSON `_id`s, as read)."""
    root = Path(arg).expanduser()
    judged = {e[2] for e in qrels_entries(root / "qrels" / f"{split}.tsv")
              if not isinstance(e, UserError) and e[4] > 0}
    return {"document": [row.id for row in jsonl_rows(root / "corpus.jsonl")],
            "query": [row.id for row in jsonl_rows(root / "queries.jsonl") if row.id in judged]}


def labelled_shape(arg: str) -> DataShape | None:
    root = Path(arg).expanduser()
    if (root / "corpus.npy").is_file():
        shape = np.load(root / "corpus.npy", mmap_mode="r", allow_pickle=False).shape
        return DataShape(int(shape[0]), int(shape[1])) if len(shape) == 2 else None
    if (root / "corpus.jsonl").is_file():
        return DataShape(_lines(root / "corpus.jsonl"))
    return None
