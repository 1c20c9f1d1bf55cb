"""TREC runs exported from a stored run reproduce its metrics in pytrec_eval (trec_eval 9)."""

from __future__ import annotations

import csv
from collections import defaultdict

import numpy as np
import pytest

from harness import api
from harness.exports.trec import export_trec, trec_eval_measure
from harness.store.runs import RunStore

pytrec_eval = pytest.importorskip("pytrec_eval")

SUITE = """\
schema_version: 1
name: trec-out
datasets: [beir:{beir}]
models: [hash:16]
precisions: [float32, binary]
metrics: [cosine]
k: 20
evaluate: [ndcg@10, recall@5, map@10, p@5, hit@3, mrr@10]
backends:
  - {{name: exact}}
  - {{name: faiss-hnsw, build: {{M: 4}}, search: {{efSearch: [2, 32]}}}}
  - {{name: faiss-binary}}
"""

# harness metric -> (pytrec_eval measure, key in its output); mrr@10 is recip_rank on the
# run cut at 10 (trec_eval has no cutoff for it)
MEASURES = {"ndcg@10": "ndcg_cut_10", "recall@5": "recall_5", "map@10": "map_cut_10",
            "p@5": "P_5", "hit@3": "success_3"}


def _read_run(path) -> dict[str, list[tuple[int, str, float]]]:
    out: dict[str, list[tuple[int, str, float]]] = defaultdict(list)
    for line in path.read_text().splitlines():
        q, q0, d, rank, score, _tag = line.split()
        assert q0 == "Q0"
        out[q].append((int(rank), d, float(score)))
    return out


def _read_qrels(path) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = defaultdict(dict)
    for line in path.read_text().splitlines():
        q, _, d, g = line.split()
        out[q][d] = int(g)
    return out


def test_exported_runs_reproduce_every_row_in_pytrec_eval(write_suite, tiny_beir, tmp_path):
    opts = api.RunOptions(output=tmp_path / "results", cache_dir=tmp_path / "cache",
                          progress=False, executor="inline", report=False, analysis=False)
    out = api.run(write_suite(SUITE.format(beir=tiny_beir)), opts)
    # exact (float32, binary), hnsw (2 settings), faiss-binary
    assert out.n_failed == 0 and len(out.frame) == 5
    got = export_trec(RunStore(out.run_dir), tmp_path / "trec")
    assert got.skipped == [] and len(got.files) == 5 and len(got.qrels) == 1
    qrels = _read_qrels(got.qrels[0])
    assert set(qrels) == {f"q-{t}" for t in ("apple", "car", "ocean", "music", "space", "bread")}
    index = list(csv.DictReader((got.out / "runs.csv").open()))
    store = RunStore(out.run_dir)
    ties = 0
    for entry in index:
        row = out.frame[(out.frame["cell_id"] + "-s" + out.frame["setting"].astype(str))
                        == entry["tag"]].iloc[0]
        assert entry["dim_method"] == row["dim_method"] and entry["corpus_size"] == "full"
        run = _read_run(got.out / entry["run"])
        # the rank column is trec_eval's own order: score descending, ties by id descending
        for hits in run.values():
            keys = [(s, d) for _, d, s in sorted(hits)]
            assert keys == sorted(keys, reverse=True)
            ties += len(hits) - len({s for _, _, s in hits})
        as_dict = {q: {d: s for _, d, s in hits} for q, hits in run.items()}
        cut10 = {q: {d: s for r, d, s in hits if r <= 10} for q, hits in run.items()}
        res = pytrec_eval.RelevanceEvaluator(qrels, set(MEASURES.values())).evaluate(as_dict)
        rr = pytrec_eval.RelevanceEvaluator(qrels, {"recip_rank"}).evaluate(cut10)
        pq = store.perquery(row["cell_id"])
        qids = list(pq.query_ids)
        assert sorted(qids) == sorted(res)
        for name, measure in {**MEASURES, "mrr@10": "recip_rank"}.items():
            theirs = np.array([(rr if name == "mrr@10" else res)[q][measure] for q in qids])
            np.testing.assert_allclose(pq.task_values(int(row["setting"]), name), theirs,
                                       rtol=0, atol=1e-9, err_msg=f"{entry['tag']} {name}")
            assert float(entry[name]) == pytest.approx(float(theirs.mean()), abs=1e-9)
    assert ties > 0  # binary (Hamming) scores tie: the tie order was exercised


def test_trec_eval_measure_names():
    assert trec_eval_measure("nDCG@10") == "ndcg_cut_10"
    assert trec_eval_measure("precision@5") == "P_5"
    assert trec_eval_measure("success@1") == "success_1"
    assert trec_eval_measure("mrr@10") == ""


def test_cli_exports_a_run_folder_and_keeps_dataset_export(write_suite, tiny_beir, tmp_path,
                                                           capsys):
    from harness.cli.main import main

    opts = api.RunOptions(output=tmp_path / "results", cache_dir=tmp_path / "cache",
                          progress=False, executor="inline", report=False, analysis=False)
    out = api.run(write_suite(SUITE.format(beir=tiny_beir)), opts)
    assert main(["export", str(out.run_dir), str(tmp_path / "t")]) == 0  # trec by default
    assert capsys.readouterr().out.startswith(f"{tmp_path / 't'}: 5 result files, 1 qrels")
    assert len(list((tmp_path / "t" / "runs").glob("*.trec"))) == 5
    assert main(["export", str(out.run_dir), str(tmp_path / "m"), "--format", "mteb"]) == 0
    assert len(list((tmp_path / "m" / "results").glob("*/*/*.json"))) == 10  # + model_meta
    # options of the other kind of source are one-line errors
    assert main(["export", str(out.run_dir), str(tmp_path / "x"), "--layout", "hf"]) == 2
    assert main(["export", f"beir:{tiny_beir}", str(tmp_path / "y"), "--format", "trec"]) == 2
    err = capsys.readouterr().err
    assert "--layout is for datasets" in err and "--format is for run folders" in err
    assert main(["export", f"beir:{tiny_beir}", str(tmp_path / "z"), "--layout", "hf"]) == 0


def test_ids_with_whitespace_are_named_not_written():
    from harness.exports.trec import _blank_id

    assert _blank_id(np.array(["q1", "q 2"]), np.array([["d1"]])) == "q 2"
    assert _blank_id(np.array(["q1"]), np.array([["d1", "d\t2", ""]])) == "d\t2"
    assert _blank_id(np.array(["q1"]), np.array([["d1", ""]])) is None
