"""The one dataset shape every loader returns, and the slicing every dataset supports."""

from __future__ import annotations

import gzip
import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, Any

import numpy as np

from harness.errors import UserError
from harness.memmaps import blocks

Qrels = Mapping[str, Mapping[str, int]]


@dataclass(frozen=True)
class Dataset:
    """A retrieval collection: documents, queries and what counts as a correct answer.

    Text datasets carry `docs`/`queries` (encoded by the suite's models); vector datasets carry
    `doc_vectors`/`query_vectors` (used as they are). Judgments come as graded `qrels`
    (query id -> doc id -> relevance) and/or labels (doc_labels/query_labels) for label metrics.
    """

    name: str
    fingerprint: str
    doc_ids: tuple[str, ...]
    query_ids: tuple[str, ...]
    docs: tuple[str, ...] | None = None
    queries: tuple[str, ...] | None = None
    doc_vectors: np.ndarray | None = None
    query_vectors: np.ndarray | None = None
    qrels: Qrels | None = None
    doc_labels: tuple[str, ...] | None = None
    query_labels: tuple[str, ...] | None = None
    ignore_identical_ids: bool = False
    main_metric: str = "ndcg@10"
    meta: Mapping[str, str] = field(default_factory=dict)

    @property
    def is_text(self) -> bool:
        return self.docs is not None

    @property
    def has_labels(self) -> bool:
        return self.doc_labels is not None and self.query_labels is not None

    @property
    def metric_kinds(self) -> tuple[str, ...]:
        """Which task metric families this dataset can compute: 'qrels' and/or 'labels'."""
        kinds = ("qrels",) if self.qrels is not None else ()
        return kinds + (("labels",) if self.has_labels else ())

    @property
    def n_docs(self) -> int:
        return len(self.doc_ids)

    @property
    def n_queries(self) -> int:
        return len(self.query_ids)


def _feed(h: Any, items: Iterable[str]) -> None:
    """Hash strings unambiguously: each one's UTF-8 length (8 bytes), then its bytes."""
    for item in items:
        b = item.encode("utf-8", "surrogatepass")
        h.update(len(b).to_bytes(8, "little"))
        h.update(b)


def fingerprint_texts(*parts: Sequence[str]) -> str:
    """A content hash of id and text sequences (order matters)."""
    h = hashlib.sha256()
    for seq in parts:
        h.update(str(len(seq)).encode())
        _feed(h, seq)
    return h.hexdigest()


class Fingerprint:
    """A streaming content hash: feed parts item by item, nothing is kept in memory.

    Each part is hashed on its own (so its length need not be known in advance) and the
    digest combines the parts in order with a tag, e.g. the data's revision or layout.
    """

    def __init__(self, tag: str = "") -> None:
        self.tag = tag
        self._parts: dict[str, tuple[Any, list[int]]] = {}

    def add(self, part: str, *items: str) -> None:
        h, n = self._parts.setdefault(part, (hashlib.sha256(), [0]))
        _feed(h, items)
        n[0] += 1

    def add_array(self, part: str, x: np.ndarray) -> None:
        h, n = self._parts.setdefault(part, (hashlib.sha256(), [0]))
        h.update(f"{x.dtype.str}{x.shape}".encode())
        for _, block in blocks(x):  # a memory-mapped array is read block by block
            h.update(memoryview(np.ascontiguousarray(block)).cast("B"))
        n[0] += len(x)

    def hexdigest(self) -> str:
        out = hashlib.sha256(self.tag.encode())
        for name in sorted(self._parts):
            h, n = self._parts[name]
            out.update(f"|{name}:{n[0]}:{h.hexdigest()}".encode())
        return out.hexdigest()


def fingerprint_arrays(tag: str, **parts: np.ndarray | Sequence[str]) -> str:
    """A content hash of named arrays and string sequences (labels, ids)."""
    fp = Fingerprint(tag)
    for name, value in parts.items():
        if isinstance(value, np.ndarray):
            fp.add_array(name, value)
        else:
            for item in value:
                fp.add(name, str(item))
    return fp.hexdigest()


def open_text(path: Path) -> IO[str]:
    """A UTF-8 text file (a byte-order mark is dropped; CRLF reads as LF), gunzipped on the
    fly when its name ends in .gz."""
    if path.name.endswith(".gz"):
        return gzip.open(path, "rt", encoding="utf-8-sig")
    return path.open(encoding="utf-8-sig")


