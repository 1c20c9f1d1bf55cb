"""`harness leaderboard` merges runs of different suites; `harness compare` pairs queries."""

from __future__ import annotations

import json
import re
import shutil

import numpy as np
import pandas as pd
from report_fixtures import runs_fixture  # noqa: F401 (the `runs` fixture)

from harness import api
from harness.cli.main import main


def test_leaderboard_merges_runs_of_two_suites(runs, capsys):
    assert main(["leaderboard", str(runs.results)]) == 0
    out = capsys.readouterr().out
    board = pd.read_csv(runs.results / "leaderboard.csv")
    # One ranking for the one dataset, holding entries of both suites' runs.
    assert set(board["dataset"]) == {"synth"}
    assert board["dataset_fingerprint"].nunique() == 1
    assert set(board["run_id"]) == {runs.a.run_dir.name, runs.b.run_dir.name}
    assert set(board["model"]) == {"hash:64", "hash:32"}
    # Best configuration per model x dim x precision x backend, ranked by the main metric.
    assert not board.duplicated(["model", "dim", "precision", "backend"]).any()
    assert board["rank"].tolist() == list(range(1, len(board) + 1))
    assert board["value"].is_monotonic_decreasing
    assert {"qps", "latency_p99_ms", "bytes_per_doc", "ci_low", "ci_high"} <= set(board)
    assert len(board) == 3  # hash:64 at 64 and 4 dims, hash:32
    # The suites list different first metrics (ndcg@10, mrr@10), but both evaluate the BEIR
    # set's own main metric, ndcg@10: every row of both runs is judged by it, no conflict.
    assert (board["main_metric"] == "ndcg@10").all()
    assert "different main metrics" not in out
    page = (runs.results / "leaderboard.html").read_text()
    assert runs.a.run_dir.name in page and runs.b.run_dir.name in page
    assert '<table class="sortable"' in page
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)


def test_leaderboard_keeps_other_data_apart_and_flags_versions(runs, tmp_path):
    root = tmp_path / "results"
    shutil.copytree(runs.a.run_dir, root / "a")
    # The same suite run by another harness version on other data content.
    other = root / "older"
    shutil.copytree(runs.b.run_dir, other)
    manifest = json.loads((other / "manifest.json").read_text())
    manifest["harness_version"] = "0.0.1"
    (other / "manifest.json").write_text(json.dumps(manifest))
    board = api.leaderboard(root, metric="mrr@10")
    t = board.table
    assert t["dataset_fingerprint"].nunique() == 1  # versions: merged but flagged
    assert "v0.0.1" in set(t["flag"])
    assert any("harness versions" in w for w in board.warnings)

    for f in (other / "cells").glob("*.json"):
        rec = json.loads(f.read_text())
        for r in rec["rows"]:
            r["dataset_fingerprint"] = "ffffffffffffffff"
        f.write_text(json.dumps(rec))
    board = api.leaderboard(root, metric="mrr@10")
    assert board.table["dataset_fingerprint"].nunique() == 2  # kept apart
    assert any("different contents" in w for w in board.warnings)
    assert "ranked separately" in board.html_path.read_text()


def test_compare_pairs_queries_with_p_values(runs, tmp_path, capsys):
    # B: a copy of run A in which one configuration lost nDCG on most queries.
    b = tmp_path / "b"
    shutil.copytree(runs.a.run_dir, b)
    frame = runs.a.frame
    target = frame[(frame["dim"] == 64) & (frame["metric"] == "cosine")].iloc[0]
    npz = b / "perquery" / f"{target['cell_id']}.npz"
    with np.load(npz) as z:
        arrays = {k: z[k] for k in z.files}
    arrays["s0:ndcg@10"] = arrays["s0:ndcg@10"] * 0.5
    np.savez_compressed(npz, **arrays)
    manifest = json.loads((b / "manifest.json").read_text())
    manifest["run_id"] = "changed"
    (b / "manifest.json").write_text(json.dumps(manifest))

    assert main(["compare", str(runs.a.run_dir), str(b), "--output", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "p_value" in out and "p_holm" in out
    tests = pd.read_csv(next(tmp_path.glob("compare-*.csv")))
    main_rows = tests[tests["measure"] == "ndcg@10"]
    assert len(main_rows) == len(frame)  # every configuration of A is in B
    changed = main_rows[main_rows["config"].str.contains(r"d=64 \| float32 \| cosine")]
    assert len(changed) == 1
    row = changed.iloc[0]
    assert row["diff"] < 0 and row["ci_high"] < 0
    assert row["p_value"] < 0.001 and row["significant"]
    same = main_rows.drop(changed.index)
    assert (same["diff"] == 0).all() and (same["p_value"] == 1).all()
    assert not same["significant"].any()
    page = next(tmp_path.glob("compare-*.html")).read_text()
    assert "p (Holm)" in page and "95% CI of Δ" in page


def test_leaderboard_of_a_missing_or_empty_folder_says_so(tmp_path, capsys):
    # a missing folder is a mistake: one line, exit 2
    assert main(["leaderboard", str(tmp_path / "nope")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"error: {tmp_path / 'nope'}: no such folder")
    # a folder without runs: exit 0, and the output says there are none
    (tmp_path / "empty" / "notes").mkdir(parents=True)
    assert main(["leaderboard", str(tmp_path / "empty")]) == 0
    out = " ".join(capsys.readouterr().out.split())  # wrapped at 100 columns
    assert out.startswith(f"! no runs under {tmp_path / 'empty'}: `harness run SUITE --output")
    assert "(no results)" not in out


def test_leaderboard_says_when_runs_judge_a_dataset_differently(tiny_beir, write_suite, tmp_path,
                                                                 capsys):
    """One suite evaluates the BEIR set's own main metric (ndcg@10), the other does not (so
    its rows are judged by mrr@10): the board ranks by the most common one and says so."""
    opts = api.RunOptions(output=tmp_path / "results", cache_dir=tmp_path / "cache",
                          progress=False, executor="inline", report=False, analysis=False)
    for name, evaluate in (("a", "[ndcg@10, mrr@10]"), ("b", "[mrr@10]"), ("c", "[ndcg@10]")):
        text = (f"schema_version: 1\nname: lb-{name}\ndatasets: [{{ref: 'beir:{tiny_beir}', "
                f"name: tiny}}]\nmodels: [hash:16]\nk: 10\nevaluate: {evaluate}\nrepeats: 1\n"
                "warmup: 0\n")
        out = api.run(write_suite(text, f"{name}.yaml"), opts)
        assert set(out.frame["main_metric"]) == {"mrr@10" if name == "b" else "ndcg@10"}
    capsys.readouterr()
    assert main(["leaderboard", str(tmp_path / "results")]) == 0
    out = " ".join(capsys.readouterr().out.split())  # the warning is wrapped to the terminal
    assert "the runs declare different main metrics (mrr@10, ndcg@10); ranked by ndcg@10" in out
