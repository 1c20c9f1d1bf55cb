"""BEIR-format folders: corpus.jsonl, queries.jsonl, qrels/<split>.tsv.

Document text is `doc_template` filled with the record's title and text, then stripped; the
default "{title} {text}" is MTEB's `(title + " " + text).strip()`. Only queries with at least
one positive judgment in the split are kept. Files are read line by line and hashed as they
are read, so a large corpus is held once (as the tuple of texts the encoders get). Errors name
the file and line.

The assembly (`build_retrieval`) is shared with the Hugging Face layout of MTEB tasks
(harness/datasets/mteb.py), which reads the same three tables from parquet or jsonl files.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from harness.datasets.base import Dataset, Fingerprint, jsonl_values, text_lines
from harness.errors import UserError
from harness.suite.axes import DEFAULT_TEMPLATE, template_problem

log = logging.getLogger("harness")


@dataclass(frozen=True)
class RetrievalOptions:
    """How a retrieval set is read, beyond its files: every loader takes these four.

    `template` joins a record's title and text into the document text; `ignore_identical_ids`
    drops a hit whose id equals the query's (ArguAna, Quora); `main_metric` is the set's
    declared main score; `meta` is added to the Dataset's meta.
    """

    template: str = DEFAULT_TEMPLATE
    ignore_identical_ids: bool = False
    main_metric: str = "ndcg@10"
    meta: Mapping[str, str] = field(default_factory=dict)


#: The options of a plain BEIR folder: the default template, nothing ignored, nDCG@10.
DEFAULT_OPTIONS = RetrievalOptions()


def join_text(template: str, title: str, text: str) -> str:
    return template.format(title=title, text=text).strip()


@dataclass(frozen=True)
class Row:
    """One record of a corpus or queries table, with where it came from (for errors)."""

    file: str
    line: int
    id: str
    title: str
    text: str


def jsonl_entries(path: Path, id_keys: tuple[str, ...] = ("_id",)
                  ) -> Iterator[Row | UserError]:
    """Records of a .jsonl(.gz) file, each a Row or the error of its line (for validators)."""
    for lineno, obj in jsonl_values(path):
        if isinstance(obj, UserError):
            yield obj
            continue
        key = next((k for k in id_keys if isinstance(obj, dict) and k in obj), None)
        if key is None or not isinstance(obj[key], str | int) or obj[key] == "":
            yield UserError(f"expected a JSON object with an '{id_keys[0]}' field (a non-empty "
                            "string or number)",
                            file=str(path), line=lineno)
            continue
        yield Row(str(path), lineno, str(obj[key]), str(obj.get("title") or ""),
                  str(obj.get("text") or ""))


def jsonl_rows(path: Path, id_keys: tuple[str, ...] = ("_id",)) -> Iterator[Row]:
    """Records of a .jsonl(.gz) file; a malformed line fails naming file:line."""
    for row in jsonl_entries(path, id_keys):
        if isinstance(row, UserError):
            raise row
        yield row


QrelsLine = tuple[str, int, str, str, int]  # file, line, query id, doc id, score


def qrels_entries(path: Path) -> Iterator[QrelsLine | UserError]:
    """Lines of a qrels TSV, each parsed or its error: an optional header, then query-id,
    corpus-id, score (or TREC's query-id, iteration, doc-id, score)."""
    for lineno, line in text_lines(path):
        if not line.strip():
            continue
        parts = line.split("\t")
        if lineno == 1 and not _is_int(parts[-1]):
            continue  # header line
        if len(parts) == 4:  # TREC style: qid 0 docid rel
            parts = [parts[0], parts[2], parts[3]]
        if len(parts) != 3 or not _is_int(parts[2]) or not parts[0] or not parts[1]:
            yield UserError(
                "expected 'query-id<TAB>corpus-id<TAB>score' with an integer score",
                file=str(path), line=lineno,
                suggestion="tab-separated, one judgment a line, an optional header first")
            continue
        yield str(path), lineno, parts[0], parts[1], int(parts[2])


def tsv_qrels(path: Path) -> Iterator[QrelsLine]:
    """Lines of a qrels TSV; a malformed line fails naming file:line."""
    for entry in qrels_entries(path):
        if isinstance(entry, UserError):
            raise entry
        yield entry


def collect_qrels(lines: Iterable[QrelsLine]) -> dict[str, dict[str, int]]:
    qrels: dict[str, dict[str, int]] = {}
    for _, _, q, d, r in lines:
        qrels.setdefault(q, {})[d] = r
    return qrels


def _is_int(s: str) -> bool:
    try:
        int(s)
    except ValueError:
        return False
    return True


@dataclass(frozen=True)
class RetrievalSource:
    """Where a retrieval set's three tables come from, as streams of rows.

    `queries` and `qrels_lines` are callables returning fresh iterables: qrels are read first
    (to keep only judged queries), and read again only to locate a missing document id.
    `qrels_where` names the qrels for errors.
    """

    corpus: Iterable[Row]
    queries: Callable[[], Iterable[Row]]
    qrels_lines: Callable[[], Iterable[QrelsLine]]
    qrels_where: str
    queries_where: str = ""


def _read_corpus(
    corpus: Iterable[Row], template: str, fp: Fingerprint
) -> tuple[list[str], list[str]]:
    """(doc ids, joined texts); a repeated id or an empty corpus fails naming the file."""
    doc_ids: list[str] = []
    docs: list[str] = []
    seen: set[str] = set()
    where = ""
    for row in corpus:
        if row.id in seen:
            raise UserError(f"duplicate document id '{row.id}'", file=row.file, line=row.line)
        seen.add(row.id)
        text = join_text(template, row.title, row.text)
        doc_ids.append(row.id)
        docs.append(text)
        fp.add("docs", row.id, text)
        where = row.file
    if not doc_ids:
        raise UserError("the corpus is empty", file=where or None)
    return doc_ids, docs


def _judged_queries(
    src: RetrievalSource, judged: set[str], split: str, fp: Fingerprint
) -> tuple[list[str], list[str]]:
    """(ids, texts) of the queries with a positive judgment, in the queries file's order."""
    query_ids: list[str] = []
    query_texts: list[str] = []
    q_where = src.queries_where
    seen: set[str] = set()
    for row in src.queries():
        q_where = row.file
        if row.id in seen:  # counted twice otherwise
            raise UserError(f"duplicate query id '{row.id}'", file=row.file, line=row.line)
        seen.add(row.id)
        if row.id in judged:
            query_ids.append(row.id)
            query_texts.append(row.text)
            fp.add("queries", row.id, row.text)
    if not query_ids:
        raise UserError(
            f"no query has a positive judgment in split '{split}'",
            file=q_where or src.qrels_where,
        )
    return query_ids, query_texts


def _warn_missing(
    src: RetrievalSource, kept: Mapping[str, Mapping[str, int]], docs: set[str]
) -> int:
    """Count judged documents missing from the corpus; warn with the first one's qrels line."""
    missing = sum(1 for q in kept for d in kept[q] if d not in docs)
    if missing:
        first = next(
            (x for x in src.qrels_lines() if x[2] in kept and x[3] not in docs), None
        )
        loc = f"{first[0]}:{first[1]}: corpus-id '{first[3]}'" if first else src.qrels_where
        msg = (
            f"{loc} is not in the corpus ({missing} judged document id(s) missing in all; "
            "they stay in the judgments, as in trec_eval, and count as never retrieved)"
        )
        warnings.warn(msg, UserWarning, stacklevel=4)
        log.warning("%s", msg)
    return missing


def build_retrieval(
    name: str, src: RetrievalSource, split: str, options: RetrievalOptions = DEFAULT_OPTIONS
) -> Dataset:
    """A text retrieval Dataset from streams of corpus rows, query rows and qrels lines.

    The fingerprint hashes the content (ids, joined texts, kept judgments) as it streams by,
    so the same data gives the same fingerprint whatever folder or layout it came from.
    """
    qrels = collect_qrels(src.qrels_lines())
    if not any(r > 0 for rels in qrels.values() for r in rels.values()):
        raise UserError(f"split '{split}' has no positive judgments", file=src.qrels_where)

    fp = Fingerprint(tag=f"retrieval|{options.template}")
    doc_ids, docs = _read_corpus(src.corpus, options.template, fp)
    judged = {q for q, rels in qrels.items() if any(r > 0 for r in rels.values())}
    query_ids, query_texts = _judged_queries(src, judged, split, fp)
    kept = {q: dict(qrels[q]) for q in query_ids}
    for q in sorted(kept):
        fp.add("qrels", q, *(f"{d}\t{r}" for d, r in sorted(kept[q].items())))
    missing = _warn_missing(src, kept, set(doc_ids))
    info = {"split": split, "missing_judged_docs": str(missing), "doc_template": options.template}
    return Dataset(
        name=name,
        fingerprint=fp.hexdigest(),
        doc_ids=tuple(doc_ids),
        query_ids=tuple(query_ids),
        docs=tuple(docs),
        queries=tuple(query_texts),
        qrels=kept,
        ignore_identical_ids=options.ignore_identical_ids,
        main_metric=options.main_metric,
        meta={**options.meta, **info},
    )


def load_beir(
    folder: str | Path, *, split: str = "test", options: RetrievalOptions = DEFAULT_OPTIONS
) -> Dataset:
    """A BEIR folder; `options.template` "{text}" drops titles."""
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
    problem = template_problem(options.template)
    if problem:
        raise UserError(problem)
    src = RetrievalSource(
        corpus=jsonl_rows(corpus_f),
        queries=lambda: jsonl_rows(queries_f),
        qrels_lines=lambda: tsv_qrels(qrels_f),
        qrels_where=str(qrels_f),
        queries_where=str(queries_f),
    )
    meta = {**options.meta, "path": str(root)}
    return build_retrieval(f"beir:{root.name}", src, split, replace(options, meta=meta))
