"""Damaged state heals: each kind of state file is truncated (as a full disk or a crash of
the machine can leave it) and the next `harness run` finishes with the same results as an
undamaged run, saying which file it repaired."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from harness.cli.main import main

QUALITY = ["cell_id", "setting", "metric", "status", "ndcg@5", "recall@5", "knn_recall@5"]


def _suite(tmp_path: Path, beir: Path) -> Path:
    path = tmp_path / "suite.yaml"
    path.write_text(f"schema_version: 1\nname: heal\ndatasets: ['beir:{beir}']\n"
                    "models: ['hash:16']\nmetrics: [cosine, l2]\nk: 5\n"
                    "evaluate: [ndcg@5, recall@5]\nrepeats: 1\nwarmup: 0\n")
    return path


def _run(suite: Path, out: Path, cache: Path, capsys) -> tuple[pd.DataFrame, str]:
    code = main(["run", str(suite), "--output", str(out), "--cache-dir", str(cache),
                 "--executor", "inline", "--no-progress", "--no-report", "--no-analysis"])
    printed = capsys.readouterr().out
    assert code == 0, printed
    run_dir = next(out.iterdir())
    df = pd.read_csv(run_dir / "results.csv")
    return df[QUALITY].sort_values(["cell_id", "setting"]).reset_index(drop=True), printed


def _truncate(path: Path) -> Path:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def _one(folder: Path, pattern: str) -> Path:
    found = sorted(folder.glob(pattern))
    assert found, f"no {pattern} under {folder}"
    return found[0]


DAMAGE = {
    # kind -> (what to damage, what the next run says about the cells)
    "cache-entry": (lambda run, cache: _truncate(max(cache.glob("*/*.npy"),
                                                      key=lambda p: p.stat().st_size)),
                    "2 cells run, 0 reused"),  # a new run folder: the cache is read
    "cell-record": (lambda run, cache: _truncate(_one(run / "cells", "*.json")),
                    "1 cells run, 1 reused"),
    "perquery": (lambda run, cache: _truncate(_one(run / "perquery", "*.npz")),
                 "1 cells run, 1 reused"),
    "manifest": (lambda run, cache: _truncate(run / "manifest.json"), "0 cells run, 2 reused"),
    "tables": (lambda run, cache: [_truncate(run / "results.csv"),
                                   _truncate(run / "results.parquet")][0],
               "0 cells run, 2 reused"),
}




@pytest.mark.parametrize("kind", sorted(DAMAGE))
def test_damaged_state_file_heals(kind, tiny_beir, tmp_path, capsys):
    suite = _suite(tmp_path, tiny_beir)
    cache = tmp_path / "cache"
    undamaged, _ = _run(suite, tmp_path / "ref", tmp_path / "ref-cache", capsys)
    first, _ = _run(suite, tmp_path / "out", cache, capsys)
    run_dir = next((tmp_path / "out").iterdir())
    damage, says = DAMAGE[kind]
    damaged = damage(run_dir, cache)
    out = tmp_path / ("out2" if kind == "cache-entry" else "out")
    healed, printed = _run(suite, out, cache, capsys)
    run_dir = next(out.iterdir())
    pd.testing.assert_frame_equal(healed, undamaged)
    pd.testing.assert_frame_equal(first, undamaged)
    assert says in printed
    log = (run_dir / "log").read_text()
    if kind != "tables":  # the tables are rewritten from the cell files anyway
        warned = [line for line in log.splitlines() if "WARNING" in line and "damaged" in line]
        assert len(warned) == 1 and str(damaged) in warned[0], log


def test_leftover_temp_files_are_removed_at_start(tiny_beir, tmp_path, capsys):
    suite = _suite(tmp_path, tiny_beir)
    _run(suite, tmp_path / "out", tmp_path / "cache", capsys)
    run_dir = next((tmp_path / "out").iterdir())
    leftovers = [run_dir / ".results.csv.abc.tmp", run_dir / "cells" / ".x.json.def.tmp"]
    for f in leftovers:
        f.write_text("half a write")
    _, printed = _run(suite, tmp_path / "out", tmp_path / "cache", capsys)
    assert "0 cells run, 2 reused" in printed
    assert not any(f.exists() for f in leftovers)


def test_deleted_perquery_file_reruns_its_cell(tiny_beir, tmp_path, capsys):
    """A per-query file deleted (not damaged) is missing state too: its cell runs again."""
    suite = _suite(tmp_path, tiny_beir)
    undamaged, _ = _run(suite, tmp_path / "out", tmp_path / "cache", capsys)
    run_dir = next((tmp_path / "out").iterdir())
    gone = _one(run_dir / "perquery", "*.npz")
    gone.unlink()
    healed, printed = _run(suite, tmp_path / "out", tmp_path / "cache", capsys)
    assert "1 cells run, 1 reused" in printed
    assert gone.is_file()
    pd.testing.assert_frame_equal(healed, undamaged)
    warned = [line for line in (run_dir / "log").read_text().splitlines()
              if "WARNING" in line and "missing" in line]
    assert len(warned) == 1 and str(gone) in warned[0]


def test_report_on_damaged_run_folders_names_what_it_left_out(tiny_beir, tmp_path, capsys):
    suite = _suite(tmp_path, tiny_beir)
    _run(suite, tmp_path / "out", tmp_path / "cache", capsys)
    run_dir = next((tmp_path / "out").iterdir())
    bad = _truncate(_one(run_dir / "cells", "*.json"))
    assert main(["report", str(run_dir), "--no-texts"]) == 1  # written, but not whole
    out = capsys.readouterr().out
    assert "left out 1 damaged cell file(s)" in out and bad.name in out
    assert (run_dir / "report.html").is_file()
    assert len(pd.read_csv(run_dir / "results.csv")) == 1  # the readable cell's row

    for f in (run_dir / "cells").glob("*.json"):
        _truncate(f)
    assert main(["report", str(run_dir), "--no-texts"]) == 2  # nothing left to report
    captured = capsys.readouterr()
    lines = [x for x in (captured.out + captured.err).splitlines() if x.startswith("error")]
    assert len(lines) == 1 and "no readable cell file in this run folder (2 damaged)" in lines[0]
    assert "Traceback" not in captured.out + captured.err

    for f in (run_dir / "cells").glob("*.json"):
        f.unlink()
    _truncate(run_dir / "manifest.json")
    assert main(["report", str(run_dir), "--no-texts"]) == 2
    captured = capsys.readouterr()
    assert "no readable cell file in this run folder (none left)" in captured.out + captured.err
