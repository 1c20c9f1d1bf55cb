"""The rerank axis at plan time: cells, ids, candidates raised to k, one-line errors."""

from __future__ import annotations

import logging
import subprocess
import sys

import pytest

from harness.errors import UserErrors
from harness.plan.expand import expand
from harness.suite.schema import load_suite_text

BASE = """\
schema_version: 1
name: r
datasets: [{dataset}]
models: [{models}]
k: 10
"""


def _plan(tmp_path, rerank: str = "", dataset: str = "", models: str = "'hash:16'"):
    dataset = dataset or f"beir:{tmp_path}"
    return expand(load_suite_text(BASE.format(dataset=dataset, models=models) + rerank,
                                  "s.yaml"))


def test_none_keeps_the_cell_ids_and_each_candidate_count_is_a_cell(tiny_beir):
    one = _plan(tiny_beir)
    two = _plan(tiny_beir, "rerank: [none, {model: 'hash:32', candidates: [20, 50]}]\n")
    assert len(one.cells) == 1 and len(two.cells) == 3
    plain = [c for c in two.cells if c.rerank is None]
    assert [c.cell_id for c in plain] == [one.cells[0].cell_id]
    second = sorted((c for c in two.cells if c.rerank), key=lambda c: c.rerank["candidates"])
    assert [c.rerank["candidates"] for c in second] == [20, 50]
    assert {c.rerank["kind"] for c in second} == {"bi"}
    assert len({c.cell_id for c in two.cells}) == 3
    assert second[0].label.endswith("rerank=hash:32@20")
    # the default suite serialises as before: its run id (sha256) is unchanged
    text = BASE.format(dataset=f"beir:{tiny_beir}", models="'hash:16'")
    assert load_suite_text(text).sha256 == load_suite_text(text + "rerank: [none]\n").sha256


def test_candidates_below_k_are_raised_to_k_with_a_warning(tiny_beir, caplog):
    with caplog.at_level(logging.WARNING, logger="harness"):
        plan = _plan(tiny_beir, "rerank: [{model: 'hash:32', candidates: [4, 10]}]\n")
    assert [c.rerank["candidates"] for c in plan.cells] == [10]  # 4 -> 10, one cell
    assert "candidates 4 < k 10, raised to 10" in caplog.text


def test_a_suite_model_named_by_label_reranks_with_its_reference(tiny_beir):
    plan = _plan(tiny_beir, "rerank: [{model: small, candidates: 20}]\n",
                 models="{ref: 'hash:16', name: small}")
    assert plan.cells[0].rerank["model"]["ref"] == "hash:16"


@pytest.mark.parametrize("rerank, message", [
    ("{model: nosuchmodel}", "unknown re-ranker"),
    ("{model: bm25}", "has no encoder of its own to re-rank with"),
    ("{model: 'ce:/no/such/folder'}", "is neither a folder nor a model in the local"),
])
def test_bad_rerankers_are_one_line_at_the_suite_line(tiny_beir, rerank, message):
    with pytest.raises(UserErrors) as err:
        _plan(tiny_beir, f"rerank:\n  - none\n  - {rerank}\n")
    (e,) = err.value.errors
    assert message in e.message and e.key == "rerank[1].model" and e.line == 8


def test_a_cross_encoder_on_vectors_is_refused(tmp_path):
    with pytest.raises(UserErrors) as err:
        _plan(tmp_path, f"rerank: [{{model: 'ce:{tmp_path}'}}]\n",
              dataset="'synthetic:n=50,queries=5,dim=4'", models="vectors")
    (e,) = err.value.errors
    assert "a cross-encoder reads texts" in e.message and "holds vectors" in e.message


def test_the_cli_says_it_in_one_line_and_exits_2(tiny_beir, tmp_path):
    suite = tmp_path / "bad.yaml"
    suite.write_text(BASE.format(dataset=f"beir:{tiny_beir}", models="'hash:16'")
                     + "rerank: [{model: nosuchmodel, candidates: 20}]\n")
    out = subprocess.run([sys.executable, "-m", "harness", "plan", str(suite)],
                         capture_output=True, text=True)
    assert out.returncode == 2
    lines = [x for x in out.stderr.splitlines() if x.strip()]
    assert len(lines) == 1 and "rerank[0].model" in lines[0] and "Traceback" not in out.stderr
