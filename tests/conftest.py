"""Shared fixtures: small BEIR folders and suites written on the fly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest


def write_beir(
    root: Path,
    docs: dict[str, tuple[str, str]],
    queries: dict[str, str],
    qrels: list[tuple[str, str, int]],
    split: str = "test",
) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    with (root / "corpus.jsonl").open("w") as fh:
        for did, (title, text) in docs.items():
            fh.write(json.dumps({"_id": did, "title": title, "text": text}) + "\n")
    with (root / "queries.jsonl").open("w") as fh:
        for qid, text in queries.items():
            fh.write(json.dumps({"_id": qid, "text": text}) + "\n")
    (root / "qrels").mkdir(exist_ok=True)
    with (root / "qrels" / f"{split}.tsv").open("w") as fh:
        fh.write("query-id\tcorpus-id\tscore\n")
        for q, d, r in qrels:
            fh.write(f"{q}\t{d}\t{r}\n")
    return root


def write_hf(
    root: Path,
    docs: dict[str, tuple[str, str]],
    queries: dict[str, str],
    qrels: list[tuple[str, str, int]],
    split: str = "test",
) -> Path:
    """A Hugging Face dataset snapshot in MTEB's layout: parquet configs declared in README.md."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    for sub in ("corpus", "queries", "default"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    pq.write_table(
        pa.table({"_id": list(docs), "title": [t for t, _ in docs.values()],
                  "text": [x for _, x in docs.values()]}),
        root / "corpus" / "corpus-00000-of-00001.parquet",
    )
    pq.write_table(pa.table({"_id": list(queries), "text": list(queries.values())}),
                   root / "queries" / "queries-00000-of-00001.parquet")
    pq.write_table(
        pa.table({"query-id": [q for q, _, _ in qrels], "corpus-id": [d for _, d, _ in qrels],
                  "score": [r for _, _, r in qrels]}),
        root / "default" / f"{split}-00000-of-00001.parquet",
    )
    (root / "README.md").write_text(
        "---\nconfigs:\n"
        "- config_name: corpus\n  data_files:\n  - split: corpus\n    path: corpus/*.parquet\n"
        "- config_name: queries\n  data_files:\n  - split: queries\n    path: queries/*.parquet\n"
        f"- config_name: default\n  data_files:\n  - split: {split}\n"
        f"    path: default/{split}-*.parquet\n---\n# test dataset\n"
    )
    return root


TOPICS = {
    "apple": "apple fruit orchard harvest sweet",
    "car": "car engine wheels road driving",
    "ocean": "ocean waves sea water fish",
    "music": "music guitar song melody band",
    "space": "space rocket planet orbit star",
    "bread": "bread bakery flour oven loaf",
}


@pytest.fixture
def tiny_beir(tmp_path: Path) -> Path:
    """6 topics x 4 docs; one query per topic, its 4 docs graded 2,1,1,1."""
    docs, queries, qrels = {}, {}, []
    for t, words in TOPICS.items():
        w = words.split()
        for j in range(4):
            docs[f"{t}-{j}"] = (f"{w[j]} {t}", " ".join(w[j:] + w[:j]) + f" number {j}")
            qrels.append((f"q-{t}", f"{t}-{j}", 2 if j == 0 else 1))
        queries[f"q-{t}"] = f"{t} {w[1]} {w[2]}"
    queries["q-unjudged"] = "nothing judged here"
    return write_beir(tmp_path / "tiny", docs, queries, qrels)


@pytest.fixture
def beir_writer():
    """write_beir as a fixture: `from conftest import ...` can pick up another conftest.py."""
    return write_beir


@pytest.fixture
def hf_writer():
    """write_hf as a fixture (see beir_writer)."""
    return write_hf


@pytest.fixture
def write_suite(tmp_path: Path):
    def _write(text: str, name: str = "suite.yaml") -> Path:
        p = tmp_path / name
        p.write_text(text)
        return p

    return _write
