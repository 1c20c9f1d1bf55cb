"""BEIR folders: counts, text joining, splits, self-hits, and one-line errors on bad data."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest

from harness.datasets.beir import RetrievalOptions, load_beir
from harness.errors import UserError
from harness.suite.schema import load_suite

DOCS = {
    "d1": ("Alpha title", "alpha body"),
    "d2": ("", "beta body"),
    "d3": ("Gamma", "gamma body"),
}
QUERIES = {"q1": "alpha?", "q2": "beta?", "q3": "nothing judged"}
QRELS = [("q1", "d1", 1), ("q2", "d2", 2), ("q2", "d3", 0)]


def test_counts_and_only_judged_queries(tiny_beir):
    ds = load_beir(tiny_beir)
    assert (ds.n_docs, ds.n_queries) == (24, 6)  # q-unjudged is dropped
    assert "q-unjudged" not in ds.query_ids
    assert all(len(ds.qrels[q]) == 4 for q in ds.query_ids)
    assert ds.meta["split"] == "test" and ds.meta["missing_judged_docs"] == "0"
    assert ds.is_text and ds.metric_kinds == ("qrels",)


def test_text_joining_is_mteb_style_and_configurable(tmp_path, beir_writer):
    root = beir_writer(tmp_path / "b", DOCS, QUERIES, QRELS)
    ds = load_beir(root)
    assert ds.docs == ("Alpha title alpha body", "beta body", "Gamma gamma body")
    no_titles = load_beir(root, options=RetrievalOptions(template="{text}"))
    assert no_titles.docs == ("alpha body", "beta body", "gamma body")
    dotted = load_beir(root, options=RetrievalOptions(template="{title}. {text}"))
    assert dotted.docs[0] == "Alpha title. alpha body" and dotted.docs[1] == ". beta body"
    # the template is part of the content, so of the fingerprint
    assert len({ds.fingerprint, dotted.fingerprint, load_beir(root).fingerprint}) == 2
    with pytest.raises(UserError, match=r"only \{title\} and \{text\}"):
        load_beir(root, options=RetrievalOptions(template="{title} {body}"))


def test_doc_template_option_in_a_suite(write_suite, tiny_beir):
    good = write_suite(
        f'schema_version: 1\nname: t\ndatasets:\n  - {{ref: "beir:{tiny_beir}", '
        'doc_template: "{text}"}\nmodels: [hash:8]\n'
    )
    assert load_suite(good).suite.datasets[0].doc_template == "{text}"
    bad = write_suite(
        f'schema_version: 1\nname: t\ndatasets:\n  - {{ref: "beir:{tiny_beir}", '
        'doc_template: "{abstract}"}\nmodels: [hash:8]\n',
        "bad.yaml",
    )
    with pytest.raises(Exception) as exc:
        load_suite(bad)
    line = str(exc.value)
    assert "\n" not in line and "bad.yaml:4" in line and "{abstract}" in line


def test_split_handling(tmp_path, beir_writer):
    root = beir_writer(tmp_path / "b", DOCS, QUERIES, QRELS)
    beir_writer(root, DOCS, QUERIES, [("q3", "d3", 1)], split="dev")
    assert load_beir(root).query_ids == ("q1", "q2")
    dev = load_beir(root, split="dev")
    assert dev.query_ids == ("q3",) and dev.meta["split"] == "dev"
    assert dev.fingerprint != load_beir(root).fingerprint
    with pytest.raises(UserError) as exc:
        load_beir(root, split="train")
    assert "no qrels for split 'train'" in str(exc.value)
    assert "splits present: dev, test" in str(exc.value)


def test_malformed_json_line_names_file_and_line(tmp_path, beir_writer):
    root = beir_writer(tmp_path / "b", DOCS, QUERIES, QRELS)
    lines = (root / "corpus.jsonl").read_text().splitlines()
    lines[1] = '{"_id": "d2", "text": "oops'
    (root / "corpus.jsonl").write_text("\n".join(lines) + "\n")
    with pytest.raises(UserError) as exc:
        load_beir(root)
    msg = exc.value.one_line()
    assert msg.startswith(f"{root / 'corpus.jsonl'}:2: malformed JSON line")
    assert "\n" not in msg


def test_record_without_id_and_duplicate_ids(tmp_path, beir_writer):
    root = beir_writer(tmp_path / "b", DOCS, QUERIES, QRELS)
    with (root / "queries.jsonl").open("a") as fh:
        fh.write(json.dumps({"id_": "q9", "text": "x"}) + "\n")
    with pytest.raises(UserError, match=r"queries.jsonl:4: expected a JSON object with an '_id'"):
        load_beir(root)
    root2 = beir_writer(tmp_path / "c", {**DOCS}, QUERIES, QRELS)
    with (root2 / "corpus.jsonl").open("a") as fh:
        fh.write(json.dumps({"_id": "d1", "text": "again"}) + "\n")
    with pytest.raises(UserError, match=r"corpus.jsonl:4: duplicate document id 'd1'"):
        load_beir(root2)


def test_bad_qrels_line(tmp_path, beir_writer):
    root = beir_writer(tmp_path / "b", DOCS, QUERIES, QRELS)
    with (root / "qrels" / "test.tsv").open("a") as fh:
        fh.write("q1\td2\tvery\n")
    with pytest.raises(UserError, match=r"qrels/test.tsv:5: expected 'query-id<TAB>corpus-id"):
        load_beir(root)


def test_qrels_id_missing_from_corpus_warns_and_counts(tmp_path, beir_writer):
    qrels = [*QRELS, ("q1", "ghost", 1), ("q2", "phantom", 1), ("q3", "nowhere", 0)]
    root = beir_writer(tmp_path / "b", DOCS, QUERIES, qrels)
    with pytest.warns(UserWarning) as rec:
        ds = load_beir(root)
    msg = str(rec[0].message)
    where = root / "qrels" / "test.tsv"
    assert msg.startswith(f"{where}:5: corpus-id 'ghost' is not in the corpus")
    assert "2 judged document id(s) missing" in msg and "\n" not in msg
    assert ds.meta["missing_judged_docs"] == "2"
    # the judgments are kept (trec_eval counts them as relevant and never retrieved)
    assert ds.qrels["q1"] == {"d1": 1, "ghost": 1}


def test_empty_split_and_empty_corpus(tmp_path, beir_writer):
    root = beir_writer(tmp_path / "b", DOCS, QUERIES, [])
    with pytest.raises(UserError) as exc:
        load_beir(root)
    assert exc.value.one_line() == (
        f"{root / 'qrels' / 'test.tsv'}: split 'test' has no positive judgments"
    )
    root = beir_writer(tmp_path / "c", DOCS, QUERIES, [("q1", "d1", 0)])
    with pytest.raises(UserError, match="no positive judgments"):
        load_beir(root)
    root = beir_writer(tmp_path / "d", {}, QUERIES, QRELS)
    with pytest.raises(UserError, match="the corpus is empty"):
        load_beir(root)
    root = beir_writer(tmp_path / "e", DOCS, {"other": "x"}, QRELS)
    with pytest.raises(UserError, match="no query has a positive judgment in split 'test'"):
        load_beir(root)


def test_missing_files(tmp_path):
    with pytest.raises(UserError, match=r"corpus\.jsonl: BEIR file not found"):
        load_beir(tmp_path)


def _self_hit_suite(tmp_path, ignore: bool, beir_writer) -> str:
    docs = {f"d{i}": ("", f"word{i} shared") for i in range(6)}
    queries = {"d0": "word0 shared", "d1": "word1 shared"}
    root = beir_writer(tmp_path / "self", docs, queries, [("d0", "d2", 1), ("d1", "d3", 1)])
    flag = "true" if ignore else "false"
    return (
        f"schema_version: 1\nname: self-{flag}\n"
        f'datasets: [{{ref: "beir:{root}", ignore_identical_ids: {flag}}}]\n'
        "models: [hash:64]\nk: 3\nrepeats: 1\nwarmup: 0\nevaluate: [hit@1, recall@3]\n"
    )


def test_ignore_identical_ids_end_to_end(tmp_path, beir_writer):
    from harness import api
    from harness.execution.selfhits import drop_identical
    from harness.store.runs import RunStore

    def run(ignore):
        suite = tmp_path / f"s{ignore}.yaml"
        suite.write_text(_self_hit_suite(tmp_path, ignore, beir_writer))
        opts = api.RunOptions(output=tmp_path / "r", cache_dir=tmp_path / "c", progress=False)
        out = api.run(suite, opts)
        return out.frame.iloc[0], RunStore(out.run_dir).perquery(out.frame["cell_id"][0])

    kept, _ = run(False)
    dropped, pq = run(True)
    # each query's text equals its own document: without the rule it finds itself first
    assert kept["hit@1"] == 0.0
    assert dropped["status"] == "ok" and dropped["k"] == 3
    assert pq.task_values(0, "hit@1").shape == (2,)
    assert dropped["recall@3"] >= kept["recall@3"]

    # explicit and on copies: the inputs are not changed
    ds = load_beir(tmp_path / "self", options=RetrievalOptions(ignore_identical_ids=True))
    ids = np.array([[0, 2, 3, 4], [1, 0, 3, 5]])
    scores = np.array([[4.0, 3, 2, 1], [4.0, 3, 2, 1]], dtype=np.float32)
    before = ids.copy(), scores.copy()
    out_ids, out_scores = drop_identical(ids, scores, ds, 3)
    assert (ids == before[0]).all() and (scores == before[1]).all()
    assert out_ids.tolist() == [[2, 3, 4], [0, 3, 5]]
    assert out_scores.tolist() == [[3, 2, 1], [3, 2, 1]]


def test_streaming_keeps_one_copy_of_the_text(tmp_path, beir_writer):
    """Texts are built once while reading: the dataset's strings are the joined ones."""
    docs = {f"d{i}": (f"t{i}", f"body {i}") for i in range(200)}
    root = beir_writer(tmp_path / "b", docs, {"q": "x"}, [("q", "d0", 1)])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ds = load_beir(root)
    assert isinstance(ds.docs, tuple) and ds.docs[5] == "t5 body 5" and ds.n_docs == 200
