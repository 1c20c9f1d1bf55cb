"""BEIR-format folders: corpus.jsonl, queries.jsonl, qrels/<split>.tsv.

Document text is `title + " " + text` (as MTEB does). Only queries with at least one positive
judgment in the split are kept. Errors name the file and line.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterator
from pathlib import Path

from harness.datasets.base import Dataset, fingerprint_qrels, fingerprint_texts
from harness.errors import UserError


def _jsonl(path: Path) -> Iterator[tuple[int, dict]]:
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise UserError(
                    f"malformed JSON line ({exc.msg})", file=str(path), line=lineno
                ) from None
            if not isinstance(obj, dict) or "_id" not in obj:
                raise UserError(
                    "expected a JSON object with an '_id' field", file=str(path), line=lineno
                )
            yield lineno, obj


def read_qrels(path: Path) -> dict[str, dict[str, int]]:
    qrels: dict[str, dict[str, int]] = {}
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, start=1):
            parts = line.rstrip("\n").split("\t")
            if lineno == 1 and not _is_int(parts[-1]):
                continue  # header line
            if not line.strip():
                continue
            if len(parts) == 4:  # TREC style: qid 0 docid rel
                parts = [parts[0], parts[2], parts[3]]
            if len(parts) != 3 or not _is_int(parts[2]):
                raise UserError(
                    "expected 'query-id<TAB>corpus-id<TAB>score' with an integer score",
                    file=str(path),
                    line=lineno,
                )
            qrels.setdefault(parts[0], {})[parts[1]] = int(parts[2])
    return qrels


def _is_int(s: str) -> bool:
    try:
        int(s)
    except ValueError:
        return False
    return True


def load_beir(
    folder: str | Path,
    *,
    split: str = "test",
    ignore_identical_ids: bool = False,
    join_title: bool = True,
) -> Dataset:
    root = Path(folder).expanduser()
    corpus_f, queries_f = root / "corpus.jsonl", root / "queries.jsonl"
    qrels_f = root / "qrels" / f"{split}.tsv"
    for f in (corpus_f, queries_f):
        if not f.is_file():
            raise UserError(
                "BEIR file not found",
                file=str(f),
                suggestion="a BEIR folder holds corpus.jsonl, queries.jsonl and qrels/<split>.tsv",
            )
    if not qrels_f.is_file():
        have = sorted(p.stem for p in (root / "qrels").glob("*.tsv"))
        raise UserError(
            f"no qrels for split '{split}'",
            file=str(qrels_f),
            suggestion=f"splits present: {', '.join(have)}" if have else "add qrels/<split>.tsv",
        )
    qrels = read_qrels(qrels_f)
    if not qrels:
        raise UserError(f"split '{split}' has no judgments", file=str(qrels_f))

    doc_ids: list[str] = []
    docs: list[str] = []
    for _, obj in _jsonl(corpus_f):
        title = str(obj.get("title") or "").strip()
        text = str(obj.get("text") or "").strip()
        doc_ids.append(str(obj["_id"]))
        docs.append(f"{title} {text}".strip() if join_title and title else text)
    if not doc_ids:
        raise UserError("the corpus is empty", file=str(corpus_f))

    judged = {q for q, rels in qrels.items() if any(r > 0 for r in rels.values())}
    query_ids: list[str] = []
    queries: list[str] = []
    for _, obj in _jsonl(queries_f):
        qid = str(obj["_id"])
        if qid in judged:
            query_ids.append(qid)
            queries.append(str(obj.get("text") or ""))
    if not query_ids:
        raise UserError(
            f"no query in queries.jsonl has a positive judgment in split '{split}'",
            file=str(queries_f),
        )

    known = set(doc_ids)
    missing = sum(1 for q in query_ids for d in qrels[q] if d not in known)
    if missing:
        warnings.warn(
            f"{qrels_f}: {missing} judged document id(s) are not in corpus.jsonl (ignored)",
            stacklevel=2,
        )
    kept = {q: dict(qrels[q]) for q in query_ids}
    return Dataset(
        name=f"beir:{root.name}",
        fingerprint=fingerprint_texts(doc_ids, docs, query_ids, queries)
        + fingerprint_qrels(kept)[:16],
        doc_ids=tuple(doc_ids),
        query_ids=tuple(query_ids),
        docs=tuple(docs),
        queries=tuple(queries),
        qrels=kept,
        ignore_identical_ids=ignore_identical_ids,
        meta={"path": str(root), "split": split, "missing_judged_docs": str(missing)},
    )
