"""Two small runs of different suites on one synthetic BEIR folder, shared by the report tests.

Not a conftest.py: test modules elsewhere do `from conftest import ...`, and a second module
named conftest would shadow theirs. Test modules here import the `runs` fixture from this file;
the runs are made once per session whichever module asks first.

Every query text carries `<script>alert(1)</script>` (and a document carries an <img onerror>)
so the drill-down, whichever queries it shows, must display markup as text.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from harness import api

SCRIPT = "<script>alert(1)</script>"
IMG = '<img src=x onerror="alert(2)">'
TOPICS = {
    "apple": "apple fruit orchard harvest sweet cider pie tree",
    "car": "car engine wheels road driving brake fuel garage",
    "ocean": "ocean waves sea water fish coral tide salt",
    "music": "music guitar song melody band drum concert chord",
    "space": "space rocket planet orbit star comet galaxy moon",
    "bread": "bread bakery flour oven loaf yeast dough crust",
    "chess": "chess board knight bishop rook pawn king opening",
    "rain": "rain cloud storm umbrella thunder wet drizzle puddle",
}
FILLER = ["the", "of", "and", "a", "to", "in", "is", "it", "that", "on", "was", "for", "with"]


def write_beir(root: Path) -> Path:
    """8 topics x 5 queries; each query has 3 relevant documents (grades 2,1,1); 160 docs."""
    rng = np.random.default_rng(7)
    root.mkdir(parents=True, exist_ok=True)
    docs, queries, qrels = {}, {}, []
    for t, words in TOPICS.items():
        w = words.split()
        for q in range(5):
            qid = f"q-{t}-{q}"
            pick = rng.choice(w, size=3, replace=False)
            queries[qid] = " ".join(pick) + f" {SCRIPT}"
            for j in range(4):
                did = f"{t}-{q}-{j}"
                body = list(rng.choice(w, size=4)) + list(rng.choice(FILLER, size=6))
                if j < 3:
                    body += list(pick[: 3 - j])
                rng.shuffle(body)
                text = " ".join(body)
                if did == "apple-0-0":
                    text += f" {IMG}"
                docs[did] = (f"{t} {w[j]}", text)
                if j < 3:
                    qrels.append((qid, did, 2 if j == 0 else 1))
    with (root / "corpus.jsonl").open("w") as fh:
        for did, (title, text) in docs.items():
            fh.write(json.dumps({"_id": did, "title": title, "text": text}) + "\n")
    with (root / "queries.jsonl").open("w") as fh:
        for qid, text in queries.items():
            fh.write(json.dumps({"_id": qid, "text": text}) + "\n")
    (root / "qrels").mkdir(exist_ok=True)
    with (root / "qrels" / "test.tsv").open("w") as fh:
        fh.write("query-id\tcorpus-id\tscore\n")
        for q, d, r in qrels:
            fh.write(f"{q}\t{d}\t{r}\n")
    return root


SUITE_A = """schema_version: 1
name: report-a
description: report test suite A <b>not bold</b>
k: 20
repeats: 1
warmup: 5
datasets: [{{ref: "beir:{data}", name: synth}}]
models: [hash:64]
dims: [null, 4]
metrics: [cosine, l2]
evaluate: [ndcg@10, recall@20, mrr@10]
"""

SUITE_B = """schema_version: 1
name: report-b
k: 20
repeats: 1
warmup: 5
datasets: [{{ref: "beir:{data}", name: synth}}]
models: [hash:32]
metrics: [cosine]
evaluate: [mrr@10, ndcg@10]
"""


class Runs:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.data = write_beir(root / "synth")
        self.results = root / "results"
        opts = api.RunOptions(
            output=self.results, cache_dir=root / "cache", progress=False, report=True
        )
        paths = []
        for name, text in (("a.yaml", SUITE_A), ("b.yaml", SUITE_B)):
            p = root / name
            p.write_text(text.format(data=self.data))
            paths.append(p)
        self.a = api.run(paths[0], opts)
        self.b = api.run(paths[1], opts)


_RUNS: dict[int, Runs] = {}


@pytest.fixture(scope="session", name="runs")
def runs_fixture(tmp_path_factory) -> Runs:
    key = id(tmp_path_factory)
    if key not in _RUNS:
        _RUNS[key] = Runs(tmp_path_factory.mktemp("report"))
    return _RUNS[key]


def points_without_title(svg: str) -> tuple[int, int]:
    """(marks, marks with no <title> on an enclosing group); legends and axis ticks (also
    <use> elements) left out."""
    root = ET.fromstring(svg)
    marks = untitled = 0

    def walk(node, titled: bool, legend: bool) -> None:
        nonlocal marks, untitled
        gid = node.get("id") or ""
        legend = legend or "legend" in gid or "tick" in gid
        titled = titled or any(c.tag.endswith("title") for c in node)
        if node.tag.endswith("use") and not legend:
            marks += 1
            untitled += not titled
        for child in node:
            walk(child, titled, legend)

    walk(root, False, False)
    return marks, untitled
