"""Cheap checks of a dataset folder at plan time: every problem, one line each, no encoding.

A folder is streamed once (ids kept, texts not) and every problem found is reported as
`file:line: what is wrong (expected; what to do)`, so a user fixes them all in one go instead
of meeting them one failed cell at a time. At most `PER_FILE` problems are listed per file
(a broken export can have millions); a last line says how many more there are.

The loaders (beir.py, labelled.py) parse lines with the same functions, so the checks and
the loading agree on what a valid line is.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TypeVar

import numpy as np

from harness.datasets.base import text_lines
from harness.datasets.beir import jsonl_entries, qrels_entries
from harness.errors import UserError

PER_FILE = 20
#: Rows scanned at a time when checking an array (bounded memory on memory-mapped files).
SCAN_ROWS = 65_536
FLOAT32_MAX = float(np.finfo(np.float32).max)
T = TypeVar("T")


class Problems:
    """Errors found so far, at most PER_FILE listed per file (the rest counted)."""

    def __init__(self) -> None:
        self._listed: list[UserError] = []
        self._more: dict[str, int] = {}

    def add(self, err: UserError) -> None:
        file = err.file or ""
        if sum(1 for e in self._listed if (e.file or "") == file) < PER_FILE:
            self._listed.append(err)
        else:
            self._more[file] = self._more.get(file, 0) + 1

    def guard(self, rows: Iterable[T]) -> Iterator[T]:
        """The items of a stream, stopping at (and recording) an error that ends it."""
        try:
            yield from rows
        except UserError as exc:
            self.add(exc)

    def about(self, file: Path) -> bool:
        """Whether a problem of this file was found already."""
        return str(file) in self._more or any(e.file == str(file) for e in self._listed)

    def errors(self) -> list[UserError]:
        more = [UserError(f"... and {n} more problem(s) in this file", file=f)
                for f, n in self._more.items()]
        return self._listed + more


def beir_problems(folder: Path, split: str) -> list[UserError]:
    """Files present; each line parses; ids unique; every judged query exists; a positive
    judgment exists. (A judged document missing from the corpus stays a warning at load time,
    as in trec_eval: it counts as never retrieved.)"""
    out = Problems()
    corpus_f, queries_f = folder / "corpus.jsonl", folder / "queries.jsonl"
    qrels_f = folder / "qrels" / f"{split}.tsv"
    hint = "a BEIR folder holds corpus.jsonl, queries.jsonl and qrels/<split>.tsv"
    present = True
    for f in (corpus_f, queries_f, qrels_f):
        if not f.is_file():
            out.add(UserError("file not found", file=str(f), suggestion=hint))
            present = False
    if not present:
        return out.errors()
    _unique_ids(corpus_f, "document", out)
    queries = _unique_ids(queries_f, "query", out)
    positive = False
    for entry in out.guard(qrels_entries(qrels_f)):
        if isinstance(entry, UserError):
            out.add(entry)
            continue
        file, line, q, _, score = entry
        positive |= score > 0
        if q not in queries:
            out.add(UserError(f"query id '{q}' is not in queries.jsonl", file=file, line=line,
                              suggestion="add the query, or remove its judgments"))
    if not positive:
        out.add(UserError(f"no positive judgment (score > 0) in split '{split}'",
                          file=str(qrels_f), suggestion="nothing could be evaluated"))
    return out.errors()


def _unique_ids(path: Path, what: str, out: Problems) -> set[str]:
    """The ids of a corpus or queries file; bad lines, repeated ids and emptiness reported."""
    first: dict[str, int] = {}
    for row in out.guard(jsonl_entries(path)):
        if isinstance(row, UserError):
            out.add(row)
            continue
        seen = first.setdefault(row.id, row.line)
        if seen != row.line:
            out.add(UserError(f"duplicate {what} id '{row.id}' (first at line {seen})",
                              file=str(path), line=row.line,
                              suggestion="ids must be unique: rename or remove one"))
    if not first and not out.about(path):
        out.add(UserError(f"no {what} records (the file is empty)", file=str(path),
                          suggestion='one JSON object a line, e.g. {"_id": "1", "text": ...}'))
    return set(first)


def array_problems(path: Path) -> tuple[tuple[int, ...] | None, list[UserError]]:
    """(shape, problems) of a .npy of vectors: readable without pickles, a real number dtype,
    2-D and non-empty, every value finite and within float32's range. Memory-mapped and
    scanned in blocks, so a large file costs one read and little memory."""
    f = str(path)
    try:
        x = np.load(path, mmap_mode="r", allow_pickle=False)
    except (OSError, ValueError, EOFError) as exc:
        return None, [UserError(f"not a readable numpy array file ({exc})", file=f,
                                suggestion="write it with numpy.save(path, array)")]
    if x.dtype.kind not in "iuf":
        return None, [UserError(f"expected real numbers, got dtype {x.dtype}", file=f,
                                suggestion="save a float32 (or integer) array")]
    if x.ndim != 2 or x.shape[0] == 0 or x.shape[1] == 0:
        return None, [UserError(f"expected a non-empty 2-D array (rows, dim), got shape "
                                f"{x.shape}", file=f, suggestion="one row per vector")]
    for start in range(0, x.shape[0], SCAN_ROWS):
        block = np.asarray(x[start:start + SCAN_ROWS])
        bad = ~np.isfinite(block) | (np.abs(block) > FLOAT32_MAX)
        if bad.any():
            r, c = (int(i) for i in np.argwhere(bad)[0])
            v = float(block[r, c])
            what = "non-finite value" if not np.isfinite(v) else "value too large for float32"
            return x.shape, [UserError(
                f"{what} {v:g} at row {start + r}, column {c} (vectors must be finite, "
                "|x| <= 3.4e38)", file=f,
                suggestion="fix or drop those rows: NaN would score as a perfect match")]
    return x.shape, []


def label_problems(path: Path, rows: int, what: str) -> list[UserError]:
    """One non-empty label a line, one line per row of `what`."""
    if not path.is_file():
        return [UserError("label file not found", file=str(path),
                          suggestion=f"one label a line for each row of {what}")]
    out = Problems()
    n = blank_from = 0
    for lineno, line in out.guard(text_lines(path)):
        if line.strip():
            if blank_from:
                out.add(UserError("empty label", file=str(path), line=blank_from,
                                  suggestion="every row needs a label"))
                blank_from = 0
            n += 1
        elif not blank_from:
            blank_from = lineno  # blank lines only at the end are allowed
    if n != rows:
        out.add(UserError(f"{n} labels for {rows} rows of {what} (the label file does not "
                          "match)", file=str(path), line=min(n, rows) + 1))
    return out.errors()
