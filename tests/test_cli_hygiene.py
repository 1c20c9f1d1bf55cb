"""CLI hygiene: --version, bundled suites, --json, tables within 100 columns, no tracebacks."""

from __future__ import annotations

import json

import pytest

import harness
from harness import api
from harness.cli import main


def test_version(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.strip() == f"harness {harness.__version__}"


def test_bundled_suites_are_listed_and_found_by_name(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no suites/ folder here: the bundled copy answers
    assert main(["suites", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    names = {r["name"] for r in rows}
    assert {"quickstart", "compression", "iceberg"} <= names
    quick = next(r for r in rows if r["name"] == "quickstart")
    assert quick["description"].startswith("MiniLM vs GloVe")
    assert main(["validate", "quickstart"]) == 0
    out = capsys.readouterr().out  # names the bundled file it found
    assert out.startswith(quick["file"]) and "suites/quickstart.yaml: ok (2 cells" in out


@pytest.mark.parametrize("command", ["datasets", "models", "backends", "suites"])
def test_listings_fit_100_columns_and_have_json(command, capsys):
    assert main([command]) == 0
    text = capsys.readouterr().out
    assert max(len(line) for line in text.splitlines()) <= 100
    assert main([command, "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    first = next(iter(rows[0]))  # the name column, in full (the table may cut it)
    want = (api.catalogue(command) if command != "suites" else None)
    if want is not None:
        assert [r[first] for r in rows] == want.iloc[:, 0].tolist()
    assert all(str(r[first])[:20] in text for r in rows)


def test_best_with_a_metric_the_run_lacks_is_one_line(write_suite, tiny_beir, tmp_path,
                                                      capsys):
    opts = api.RunOptions(output=tmp_path / "r", cache_dir=tmp_path / "c", progress=False,
                          executor="inline", report=False, analysis=False)
    out = api.run(write_suite(f"schema_version: 1\nname: b\ndatasets: ['beir:{tiny_beir}']\n"
                              "models: [hash:16, hash:32]\nevaluate: [ndcg@10]\n"), opts)
    assert main(["best", str(out.run_dir), "--metric", "ndcg@100"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "metric 'ndcg@100' is not in this run" in err
    assert "ndcg@10" in err and "Traceback" not in err
    assert main(["best", str(out.run_dir), "--json"]) == 0
    got = json.loads(capsys.readouterr().out)
    assert got["metric"] == "ndcg@10"
    assert got["best"][0]["ndcg@10"] == pytest.approx(out.frame["ndcg@10"].max())
    assert main(["best", str(out.run_dir)]) == 0
    assert max(len(line) for line in capsys.readouterr().out.splitlines()) <= 100
    # --max-bytes-per-doc: exact float32 holds 4 d bytes a document (64 and 128 here)
    assert main(["best", str(out.run_dir), "--max-bytes-per-doc", "100", "--json"]) == 0
    got = json.loads(capsys.readouterr().out)
    assert [(r["model"], r["bytes_per_doc"]) for r in got["best"]] == [("hash:16", 64)]
    assert sorted(r["bytes_per_doc"] for r in got["frontier_bytes_per_doc"])[0] == 64
    assert main(["best", str(out.run_dir), "--max-bytes-per-doc", "10"]) == 1
    assert "max_bytes_per_doc=10.0" in capsys.readouterr().out
