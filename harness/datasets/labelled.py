"""Labelled sets: the corpus is one split, the queries another, and the task is the label.

Task metrics are label metrics (harness/metrics/labels.py): label_recall@k and
knn_accuracy@k. Every labelled source builds its Dataset through `build_labelled`; the sources
live in their own modules (orange.py: 20 Newsgroups and Reuters .tab files; ucr.py: UCR .ts
time series; images.py: digits and Fashion-MNIST). This module also reads the `labelled:FOLDER`
format: corpus.npy + corpus.labels and queries.npy + queries.labels (one label a line), or
corpus.jsonl / queries.jsonl with "text" and "label" fields.

Bad data fails with one line naming the file and line.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from harness.datasets.base import Dataset, Fingerprint, jsonl_values, text_lines
from harness.datasets.validate import SCAN_ROWS, Problems, array_problems, label_problems
from harness.errors import UserError


@dataclass(frozen=True)
class LabelledParts:
    """What a labelled set is made of: labels for both sides, and texts or vectors.

    Ids are `{doc_prefix}:{i}` and `{query_prefix}:{i}`; `tag` names the source in the
    fingerprint (with the labels and the texts or vectors themselves).
    """

    name: str
    tag: str
    doc_labels: Sequence[str]
    query_labels: Sequence[str]
    docs: Sequence[str] | None = None
    queries: Sequence[str] | None = None
    doc_vectors: np.ndarray | None = None
    query_vectors: np.ndarray | None = None
    main_metric: str = "knn_accuracy@10"
    meta: Mapping[str, str] = field(default_factory=dict)
    doc_prefix: str = "train"
    query_prefix: str = "test"


def build_labelled(parts: LabelledParts) -> Dataset:
    """The Dataset of a labelled set; vectors become contiguous float32."""
    p = parts
    fp = Fingerprint(p.tag)
    for lab in p.doc_labels:
        fp.add("doc_labels", lab)
    for lab in p.query_labels:
        fp.add("query_labels", lab)
    if p.docs is not None and p.queries is not None:
        for t in p.docs:
            fp.add("docs", t)
        for t in p.queries:
            fp.add("queries", t)
    doc_vectors, query_vectors = p.doc_vectors, p.query_vectors
    if doc_vectors is not None and query_vectors is not None:
        doc_vectors = np.ascontiguousarray(doc_vectors, dtype=np.float32)
        query_vectors = np.ascontiguousarray(query_vectors, dtype=np.float32)
        for side, x in (("document", doc_vectors), ("query", query_vectors)):
            if not _all_finite(x):  # NaN would score as a match: never an "ok" row
                raise UserError(f"{side} vectors hold NaN or infinite values (as float32)",
                                key=f"dataset {p.name}", suggestion="fix the source data")
        fp.add_array("doc_vectors", doc_vectors)
        fp.add_array("query_vectors", query_vectors)
    return Dataset(
        name=p.name,
        fingerprint=fp.hexdigest(),
        doc_ids=tuple(f"{p.doc_prefix}:{i}" for i in range(len(p.doc_labels))),
        query_ids=tuple(f"{p.query_prefix}:{i}" for i in range(len(p.query_labels))),
        docs=tuple(p.docs) if p.docs is not None else None,
        queries=tuple(p.queries) if p.queries is not None else None,
        doc_vectors=doc_vectors,
        query_vectors=query_vectors,
        doc_labels=tuple(p.doc_labels),
        query_labels=tuple(p.query_labels),
        main_metric=p.main_metric,
        meta=dict(p.meta),
    )


def _all_finite(x: np.ndarray) -> bool:
    """Finite everywhere, checked in blocks (a memory-mapped array stays unread in RAM)."""
    return all(np.isfinite(x[i:i + SCAN_ROWS]).all() for i in range(0, len(x), SCAN_ROWS))


# --- labelled:FOLDER ------------------------------------------------------------------------


def _label_file(path: Path, n: int, what: str) -> list[str]:
    problems = label_problems(path, n, what)
    if problems:
        raise problems[0]
    labels = [line.strip() for _, line in text_lines(path)]
    return labels[:n]  # blank lines only at the end (checked above)


def _labelled_entry(path: Path, lineno: int, obj: object) -> tuple[str, str] | UserError:
    """(text, label) of a labelled .jsonl line, or its error."""
    if isinstance(obj, UserError):
        return obj
    if not isinstance(obj, dict) or "text" not in obj or "label" not in obj:
        return UserError("expected a JSON object with 'text' and 'label' fields",
                         file=str(path), line=lineno)
    if obj["label"] is None or str(obj["label"]).strip() == "":
        return UserError("empty label", file=str(path), line=lineno,
                         suggestion="every row needs a label")
    return str(obj["text"]), str(obj["label"])


def _jsonl_labelled(path: Path) -> tuple[list[str], list[str]]:
    texts: list[str] = []
    labels: list[str] = []
    for lineno, obj in jsonl_values(path):
        entry = _labelled_entry(path, lineno, obj)
        if isinstance(entry, UserError):
            raise entry
        texts.append(entry[0])
        labels.append(entry[1])
    if not texts:
        raise UserError("no rows (empty split)", file=str(path))
    return texts, labels


def labelled_problems(arg: str) -> list[UserError]:
    """Every problem of a labelled folder (plan time; streaming, nothing kept but counts)."""
    root = Path(arg).expanduser()
    if (root / "corpus.npy").is_file():
        out: list[UserError] = []
        shapes = []
        for stem in ("corpus", "queries"):
            shape, problems = array_problems(root / f"{stem}.npy")
            out += problems
            shapes.append(shape)
            if shape:
                out += label_problems(root / f"{stem}.labels", shape[0], f"{stem}.npy")
        if shapes[0] and shapes[1] and shapes[0][1] != shapes[1][1]:
            out.append(UserError(f"queries have {shapes[1][1]} dims, corpus {shapes[0][1]}",
                                 file=str(root / "queries.npy"),
                                 suggestion="both must come from the same model"))
        return out
    found = Problems()
    for stem in ("corpus", "queries"):
        path, rows = root / f"{stem}.jsonl", 0
        for lineno, obj in found.guard(jsonl_values(path)):
            entry = _labelled_entry(path, lineno, obj)
            rows += 1
            if isinstance(entry, UserError):
                found.add(entry)
        if not rows:
            found.add(UserError("no rows (empty split)", file=str(path),
                                suggestion='one {"text": ..., "label": ...} object a line'))
    return found.errors()


def labelled_folder_problem(arg: str) -> str | None:
    if not arg:
        return "expected a folder after 'labelled:' (labelled:path/to/folder)"
    root = Path(arg).expanduser()
    for stem in ("corpus", "queries"):
        if not ((root / f"{stem}.npy").is_file() or (root / f"{stem}.jsonl").is_file()):
            return (
                f"no labelled set at '{arg}' (expected {root / stem}.npy with {stem}.labels, "
                f"or {root / stem}.jsonl with text and label fields)"
            )
    return None


def labelled_modality(arg: str) -> str:
    return "vectors" if (Path(arg).expanduser() / "corpus.npy").is_file() else "text"


def _vector_split(root: Path, stem: str) -> tuple[np.ndarray, list[str]]:
    """corpus.npy + corpus.labels (or queries.*): a non-empty 2-D array and one label a row."""
    f = root / f"{stem}.npy"
    _, problems = array_problems(f)  # readable, real, 2-D, finite, fits float32
    if problems:
        raise problems[0]
    x = np.load(f, mmap_mode="r", allow_pickle=False)  # read as needed, not held
    return x, _label_file(root / f"{stem}.labels", len(x), f.name)


def load_labelled_folder(arg: str) -> Dataset:
    problem = labelled_folder_problem(arg)
    if problem:
        raise UserError(problem)
    root = Path(arg).expanduser()
    common = {"name": f"labelled:{root.name}", "meta": {"path": str(root)},
              "doc_prefix": "corpus", "query_prefix": "query"}
    if (root / "corpus.npy").is_file():
        docs, doc_labels = _vector_split(root, "corpus")
        queries, query_labels = _vector_split(root, "queries")
        if docs.shape[1] != queries.shape[1]:
            raise UserError(f"queries have {queries.shape[1]} dims, corpus "
                            f"{docs.shape[1]}", file=str(root / "queries.npy"))
        return build_labelled(LabelledParts(
            tag="labelled-vectors", doc_vectors=docs, query_vectors=queries,
            doc_labels=doc_labels, query_labels=query_labels, **common,
        ))
    texts, text_labels = _jsonl_labelled(root / "corpus.jsonl")
    query_texts, query_text_labels = _jsonl_labelled(root / "queries.jsonl")
    return build_labelled(LabelledParts(
        tag="labelled-texts", docs=texts, queries=query_texts,
        doc_labels=text_labels, query_labels=query_text_labels, **common,
    ))
