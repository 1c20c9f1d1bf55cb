"""A suite refused at plan time leaves every earlier result of its output folder as it was."""

from __future__ import annotations

from harness.cli.main import main
from tests.bad_inputs.common import suite_text, write_beir, write_suite


def test_a_refused_suite_loses_no_earlier_result(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("CI", "1")
    data = write_beir(tmp_path / "data")
    out, cache = tmp_path / "results", tmp_path / "cache"
    good = write_suite(tmp_path, suite_text(f"['beir:{data}']"))
    argv = ["run", str(good), "--output", str(out), "--cache-dir", str(cache), "--no-progress",
            "--no-report", "--executor", "inline"]
    assert main(argv) == 0
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    capsys.readouterr()
    # the same suite with an index the corpus cannot hold (nlist 64 > 6 documents)
    bad = tmp_path / "bad"
    bad.mkdir()
    ivf = "backends: [{name: faiss-ivf, build: {nlist: 64}}]\n"
    text = suite_text(f"['beir:{data}']", extra=ivf)
    argv[1] = str(write_suite(bad, text))
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("error: ") == 1 and "nlist=64 needs at least 64 training vectors" in err
    after = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before  # no file changed, none added, none removed