def text_lines(path: Path) -> Iterator[tuple[int, str]]:
    """(line number, line without its end) of a UTF-8 text file (.gz unpacked), with or
    without a byte-order mark, CRLF or LF. Each line is decoded on its own, so bytes that are
    not UTF-8 fail naming their line."""
    lineno = 0
    try:
        with gzip.open(path, "rb") if path.name.endswith(".gz") else path.open("rb") as fh:
            for lineno, raw in enumerate(fh, start=1):
                line = raw.decode("utf-8-sig" if lineno == 1 else "utf-8")
                yield lineno, line.rstrip("\r\n")
    except UnicodeDecodeError as exc:
        raise UserError(f"not UTF-8 text ({exc.reason} at byte {exc.start} of the line)",
                        file=str(path), line=lineno,
                        suggestion="save the file as UTF-8") from None
    except (OSError, EOFError) as exc:  # e.g. a truncated .gz
        raise UserError(f"cannot read the file ({exc})", file=str(path),
                        line=lineno + 1 if lineno else None) from None


def jsonl_values(path: Path) -> Iterator[tuple[int, Any | UserError]]:
    """(line number, parsed value or the line's error) of each non-blank line of a
    .jsonl(.gz) file: a validator collects the errors, a loader raises the first."""
    for lineno, line in text_lines(path):
        if not line.strip():
            continue
        try:
            yield lineno, json.loads(line)
        except json.JSONDecodeError as exc:
            yield lineno, UserError(f"malformed JSON line ({exc.msg})", file=str(path),
                                    line=lineno, suggestion="one JSON object a line")


def jsonl_objects(path: Path) -> Iterator[tuple[int, Any]]:
    """(line number, parsed value) of each non-blank line of a .jsonl(.gz) file; a malformed
    line fails naming file:line."""
    for lineno, value in jsonl_values(path):
        if isinstance(value, UserError):
            raise value
        yield lineno, value


def subsample(ds: Dataset, *, max_queries: int | None, max_docs: int | None, seed: int) -> Dataset:
    """A smaller copy: a seeded sample of queries, their relevant docs, then other docs.

    Keeping every judged-relevant document of the kept queries keeps their metrics meaningful;
    the remaining document budget is filled with a seeded sample of the other documents.
    """
    if max_queries is None and max_docs is None:
        return ds
    rng = np.random.default_rng(seed)
    q_idx = np.arange(ds.n_queries)
    if ds.qrels is not None:
        q_idx = np.array(
            [
                i
                for i, q in enumerate(ds.query_ids)
                if any(v > 0 for v in ds.qrels.get(q, {}).values())
            ],
            dtype=int,
        )
    if max_queries is not None and len(q_idx) > max_queries:
        q_idx = np.sort(rng.choice(q_idx, size=max_queries, replace=False))
    keep_q = [ds.query_ids[i] for i in q_idx]

    d_index = {d: i for i, d in enumerate(ds.doc_ids)}
    must: set[int] = set()
    if ds.qrels is not None:
        for q in keep_q:
            must.update(
                d_index[d] for d, r in ds.qrels.get(q, {}).items() if r > 0 and d in d_index
            )
    d_idx = np.arange(ds.n_docs)
    if max_docs is not None and ds.n_docs > max_docs:
        rest = np.array([i for i in range(ds.n_docs) if i not in must], dtype=int)
        budget = max(0, max_docs - len(must))
        extra = rng.choice(rest, size=min(budget, len(rest)), replace=False) if budget else []
        d_idx = np.sort(
            np.concatenate([np.array(sorted(must), dtype=int), np.asarray(extra, dtype=int)])
        )

    def pick(seq, idx):
        if seq is None:
            return None
        if isinstance(seq, np.ndarray):
            return seq[idx]
        return tuple(seq[i] for i in idx)

    doc_ids = pick(ds.doc_ids, d_idx)
    kept_docs = set(doc_ids)
    qrels = None
    if ds.qrels is not None:
        qrels = {q: {d: r for d, r in ds.qrels[q].items() if d in kept_docs} for q in keep_q}
    sub = replace(
        ds,
        doc_ids=doc_ids,
        docs=pick(ds.docs, d_idx),
        doc_vectors=pick(ds.doc_vectors, d_idx),
        doc_labels=pick(ds.doc_labels, d_idx),
        query_ids=tuple(keep_q),
        queries=pick(ds.queries, q_idx),
        query_vectors=pick(ds.query_vectors, q_idx),
        query_labels=pick(ds.query_labels, q_idx),
        qrels=qrels,
    )
    tag = f"|sub:q={max_queries},d={max_docs},seed={seed}"
    return replace(sub, fingerprint=hashlib.sha256((ds.fingerprint + tag).encode()).hexdigest())
