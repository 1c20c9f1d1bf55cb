"""`harness bundle` round-trips a run: verify, unpack, `harness report` gives the same tables."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import tarfile

import pandas as pd
import pytest

from harness import api
from harness.cli.main import main
from harness.errors import UserError
from harness.exports.bundle import CHECKSUMS, bundle_run, unpack_bundle, verify_bundle

# two exact-search rows of a hashed model on the tiny BEIR folder
SUITE = ("schema_version: 1\nname: bundle-out\ndatasets: [beir:{beir}]\nmodels: [hash:16]\n"
         "precisions: [float32, binary]\nmetrics: [cosine]\nk: 10\n"
         "evaluate: [ndcg@10, recall@5]\nbackends: [{{name: exact}}]\n")


@pytest.fixture
def run_dir(write_suite, tiny_beir, tmp_path):
    opts = api.RunOptions(output=tmp_path / "results", cache_dir=tmp_path / "cache",
                          progress=False, executor="inline", report=False, analysis=False)
    out = api.run(write_suite(SUITE.format(beir=tiny_beir)), opts)
    assert out.n_failed == 0 and len(out.frame) == 2
    return out.run_dir


def _tables(folder) -> dict[str, pd.DataFrame]:
    return {p.name: pd.read_csv(p) for p in sorted((folder / "report").glob("*.csv"))}


def test_bundle_verifies_unpacks_and_reports_the_same_tables(run_dir, tmp_path, capsys):
    assert main(["report", str(run_dir), "--no-texts"]) == 0
    before = _tables(run_dir)
    assert before  # the report wrote CSV tables to compare
    b = bundle_run(run_dir, tmp_path / "run.tar.gz")
    files = sorted(p.relative_to(run_dir).as_posix() for p in run_dir.rglob("*") if p.is_file())
    assert sorted(b.files) == files and "manifest.json" in files
    # the checksum list is the hashlib sha256 of each file, computed here independently
    for name in files:
        assert b.files[name]["sha256"] == hashlib.sha256((run_dir / name).read_bytes()).hexdigest()
    assert main(["bundle", str(tmp_path / "run.tar.gz")]) == 0
    assert "sha256 ok" in capsys.readouterr().out
    other = tmp_path / "other-machine"
    assert main(["bundle", str(tmp_path / "run.tar.gz"), "--unpack", str(other)]) == 0
    unpacked = other / run_dir.name
    shutil.rmtree(unpacked / "report")  # re-report from the run's data, not the shipped tables
    assert not (unpacked / "report").exists()
    assert main(["report", str(unpacked), "--no-texts"]) == 0
    after = _tables(unpacked)
    assert after.keys() == before.keys()
    for name, df in before.items():
        pd.testing.assert_frame_equal(after[name], df)


def test_a_changed_file_fails_verification_with_one_line(run_dir, tmp_path, capsys):
    path = bundle_run(run_dir, tmp_path / "run.tar.gz").path
    bad = tmp_path / "bad.tar.gz"
    with tarfile.open(path) as src, tarfile.open(bad, "w:gz") as dst:
        for m in src.getmembers():
            data = src.extractfile(m).read()
            if m.name.endswith("manifest.json"):
                data = data.replace(b"{", b"{ ", 1)
                m.size = len(data)
            dst.addfile(m, io.BytesIO(data))
    with pytest.raises(UserError, match=r"manifest\.json does not match its sha256"):
        verify_bundle(bad)
    assert main(["bundle", str(bad)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "sha256" in err[0]
    with pytest.raises(UserError, match="already exists"):
        unpack_bundle(path, run_dir.parent)


def test_checksum_list_is_the_first_member(run_dir, tmp_path):
    path = bundle_run(run_dir, tmp_path / "run.tar.gz").path
    with tarfile.open(path) as tar:
        first = tar.getmembers()[0]
        head = json.loads(tar.extractfile(first).read())
    assert first.name == f"{run_dir.name}/{CHECKSUMS}" and head["run_id"] == run_dir.name
