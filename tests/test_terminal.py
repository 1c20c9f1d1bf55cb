"""The terminal: a reader that goes away ends no command noisily and no run early; a huge
grid needs --yes; --only matching nothing is a user error naming the closest labels."""

from __future__ import annotations

import io
import subprocess
import sys

import pytest

from harness.cli import terminal
from harness.cli.main import main

SUITE = ("schema_version: 1\nname: t\ndatasets: ['synthetic:n=200,queries=20,dim=8']\n"
         "models: [vectors]\nmetrics: [cosine, l2]\nevaluate: [label_recall@5]\nk: 5\n"
         "repeats: 1\nwarmup: 0\n")


class GonePipe(io.StringIO):
    """A stdout whose reader has gone: every write fails as a closed pipe does."""

    def write(self, text: str) -> int:
        raise BrokenPipeError(32, "Broken pipe")


def test_listing_into_a_closed_pipe_is_quiet(monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdout", GonePipe())
    assert main(["models"]) == 0
    assert capsys.readouterr().err == ""


def test_run_finishes_when_stdout_goes_away(write_suite, tmp_path):
    path = write_suite(SUITE)
    cmd = (f"{sys.executable} -m harness run {path} --output {tmp_path / 'out'} --executor "
           f"inline --cache-dir {tmp_path / 'cache'} | head -c 1 >/dev/null")
    proc = subprocess.run(["bash", "-o", "pipefail", "-c", cmd], capture_output=True,
                          text=True, timeout=300, check=False)
    assert "Traceback" not in proc.stderr and proc.returncode == 0, proc.stderr
    run_dir = next((tmp_path / "out").iterdir())
    assert (run_dir / "report.html").is_file()  # the run went on to its report


def test_large_grid_needs_yes(write_suite, monkeypatch, capsys):
    path = write_suite(SUITE)  # 2 cells
    monkeypatch.setattr(terminal, "MAX_CELLS", 1)
    monkeypatch.setenv("CI", "1")
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert err == (f"error: {path}: the suite expands to up to 2 cells, more than 1 (pass --yes "
                   "to accept it, or narrow the axes or add exclude rules)\n")
    assert main(["validate", str(path), "--yes"]) == 0


@pytest.mark.parametrize(("pattern", "code"), [("l2", 0), ("cosine", 0), ("hamming", 2)])
def test_only(write_suite, tmp_path, capsys, pattern, code):
    path = write_suite(SUITE)
    assert main(["run", str(path), "--only", pattern, "--output", str(tmp_path / "o"),
                 "--executor", "inline", "--cache-dir", str(tmp_path / "c"), "--no-progress",
                 "--no-report", "--no-analysis"]) == code
    out, err = capsys.readouterr()
    if code:
        assert err.startswith("error: --only: --only 'hamming' matches none of the 2 cells "
                              "(closest labels: ")
        assert "| cosine |" in err and "| l2 |" in err
    else:
        assert "(1 cells run, 0 reused, 0 failed)" in out


def test_tables_print_no_exponents():
    """qps, bytes and times as people read them (21,780, not 2.178e+04); fractions keep the
    command's own format (four decimals for task metrics)."""
    import pandas as pd

    from harness.console import readable, table

    assert [readable(v) for v in (21780.4, 1536.0, 123.456, 0.1079, 0.000012, 0.0)] == [
        "21,780", "1,536", "123.5", "0.1079", "0.000012", "0"]
    shown = table(pd.DataFrame({"ndcg@10": [0.84021, 0.2424], "qps": [30560.1, 1.2e7],
                                "latency_p99_ms": [0.1079, 0.00001]}), lambda v: f"{v:.4f}")
    assert "e+" not in shown and "e-" not in shown
    assert "30,560" in shown and "12,000,000" in shown and "0.8402" in shown
