"""CLI hygiene: --version, bundled suites, --json, tables within 100 columns, no tracebacks."""

from __future__ import annotations

import json

import pytest

import harness
from harness import api
from harness.cli.main import main


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


def test_a_mistyped_bundled_suite_name_is_named(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mine.yaml").write_text("name: x\n")
    assert main(["plan", "quickstartt"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == ("error: quickstartt: suite file not found, and no bundled suite has that "
                   "name (did you mean the bundled suite 'quickstart'? `harness suites` "
                   "lists them)")
    # a name close to no bundled suite: the files here are the suggestion, as before
    assert main(["validate", "mien.yaml"]) == 2
    assert "did you mean 'mine.yaml'?" in capsys.readouterr().err
    with pytest.raises(harness.errors.UserError, match="bundled suite 'scaling'"):
        api.plan("scalng")


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


def _options(parser, path="harness"):
    """(command path, option) of every argument in the parser tree, help and subparsers aside."""
    import argparse

    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _options(sub, f"{path} {name}")
        elif not isinstance(action, argparse._HelpAction):
            yield path, action


def test_every_option_of_every_subcommand_has_help():
    from harness.cli.args import parser

    found = list(_options(parser()))
    missing = [f"{path} {a.option_strings or a.dest}" for path, a in found
               if not (a.help or "").strip()]
    assert missing == []
    assert len({p for p, _ in found}) >= 15 and len(found) >= 50  # the whole tree was walked


def test_readme_command_table_names_every_subcommand_and_option():
    """docs/cli.md's command table: a row per subcommand naming each of its options (the
    generated docs/reference/cli.md lists them all by construction)."""
    import re
    from pathlib import Path

    from harness.cli.args import parser

    page = (Path(__file__).resolve().parents[1] / "docs" / "cli.md").read_text()
    section = page.split("# Command line\n")[1].split("\n## ")[0]
    rows = [line for line in section.splitlines() if line.startswith("| `harness")]
    missing = []
    for path, action in _options(parser()):
        command = " ".join(path.split()[1:])  # '' for the top level's own options
        names = [o for o in action.option_strings if o.startswith("--")]
        mine = ([r for r in rows if re.search(rf"`harness {re.escape(command)}[ `]", r)]
                if command else rows)
        if not mine:
            missing.append(f"harness {command}: no row")
        elif names and not any(n in r for r in mine for n in names):
            missing.append(f"{path} {names[0]}")
    assert sorted(set(missing)) == [], "\n".join(sorted(set(missing)))


@pytest.fixture
def tiny_run(write_suite, tiny_beir, tmp_path):
    suite = write_suite(f"schema_version: 1\nname: j\ndatasets: ['beir:{tiny_beir}']\n"
                        "models: [hash:16, hash:32]\nevaluate: [ndcg@10]\n")
    args = ["--output", str(tmp_path / "r"), "--cache-dir", str(tmp_path / "c"),
            "--no-progress", "--no-report", "--no-analysis", "--executor", "inline"]
    return suite, args


def test_json_on_plan_run_leaderboard_compare_and_probe(tiny_run, tiny_beir, tmp_path, capsys):
    suite, args = tiny_run
    assert main(["plan", str(suite), "--json"]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert len(plan["cells"]) == 2 and plan["skipped"] == []
    assert main(["run", str(suite), *args, "--json"]) == 0
    run = json.loads(capsys.readouterr().out)  # all of stdout is the JSON: logs go to stderr
    assert (run["ran"], run["reused"], run["failed"]) == (2, 0, 0)
    frame = api.open_run(run["run_dir"]).frame()
    assert [r["ndcg@10"] for r in run["rows"]] == pytest.approx(frame["ndcg@10"].tolist())
    assert {r["cell_id"] for r in run["rows"]} == {c["cell_id"] for c in plan["cells"]}

    assert main(["leaderboard", str(tmp_path / "r"), "--json"]) == 0
    board = json.loads(capsys.readouterr().out)
    best = max(board["entries"], key=lambda e: e["value"])
    assert [e["rank"] for e in board["entries"]] == [1, 2] and best["rank"] == 1
    assert best["value"] == pytest.approx(frame["ndcg@10"].max())
    assert main(["compare", run["run_dir"], run["run_dir"], "--json"]) == 0
    comp = json.loads(capsys.readouterr().out)
    assert len(comp["pairs"]) == 2 and all(p["diff"] == 0 for p in comp["pairs"])
    assert main(["probe", f"beir:{tiny_beir}", "--model", "hash:16", "--sample", "20",
                 "--cache-dir", str(tmp_path / "c"), "--json"]) == 0
    probe = json.loads(capsys.readouterr().out)
    assert probe["features"]["dim"] == 16 and probe["distance"] in ("cosine", "l2", "ip")


def test_text_output_fits_100_columns(tiny_run, tiny_beir, tmp_path, capsys):
    suite, args = tiny_run
    for argv in (["plan", str(suite)], ["run", str(suite), *args]):
        assert main(argv) == 0
    run_dir = next((tmp_path / "r").iterdir())
    for argv in (["leaderboard", str(tmp_path / "r")], ["compare", str(run_dir), str(run_dir)],
                 ["probe", f"beir:{tiny_beir}", "--model", "hash:16", "--sample", "20",
                  "--cache-dir", str(tmp_path / "c")]):
        assert main(argv) == 0
    lines = capsys.readouterr().out.splitlines()
    # paths are printed whole (to copy); every other line, tables included, fits
    wide = [line for line in lines if len(line) > 100 and str(tmp_path) not in line]
    assert wide == [] and len(lines) > 30
    assert any(line.startswith("#1 = ") and "| hash:16 |" in line for line in lines)  # in full


@pytest.mark.parametrize("argv, says", [
    (["probe", "X", "--model", "hash:8", "--dim", "0"], "argument --dim: expected a dimension"),
    (["probe", "X", "--model", "hash:8", "--dim", "pca:x"], "like 128 or 'pca:128'"),
    (["probe", "X", "--model", "hash:8", "--sample", "-5"], "--sample: expected a number >= 1"),
    (["probe", "X"], "the following arguments are required: --model"),
    (["best", "R", "--max-p99-ms", "-1"], "--max-p99-ms: expected a number > 0, got -1"),
    (["best", "R", "--min-qps", "lots"], "--min-qps: expected a number, got 'lots'"),
    (["frobnicate"], "invalid choice: 'frobnicate'"),
])
def test_usage_mistakes_are_one_line(argv, says, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    err = capsys.readouterr().err
    assert exc.value.code == 2 and err.count("\n") == 1 and says in err
    assert err.startswith("error: harness") and "--help)" in err


def test_value_mistakes_are_one_line(tiny_run, tiny_beir, tmp_path, capsys):
    suite, args = tiny_run
    assert main(["run", str(suite), *args]) == 0
    run_dir = str(next((tmp_path / "r").iterdir()))
    capsys.readouterr()
    cases = [
        (["probe", f"beir:{tiny_beir}", "--model", "hash:16", "--dim", "64",
          "--cache-dir", str(tmp_path / "c")], "--dim: dim 64 is larger than the vectors' "
         "native dim 16"),
        (["compare", run_dir, run_dir, "--metric", "ndcg@100"],
         "--metric: metric 'ndcg@100' is not in both runs (both runs have: "),
        (["leaderboard", str(tmp_path / "r"), "--metric", "mrr@10"], "has the metric 'mrr@10'"),
        (["export", run_dir, str(suite), "--format", "trec"], f"OUT: {suite} is a file, not a"),
        (["export", f"beir:{tiny_beir}", str(suite)], "is a file, not a folder"),
        (["funnel", run_dir, "--csv", str(tmp_path / "no" / "f.csv")], "--csv: no folder"),
    ]
    for argv, says in cases:
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and says in err and "Traceback" not in err
