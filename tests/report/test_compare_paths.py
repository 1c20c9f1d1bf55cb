"""`harness compare` names its files after run ids read from manifests: a crafted run id
(`../`, an absolute path) must not put a file outside the chosen output folder."""

from __future__ import annotations

import json
import shutil

import pytest
from report_fixtures import runs_fixture  # noqa: F401 (the `runs` fixture)

from harness.cli.main import main
from harness.fsutil import safe_filename


@pytest.mark.parametrize("run_id", ["../../../../escaped", "/tmp/trust-absolute/escaped", ".hidden",
                                    "a/b\\c:d", ""])
def test_compare_writes_only_inside_output(runs, tmp_path, run_id, capsys):
    b = tmp_path / "runs" / "b"
    shutil.copytree(runs.a.run_dir, b)
    manifest = json.loads((b / "manifest.json").read_text())
    manifest["run_id"] = run_id
    (b / "manifest.json").write_text(json.dumps(manifest))
    out = tmp_path / "runs" / "out"
    before = {p for p in tmp_path.rglob("*")}
    assert main(["compare", str(runs.a.run_dir), str(b), "--output", str(out)]) == 0
    capsys.readouterr()
    new = {p for p in tmp_path.rglob("*")} - before
    assert new and all(p == out or out in p.parents for p in new), new
    assert {p.suffix for p in new if p.is_file()} == {".csv", ".html"}
    assert all(not p.name.startswith(".") for p in new)


def test_safe_filename():
    assert safe_filename("../../etc/passwd") == "etc_passwd"
    assert safe_filename("/abs/x y") == "abs_x_y"
    assert safe_filename("suite-1a2b.3") == "suite-1a2b.3"
    assert safe_filename("..") == "run" and safe_filename("") == "run"
    assert len(safe_filename("x" * 500)) == 80
