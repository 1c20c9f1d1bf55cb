"""Plan-time data checks, and text files in every common encoding: UTF-8 with or without a
byte-order mark, CRLF or LF line ends, all read the same."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from harness.datasets import labelled, validate
from harness.datasets.beir import load_beir
from harness.encoders.precomputed import PrecomputedEncoder, PrecomputedOptions

DOCS = {"d1": ("T1", "first doc"), "d2": ("", "second doc"), "d3": ("T3", "third")}
QUERIES = {"q1": "first", "q2": "second"}
QRELS = [("q1", "d1", 1), ("q2", "d2", 2), ("q2", "d3", 1)]


def _beir(root: Path, *, bom: bool, crlf: bool, header: bool = True) -> Path:
    end = "\r\n" if crlf else "\n"

    def write(path: Path, lines: list[str]) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes((("\ufeff" if bom else "") + end.join(lines) + end).encode())

    write(root / "corpus.jsonl",
          [json.dumps({"_id": d, "title": t, "text": x}) for d, (t, x) in DOCS.items()])
    write(root / "queries.jsonl", [json.dumps({"_id": q, "text": t}) for q, t in QUERIES.items()])
    rows = [f"{q}\t{d}\t{r}" for q, d, r in QRELS]
    write(root / "qrels" / "test.tsv", (["query-id\tcorpus-id\tscore"] if header else []) + rows)
    return root


@pytest.mark.parametrize("header", [True, False])
@pytest.mark.parametrize(("bom", "crlf"), [(True, False), (False, True), (True, True)])
def test_bom_and_crlf_read_like_plain_utf8(tmp_path, bom, crlf, header):
    plain = load_beir(_beir(tmp_path / "plain", bom=False, crlf=False, header=header))
    other = load_beir(_beir(tmp_path / "other", bom=bom, crlf=crlf, header=header))
    # the same content whatever the encoding: a header-less qrels file after a BOM keeps q1
    assert other.query_ids == plain.query_ids == ("q1", "q2")
    assert other.docs == plain.docs and other.qrels == plain.qrels
    assert other.fingerprint == plain.fingerprint
    assert validate.beir_problems(tmp_path / "other", "test") == []


def test_every_problem_is_listed_and_long_lists_are_capped(tmp_path):
    root = _beir(tmp_path / "b", bom=False, crlf=False)
    with (root / "corpus.jsonl").open("a") as fh:
        fh.writelines('{"_id": "d1"}\n' for _ in range(30))  # lines 4..33 repeat d1
    with (root / "qrels" / "test.tsv").open("a") as fh:
        fh.write("q7\td1\t1\n")
    errors = validate.beir_problems(root, "test")
    lines = [e.one_line() for e in errors]
    assert len(lines) == validate.PER_FILE + 2
    assert lines[0] == (f"{root}/corpus.jsonl:4: duplicate document id 'd1' (first at line 1) "
                        "(ids must be unique: rename or remove one)")
    assert f"{root}/qrels/test.tsv:5: query id 'q7' is not in queries.jsonl" in lines[-2]
    assert lines[-1] == f"{root}/corpus.jsonl: ... and 10 more problem(s) in this file"


def test_labels_with_bom_and_crlf(tmp_path):
    root = tmp_path / "lab"
    root.mkdir()
    np.save(root / "corpus.npy", np.eye(3, dtype=np.float32))
    np.save(root / "queries.npy", np.eye(3, dtype=np.float32)[:2])
    (root / "corpus.labels").write_bytes("\ufeffa\r\nb\r\na\r\n".encode())
    (root / "queries.labels").write_bytes(b"a\r\nb\r\n\r\n")  # a trailing blank line is fine
    assert labelled.labelled_problems(str(root)) == []
    ds = labelled.load_labelled_folder(str(root))
    assert ds.doc_labels == ("a", "b", "a") and ds.query_labels == ("a", "b")


def test_precomputed_ids_with_bom_and_crlf(tmp_path):
    root = tmp_path / "vecs"
    root.mkdir()
    np.save(root / "docs.npy", np.arange(6, dtype=np.float32).reshape(3, 2))
    np.save(root / "queries.npy", np.ones((1, 2), np.float32))
    (root / "doc_ids.txt").write_bytes("\ufeffd1\r\nd2\r\nd3\r\n".encode())
    (root / "query_ids.txt").write_bytes(b"q1\n")
    enc = PrecomputedEncoder(PrecomputedOptions(root))
    np.testing.assert_array_equal(enc.vectors_for(["d3", "d1"], "document"), [[4, 5], [0, 1]])


@pytest.mark.parametrize(("value", "what"), [(np.nan, "non-finite value nan"),
                                             (-np.inf, "non-finite value -inf"),
                                             (1e39, "value too large for float32 1e+39")])
def test_array_problems_name_the_first_bad_value(tmp_path, value, what):
    x = np.zeros((70_000, 2))  # more than one scan block
    x[66_000, 1] = value
    np.save(tmp_path / "x.npy", x)
    shape, errors = validate.array_problems(tmp_path / "x.npy")
    assert shape == (70_000, 2)
    assert [e.message for e in errors] == [
        f"{what} at row 66000, column 1 (vectors must be finite, |x| <= 3.4e38)"]


def test_no_labelled_source_builds_a_dataset_with_nan():
    parts = labelled.LabelledParts(name="x", tag="t", doc_labels=["a", "b"], query_labels=["a"],
                                   doc_vectors=np.array([[1.0, 0.0], [np.nan, 1.0]]),
                                   query_vectors=np.ones((1, 2)))
    with pytest.raises(labelled.UserError, match="document vectors hold NaN or infinite"):
        labelled.build_labelled(parts)
