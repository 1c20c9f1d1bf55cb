"""Every case of the bad-input corpus (generate.py): exit code 2, one line per problem that
names the file or key at fault, and no Python traceback on the terminal."""

from __future__ import annotations

import pytest

from harness.cli.main import main
from tests.bad_inputs.generate import CASES


def test_the_corpus_is_large_and_covers_every_kind():
    kinds = {name.split("/")[0] for name in CASES}
    assert len(CASES) >= 100
    assert kinds == {"suite", "beir", "labelled", "precomputed", "cli"}


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_input_is_one_clear_line(name, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("CI", "1")  # nobody answers a prompt here
    monkeypatch.setenv("HARNESS_CACHE", str(tmp_path / "cache"))
    case = CASES[name](tmp_path)
    code = main(case.argv)
    out, err = capsys.readouterr()
    lines = err.strip().splitlines()
    assert code == 2, f"exit {code}: {err}"
    assert "Traceback" not in out + err
    assert lines and all(line.startswith("error: ") for line in lines), err
    assert any(case.names in line for line in lines), f"{case.names!r} not in: {err}"
    # nothing was encoded: a bad input stops before any cell runs
    assert not list((tmp_path / "cache").glob("**/*.npy"))
