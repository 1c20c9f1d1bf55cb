"""Bad-input cases of data folders: BEIR, labelled (vectors and texts), precomputed."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from tests.bad_inputs.common import (
    DOCS,
    QUERIES,
    Builder,
    Case,
    suite_text,
    write_beir,
    write_suite,
)

CASES: dict[str, Builder] = {}


# --- BEIR folders ---------------------------------------------------------------------------

def _beir_case(change: Callable[[Path], None], names: str, command: str = "validate"
               ) -> Builder:
    """A valid folder with one thing broken by `change`; `run` cases must stop at plan time."""
    def build(root: Path) -> Case:
        folder = write_beir(root / "beir")
        change(folder)
        path = write_suite(root, suite_text(f"['beir:{folder}']"))
        out = ["--output", str(root / "out")] if command == "run" else []
        return Case([command, str(path), *out], names)
    return build


def _append(file: str, text: str | bytes) -> Callable[[Path], None]:
    def change(folder: Path) -> None:
        with (folder / file).open("ab") as fh:
            fh.write(text if isinstance(text, bytes) else text.encode())
    return change


def _replace(file: str, text: str | bytes) -> Callable[[Path], None]:
    def change(folder: Path) -> None:
        (folder / file).write_bytes(text if isinstance(text, bytes) else text.encode())
    return change


def _remove(file: str) -> Callable[[Path], None]:
    return lambda folder: (folder / file).unlink()


BEIR_CASES: dict[str, tuple[Callable[[Path], None], str]] = {
    "no-corpus": (_remove("corpus.jsonl"), "corpus.jsonl"),
    "no-queries": (_remove("queries.jsonl"), "queries.jsonl"),
    "no-qrels-split": (_remove("qrels/test.tsv"), "test.tsv"),
    "empty-corpus": (_replace("corpus.jsonl", ""), "corpus.jsonl"),
    "empty-queries": (_replace("queries.jsonl", ""), "queries.jsonl"),
    "corpus-bad-json": (_append("corpus.jsonl", '{"_id": "x", \n'), "corpus.jsonl:7"),
    "queries-bad-json": (_append("queries.jsonl", "{oops}\n"), "queries.jsonl:4"),
    "corpus-no-id": (_append("corpus.jsonl", '{"id": "x", "text": "t"}\n'), "corpus.jsonl:7"),
    "corpus-empty-id": (_append("corpus.jsonl", '{"_id": "", "text": "t"}\n'), "corpus.jsonl:7"),
    "corpus-null-id": (_append("corpus.jsonl", '{"_id": null}\n'), "corpus.jsonl:7"),
    "corpus-array-line": (_append("corpus.jsonl", "[1, 2]\n"), "corpus.jsonl:7"),
    "corpus-string-line": (_append("corpus.jsonl", '"text"\n'), "corpus.jsonl:7"),
    "duplicate-doc-id": (_append("corpus.jsonl", '{"_id": "d1", "text": "t"}\n'),
                         "corpus.jsonl:7"),
    "duplicate-query-id": (_append("queries.jsonl", '{"_id": "q1", "text": "t"}\n'),
                           "queries.jsonl:4"),
    "qrels-score-text": (_append("qrels/test.tsv", "q1\td1\thigh\n"), "test.tsv:5"),
    "qrels-two-columns": (_append("qrels/test.tsv", "q1\td1\n"), "test.tsv:5"),
    "qrels-spaces": (_append("qrels/test.tsv", "q1 d1 1\n"), "test.tsv:5"),
    "qrels-unknown-query": (_append("qrels/test.tsv", "q9\td1\t1\n"), "test.tsv:5"),
    "qrels-no-positive": (_replace("qrels/test.tsv", "q0\td0\t0\n"), "test.tsv"),
    "qrels-header-only": (_replace("qrels/test.tsv", "query-id\tcorpus-id\tscore\n"),
                          "test.tsv"),
    "qrels-empty": (_replace("qrels/test.tsv", ""), "test.tsv"),
    "corpus-not-utf8": (_append("corpus.jsonl", b'{"_id": "x", "text": "\xff\xfe"}\n'),
                        "corpus.jsonl:7"),
    "queries-latin1": (_append("queries.jsonl", '{"_id": "x", "text": "caf\xe9"}\n'
                               .encode("latin-1")), "queries.jsonl:4"),
    "qrels-not-utf8": (_append("qrels/test.tsv", b"q\xff\td1\t1\n"), "test.tsv:5"),
    "bom-crlf-then-bad-line": (_replace("corpus.jsonl", b'\xef\xbb\xbf{"_id": "d0", "text": '
                                        b'"a"}\r\n{bad\r\n'), "corpus.jsonl:2"),
    "run-stops-before-encoding": (_append("corpus.jsonl", '{"_id": "d1"}\n'), "corpus.jsonl:7"),
}

for _name, (_change, _names) in BEIR_CASES.items():
    CASES[f"beir/{_name}"] = _beir_case(_change, _names,
                                        "run" if _name.startswith("run-") else "validate")
CASES["beir/folder-is-a-file"] = lambda root: Case(
    ["validate", str(write_suite(root, suite_text(f"['beir:{root / 'suite.yaml'}']")))],
    "datasets[0]")


# --- labelled folders ---------------------------------------------------------------------

def write_labelled(root: Path, corpus: np.ndarray, queries: np.ndarray) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    np.save(root / "corpus.npy", corpus)
    np.save(root / "queries.npy", queries)
    (root / "corpus.labels").write_text("".join(f"l{i % 2}\n" for i in range(len(corpus))))
    (root / "queries.labels").write_text("".join(f"l{i % 2}\n" for i in range(len(queries))))
    return root


def _good_vectors() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    return rng.normal(size=(8, 4)).astype(np.float32), rng.normal(size=(3, 4)).astype(np.float32)


def _labelled_case(change: Callable[[Path], None], names: str, command: str = "validate"
                   ) -> Builder:
    def build(root: Path) -> Case:
        folder = write_labelled(root / "lab", *_good_vectors())
        change(folder)
        text = suite_text(f"['labelled:{folder}']", models="[vectors]").replace(
            "evaluate: [ndcg@5]", "evaluate: [label_recall@5]")
        out = ["--output", str(root / "out")] if command == "run" else []
        return Case([command, str(write_suite(root, text)), *out], names)
    return build


def _array(file: str, make: Callable[[], np.ndarray]) -> Callable[[Path], None]:
    return lambda folder: np.save(folder / file, make(), allow_pickle=True)


def _poked(value: object, dtype: object = np.float64) -> Callable[[], np.ndarray]:
    def make() -> np.ndarray:
        x = _good_vectors()[0].astype(dtype)
        x[2, 1] = value
        return x
    return make


def _truncate(file: str, keep: float = 0.5) -> Callable[[Path], None]:
    def change(folder: Path) -> None:
        data = (folder / file).read_bytes()
        (folder / file).write_bytes(data[: int(len(data) * keep)])
    return change


LABELLED_CASES: dict[str, tuple[Callable[[Path], None], str]] = {
    "corpus-nan": (_array("corpus.npy", _poked(np.nan, np.float32)), "corpus.npy"),
    "corpus-inf": (_array("corpus.npy", _poked(np.inf)), "corpus.npy"),
    "queries-minus-inf": (_array("queries.npy", lambda: np.full((3, 4), -np.inf)),
                          "queries.npy"),
    "float64-overflows-float32": (_array("corpus.npy", _poked(1e300)), "corpus.npy"),
    "complex-values": (_array("corpus.npy", _poked(1 + 2j, np.complex128)), "corpus.npy"),
    "object-array": (_array("corpus.npy", lambda: np.array([[1, "a"]], dtype=object)),
                     "corpus.npy"),
    "string-array": (_array("corpus.npy", lambda: np.array([["a", "b"]])), "corpus.npy"),
    "one-dim": (_array("corpus.npy", lambda: np.zeros(8, np.float32)), "corpus.npy"),
    "zero-rows": (_array("queries.npy", lambda: np.zeros((0, 4), np.float32)), "queries.npy"),
    "dims-differ": (_array("queries.npy", lambda: np.zeros((3, 5), np.float32)),
                    "queries.npy"),
    "truncated-npy": (_truncate("corpus.npy"), "corpus.npy"),
    "text-as-npy": (_replace("corpus.npy", "1,2,3\n"), "corpus.npy"),
    "labels-fewer": (_replace("corpus.labels", "a\nb\n"), "corpus.labels"),
    "labels-more": (_append("queries.labels", "x\ny\n"), "queries.labels"),
    "labels-missing": (_remove("corpus.labels"), "corpus.labels"),
    "labels-blank-line": (_replace("queries.labels", "a\n\nb\nc\n"), "queries.labels:2"),
    "labels-not-utf8": (_replace("corpus.labels", b"a\n\xff\n" + b"a\n" * 6), "corpus.labels:2"),
    "run-stops-before-scoring-nan": (_array("queries.npy", _poked(np.nan, np.float32)),
                                     "queries.npy"),
}
for _name, (_change, _names) in LABELLED_CASES.items():
    CASES[f"labelled/{_name}"] = _labelled_case(
        _change, _names, "run" if _name.startswith("run-") else "validate")


def _labelled_texts(corpus: str, queries: str, names: str) -> Builder:
    def build(root: Path) -> Case:
        folder = root / "lab"
        folder.mkdir()
        (folder / "corpus.jsonl").write_text(corpus)
        (folder / "queries.jsonl").write_text(queries)
        text = suite_text(f"['labelled:{folder}']").replace(
            "evaluate: [ndcg@5]", "evaluate: [label_recall@5]")
        return Case(["validate", str(write_suite(root, text))], names)
    return build


_ROW = '{"text": "t", "label": "a"}\n'
CASES.update({
    "labelled/jsonl-no-label": _labelled_texts(_ROW + '{"text": "t"}\n', _ROW, "corpus.jsonl:2"),
    "labelled/jsonl-no-text": _labelled_texts(_ROW, '{"label": "a"}\n', "queries.jsonl:1"),
    "labelled/jsonl-null-label": _labelled_texts(_ROW + '{"text": "t", "label": null}\n', _ROW,
                                                 "corpus.jsonl:2"),
    "labelled/jsonl-bad-json": _labelled_texts(_ROW + "{nope\n", _ROW, "corpus.jsonl:2"),
    "labelled/jsonl-empty-queries": _labelled_texts(_ROW, "", "queries.jsonl"),
    "labelled/folder-missing": lambda root: Case(["validate", str(write_suite(
        root, suite_text(f"['labelled:{root / 'nope'}']", models="[vectors]")))],
        "datasets[0]"),
})


# --- precomputed folders ------------------------------------------------------------------

def write_precomputed(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(1)
    np.save(root / "docs.npy", rng.normal(size=(len(DOCS), 4)).astype(np.float32))
    np.save(root / "queries.npy", rng.normal(size=(len(QUERIES), 4)).astype(np.float32))
    (root / "doc_ids.txt").write_text("\n".join(DOCS) + "\n")
    (root / "query_ids.txt").write_text("\n".join(QUERIES) + "\n")
    return root


def _precomputed_case(change: Callable[[Path], None], names: str) -> Builder:
    def build(root: Path) -> Case:
        folder = write_precomputed(root / "vecs")
        change(folder)
        text = suite_text(f"['beir:{write_beir(root / 'beir')}']",
                          models=f"['precomputed:{folder}']")
        return Case(["validate", str(write_suite(root, text))], names)
    return build


def _parquet(rows: list[object], column: str = "vector") -> Callable[[Path], None]:
    def change(folder: Path) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        (folder / "docs.npy").unlink()
        pq.write_table(pa.table({"id": [f"d{i}" for i in range(len(rows))], column: rows}),
                       folder / "docs.parquet")
    return change


PRECOMPUTED_CASES: dict[str, tuple[Callable[[Path], None], str]] = {
    "docs-nan": (_array("docs.npy", _poked(np.nan, np.float32)), "docs.npy"),
    "queries-inf": (_array("queries.npy", lambda: np.full((3, 4), np.inf)), "queries.npy"),
    "overflow": (_array("docs.npy", _poked(-1e39)), "docs.npy"),
    "complex": (_array("docs.npy", _poked(1j, np.complex64)), "docs.npy"),
    "one-dim": (_array("docs.npy", lambda: np.zeros(6, np.float32)), "docs.npy"),
    "truncated": (_truncate("docs.npy", 0.7), "docs.npy"),
    "fewer-ids": (_replace("doc_ids.txt", "d0\nd1\n"), "doc_ids.txt"),
    "duplicate-ids": (_replace("query_ids.txt", "q0\nq0\nq1\n"), "query_ids.txt"),
    "ids-not-utf8": (_replace("doc_ids.txt", b"d0\n\xff\n"), "doc_ids.txt"),
    "dims-differ": (_array("queries.npy", lambda: np.zeros((3, 7), np.float32)), "dim"),
    "config-bad-json": (_replace("config.json", "{metric: cosine"), "config.json"),
    "config-bad-metric": (_replace("config.json", '{"metric": "dot"}'), "config.json"),
    "parquet-no-vector-column": (_parquet([[1.0, 2.0]] * 6, "embedding"), "docs.parquet"),
    "parquet-ragged": (_parquet([[1.0, 2.0], [1.0]] * 3), "docs.parquet"),
    "parquet-nan": (_parquet([[1.0, float("nan"), 0.0, 0.0]] * 6), "docs.parquet"),
    # ids that do not match the dataset's: found at plan time, not when the cell runs
    "missing-doc-id": (_replace("doc_ids.txt", "d0\nd1\nd2\nd3\nd4\nd9\n"), "models[0]"),
    "missing-query-id": (_replace("query_ids.txt", "q0\nq1\nq9\n"), "models[0]"),
    "ids-trailing-spaces": (_replace("doc_ids.txt", "".join(f"{d} \n" for d in DOCS)),
                            "models[0]"),
}
for _name, (_change, _names) in PRECOMPUTED_CASES.items():
    CASES[f"precomputed/{_name}"] = _precomputed_case(_change, _names)
CASES["precomputed/folder-missing"] = lambda root: Case(["validate", str(write_suite(
    root, suite_text(f"['beir:{write_beir(root / 'b')}']", models=f"['precomputed:{root}/x']"))
    )], "models[0]")


