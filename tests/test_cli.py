"""The command line: exit codes, one-line errors without tracebacks, listings."""

from __future__ import annotations

import json
import re
import subprocess
import sys

from harness.cli.main import main
from harness.cli.views import analysis_share


def test_validate_ok_and_plan(write_suite, tiny_beir, capsys):
    path = write_suite(
        f"schema_version: 1\nname: c\ndatasets: [beir:{tiny_beir}]\n"
        "models: [hash:8]\nmetrics: [cosine, l2]\n"
    )
    assert main(["validate", str(path)]) == 0
    assert "ok (2 cells, 0 skipped)" in capsys.readouterr().out
    assert main(["plan", str(path)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("2 cells:") and "| l2 | exact" in out


def test_user_error_is_one_line_exit_2(write_suite, tiny_beir):
    path = write_suite(
        f"schema_version: 1\nname: c\ndatasets: [beir:{tiny_beir}]\n"
        "models: [hash:8]\nmetrcs: [cosine]\n"
    )
    res = subprocess.run(
        [sys.executable, "-m", "harness.cli", "run", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert res.returncode == 2
    assert res.stderr.strip().splitlines() == [
        f"error: {path}:5: metrcs: unknown key (did you mean 'metrics'?)"
    ]
    assert "Traceback" not in res.stderr
    debug = subprocess.run(
        [sys.executable, "-m", "harness.cli", "--debug", "validate", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert "Traceback" in debug.stderr


def test_run_prints_table_and_exit_code(write_suite, tiny_beir, tmp_path, capsys):
    path = write_suite(
        f"schema_version: 1\nname: c\ndatasets: [beir:{tiny_beir}]\n"
        "models: [hash:8]\nmetrics: [cosine, l2]\nk: 10\nrepeats: 1\n"
    )
    code = main(
        [
            "run",
            str(path),
            "--output",
            str(tmp_path / "r"),
            "--cache-dir",
            str(tmp_path / "c"),
            "--no-progress",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert "ndcg@10" in out and "cosine" in out and "l2" in out
    assert "(2 cells run, 0 reused, 0 failed; analysis " in out
    # the share printed is the manifest's analysis / wall seconds, rounded
    run_dir = next((tmp_path / "r").glob("c-*"))
    phases = json.loads((run_dir / "manifest.json").read_text())["phase_seconds"]
    assert set(phases) == {"cells", "analysis", "report", "wall"}
    assert phases["cells"] + phases["analysis"] + phases["report"] <= phases["wall"] + 1e-3
    share = re.search(r"analysis (\d+)% of ([\d,]+) s\)", out)
    assert share and int(share[1]) == round(100 * phases["analysis"] / phases["wall"])


def test_catalogue_listings(capsys):
    assert main(["models"]) == 0
    out = capsys.readouterr().out
    assert "minilm-l6-int8" in out and "glove-50d" in out and "hash:64" in out
    assert main(["datasets"]) == 0
    assert "bbc-news" in capsys.readouterr().out
    assert main(["backends"]) == 0
    assert "exact" in capsys.readouterr().out


def test_export_writes_a_beir_folder_the_loader_reads_back(tiny_beir, tmp_path, capsys):
    from harness.plan.refs import load_dataset
    from harness.suite.schema import DatasetRef

    out = tmp_path / "copy"
    assert main(["export", f"beir:{tiny_beir}", str(out)]) == 0
    assert capsys.readouterr().out.startswith(f"{out}: ")
    a = load_dataset(DatasetRef(ref=f"beir:{tiny_beir}"))
    b = load_dataset(DatasetRef(ref=f"beir:{out}"))
    assert (a.doc_ids, a.docs, a.query_ids, a.queries, a.qrels) == (
        b.doc_ids, b.docs, b.query_ids, b.queries, b.qrels)


def test_python_dash_m_harness_is_the_cli():
    res = subprocess.run([sys.executable, "-m", "harness", "--help"], capture_output=True,
                         text=True, check=False)
    assert res.returncode == 0 and "usage: harness" in res.stdout


def test_analysis_share_on_the_summary_line():
    assert analysis_share({"cells": 150.0, "analysis": 12.0, "report": 3.0,
                           "wall": 200.0}) == "; analysis 6% of 200 s"
    assert analysis_share({"analysis": 1.0, "wall": 1234.5}) == "; analysis 0% of 1,234 s"
    assert analysis_share({"cells": 10.0, "wall": 10.0}) == ""  # --no-analysis
    assert analysis_share(None) == ""
