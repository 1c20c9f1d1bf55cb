"""What every bad-input case shares: the Case type and a valid suite, BEIR folder to break."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Case:
    argv: list[str]
    names: str  # the file or key the one-line error must name


Builder = Callable[[Path], Case]

DOCS = {f"d{i}": f"document {i} about topic {i % 3}" for i in range(6)}
QUERIES = {f"q{i}": f"topic {i}" for i in range(3)}
QRELS = [(f"q{i}", f"d{i}", 1) for i in range(3)]


def suite_text(datasets: str, models: str = "[hash:16]", extra: str = "") -> str:
    return (f"schema_version: 1\nname: bad\ndatasets: {datasets}\nmodels: {models}\n"
            f"k: 5\nevaluate: [ndcg@5]\nrepeats: 1\nwarmup: 0\n{extra}")


def write_suite(root: Path, text: str | bytes) -> Path:
    path = root / "suite.yaml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return path


def write_beir(root: Path, docs: dict[str, str] | None = None,
               queries: dict[str, str] | None = None,
               qrels: list[tuple[str, str, int]] | None = None) -> Path:
    (root / "qrels").mkdir(parents=True, exist_ok=True)
    lines = [json.dumps({"_id": d, "title": "", "text": t}) for d, t in (docs or DOCS).items()]
    (root / "corpus.jsonl").write_text("\n".join(lines) + "\n")
    lines = [json.dumps({"_id": q, "text": t}) for q, t in (queries or QUERIES).items()]
    (root / "queries.jsonl").write_text("\n".join(lines) + "\n")
    rows = "".join(f"{q}\t{d}\t{r}\n" for q, d, r in (qrels or QRELS))
    (root / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\n" + rows)
    return root


