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

from harness.datasets.base import Dataset, Fingerprint, jsonl_objects
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


# --- labelled:FOLDER ------------------------------------------------------------------------


def _label_file(path: Path, n: int, what: str) -> list[str]:
    if not path.is_file():
        raise UserError("label file not found", file=str(path),
                        suggestion=f"one label a line for each row of {what}")
    labels = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]
    while labels and not labels[-1]:
        labels.pop()
    for i, lab in enumerate(labels, start=1):
        if not lab:
            raise UserError("empty label", file=str(path), line=i)
    if len(labels) != n:
        raise UserError(
            f"{len(labels)} labels for {n} rows of {what} (the label file does not match)",
            file=str(path),
            line=min(len(labels), n) + 1,
        )
    return labels


def _jsonl_labelled(path: Path) -> tuple[list[str], list[str]]:
    texts: list[str] = []
    labels: list[str] = []
    for lineno, obj in jsonl_objects(path):
        if not isinstance(obj, dict) or "text" not in obj or "label" not in obj:
            raise UserError("expected a JSON object with 'text' and 'label' fields",
                            file=str(path), line=lineno)
        texts.append(str(obj["text"]))
        labels.append(str(obj["label"]))
    if not texts:
        raise UserError("no rows (empty split)", file=str(path))
    return texts, labels


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
    try:
        x = np.load(f, mmap_mode="r", allow_pickle=False)  # read as needed, not held
    except (OSError, ValueError) as exc:
        raise UserError(f"not a numpy array file ({exc})", file=str(f)) from None
    if x.ndim != 2 or len(x) == 0:
        raise UserError(f"expected a non-empty 2-D array, got shape {x.shape}", file=str(f))
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
