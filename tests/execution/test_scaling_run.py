"""The corpus-size axis end to end: one cell per size, rows carry n_docs and the size,
ground truth on the sample, a text corpus encoded once, and the growth table written."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import shutil

import numpy as np
import pandas as pd
import pytest

from harness import api
from harness.analysis import outputs
from harness.embeddings.cache import EmbeddingCache
from harness.errors import UserErrors
from harness.inputs.cell_inputs import CellInputs
from harness.plan.cell import Cell
from harness.report.compare import compare
from harness.report.plots.growth import compact
from harness.suite.schema import load_suite_text

SUITE = """
schema_version: 1
name: tiny-scaling
k: 10
datasets: ["synthetic:n=1200,dim=8,clusters=4,queries=30"]
models: [vectors]
corpus_sizes: [300, 600, full]
extrapolate_to: 100000
backends:
  - name: exact
  - name: faiss-hnsw
    build: {M: 8}
    search: {efSearch: [8, 64]}
evaluate: [hit@10]
repeats: 1
warmup: 0
"""


def test_a_scaling_run_has_n_docs_per_row_and_a_growth_table(write_suite, tmp_path):
    out = api.run(write_suite(SUITE), api.RunOptions(
        output=tmp_path / "r", cache_dir=tmp_path / "c", progress=False, executor="inline"))
    rows = pd.read_csv(out.run_dir / "results.csv")
    assert (rows["status"] == "ok").all() and len(rows) == 3 * 3  # exact 1 + hnsw 2 settings
    sizes = rows.groupby("corpus_size")["n_docs"].unique()
    assert {k: list(v) for k, v in sizes.items()} == {"300": [300], "600": [600],
                                                       "full": [1200]}
    assert rows["cell_id"].nunique() == 6  # the size is part of the cell id (resume)
    exact = rows[rows["backend"] == "exact"]
    assert (exact["knn_recall@10"] == 1.0).all()  # ground truth computed on each sample
    table = pd.read_csv(out.run_dir / outputs.SCALING)
    ib = table[(table["quantity"] == "index_bytes") & (table["backend"] == "exact")].iloc[0]
    assert ib["exponent"] == pytest.approx(1.0, abs=0.01)  # a flat index grows with N
    assert ib["sizes"] == 3 and ib["target_n"] == 100000 and bool(ib["extrapolated"])
    # rankings compare configurations at one corpus size
    ranks = pd.read_csv(out.run_dir / outputs.RANKINGS)
    assert sorted(ranks["n_docs"]) == [300, 600, 1200] and (ranks["configurations"] == 3).all()
    # the funnel's and the difficulty table's rows carry the size they were searched at
    for name in (outputs.FUNNEL, outputs.DIFFICULTY):
        t = pd.read_csv(out.run_dir / name).merge(rows[["cell_id", "n_docs", "corpus_size"]]
                                                  .drop_duplicates(), on="cell_id")
        assert len(t) == 9 and (t["n_docs_x"] == t["n_docs_y"]).all(), name
        assert (t["corpus_size_x"].astype(str) == t["corpus_size_y"].astype(str)).all(), name
        assert sorted(set(t["corpus_size_x"].astype(str))) == ["300", "600", "full"], name
    # one searched space per size: each size's queries (30) are there once
    per_query = pd.read_csv(out.run_dir / outputs.QUERY_DIFFICULTY)
    assert per_query.groupby(per_query["corpus_size"].astype(str)).size().to_dict() == {
        "300": 30, "600": 30, "full": 30}
    # the report's section: every measured point and every extrapolation carries a title
    html = (out.run_dir / "report.html").read_text()
    section = html.split('<section id="scaling">')[1].split("</section>")[0]
    figure = section.split('id="plot-growth-0"')[1].split("</figure>")[0]
    assert figure.count("<title>") == int((table["sizes"] + 1).sum())
    assert figure.count("<title>EXTRAPOLATION to N = 100,000 from the model") == len(table)
    assert "Values at N = 100,000 are extrapolations from the stated model" in section
    assert "at N = 100,000 (extrapolated) (95% PI)" in section
    # extrapolated values as the plots' ticks: the exact index's bytes at 100,000 documents
    # (flat, b = 1: 100000/1200 times its bytes at 1,200) in k/M/G, never 1.23e+07
    shown = section.split("(95% PI)")[1]
    assert "e+0" not in shown
    assert compact(ib["at_target"]) in shown and compact(ib["at_target"]).endswith("M")
    assert [compact(x) for x in (17400, 2e9, 3.35e16, 999.6, 0.003)] == [
        "17.4k", "2G", "33,500T", "1k", "0.003"]
    # the results table tells the sizes apart; the speed view draws a line per build and N
    results = html.split('<section id="results">')[1].split("</section>")[0]
    assert "300 to 1,200 (corpus sizes) documents" in results and ">n_docs" in results
    assert "faiss-hnsw M=8,efConstruction=40 · N=600" in html
    # compare pairs each configuration at its own size
    copy = tmp_path / "copy"
    shutil.copytree(out.run_dir, copy)
    pairs = compare(out.run_dir, copy, write=False).pairs
    assert len(pairs) == 9 and pairs["config"].nunique() == 9
    assert sum(c.endswith("| exact | N=300") for c in pairs["config"]) == 1


def test_a_text_corpus_is_encoded_once_and_samples_take_its_rows(beir_writer, tmp_path):
    docs = {f"d{i}": (f"title {i}", f"words {i % 7} more {i % 11} text {i}") for i in range(80)}
    queries = {f"q{j}": f"words {j} text" for j in range(5)}
    root = beir_writer(tmp_path / "b", docs, queries, [(f"q{j}", f"d{j}", 1) for j in range(5)])
    ctx = CellInputs(cache=EmbeddingCache(tmp_path / "c"))

    def cell(size):
        return Cell(dataset={"ref": f"beir:{root}"}, model={"ref": "hash:16"}, dim=None,
                    precision="float32", metric="cosine", backend="exact", build={},
                    search_grid=({},), k=5, evaluate=("ndcg@10",), seed=0, repeats=1,
                    warmup=0, threads=1, corpus_size=size)

    full = ctx.vectors(cell(None), ctx.dataset(cell(None)))
    for size in (10, 40):
        ds = ctx.dataset(cell(size))
        assert ds.n_docs == size and {f"d{j}" for j in range(5)} <= set(ds.doc_ids)
        vec = ctx.vectors(cell(size), ds)
        rows = [int(d[1:]) for d in ds.doc_ids]
        assert np.array_equal(vec.docs, np.asarray(full.docs)[rows])
    assert ctx.encode_calls == 2  # documents and queries of the full corpus, once each


def test_bad_corpus_sizes_are_one_line_errors():
    base = SUITE.replace("corpus_sizes: [300, 600, full]", "corpus_sizes: BAD")
    for bad, expected in (("[300, 0]", "positive integer or 'full'"),
                          ("[300, 300]", "lists a size twice"),
                          ("[300, all]", "or 'full' (the whole corpus), got 'all'")):
        with pytest.raises(UserErrors) as err:
            load_suite_text(base.replace("BAD", bad), "s.yaml")
        message = str(err.value)
        assert expected in message and "corpus_sizes" in message and "s.yaml:7" in message
        assert "\n" not in message


def test_without_the_axis_suites_and_cells_keep_their_ids():
    plain = load_suite_text(SUITE.replace("corpus_sizes: [300, 600, full]\n", "")
                            .replace("extrapolate_to: 100000\n", ""), "s.yaml")
    dumped = plain.suite.model_dump(mode="json")
    assert "corpus_sizes" not in dumped and "extrapolate_to" not in dumped
    scaled = load_suite_text(SUITE, "s.yaml").suite.model_dump(mode="json")
    assert scaled["corpus_sizes"] == [300, 600, "full"] and scaled["extrapolate_to"] == 100000
    cell = Cell(dataset={"ref": "x"}, model={"ref": "vectors"}, dim=None, precision="float32",
                metric="cosine", backend="exact", build={}, search_grid=({},), k=5,
                evaluate=("ndcg@10",), seed=0, repeats=1, warmup=0, threads=1)
    # the id of a cell from before the axis: the hash of its fields without corpus_size
    fields = dataclasses.asdict(cell)
    del fields["corpus_size"]
    fields.pop("load", None)  # the load axis's field, absent from ids without one
    fields.pop("filter", None)  # a later axis's field, absent too when unfiltered
    fields.pop("rerank", None)  # rerank: absent without a second stage too
    old_id = hashlib.sha256(json.dumps(fields, sort_keys=True, default=str).encode())
    assert cell.cell_id == old_id.hexdigest()[:12]
    assert dataclasses.replace(cell, corpus_size=1000).cell_id != cell.cell_id


def test_rules_match_the_corpus_size(tmp_path):
    from harness.plan.expand import expand

    text = SUITE + ("exclude:\n  - {backend: exact, corpus_size: [300, full]}\n"
                    "include:\n  - {backend: exact, corpus_size: 900}\n")
    plan = expand(load_suite_text(text, "s.yaml"))
    exact = sorted(str(c.corpus_size) for c in plan.cells if c.backend == "exact")
    assert exact == ["600", "900"]
    assert sorted(str(c.corpus_size) for c in plan.cells if c.backend != "exact") == [
        "300", "600", "None"]
    with pytest.raises(UserErrors, match="positive integer or 'full', got 'all'"):
        load_suite_text(SUITE + "exclude:\n  - {corpus_size: all}\n", "s.yaml")
    plain = load_suite_text(SUITE + "exclude:\n  - {backend: exact}\n", "s.yaml")
    rule = plain.suite.model_dump(mode="json")["exclude"][0]
    assert rule["backend"] == "exact" and "corpus_size" not in rule  # run ids unchanged
