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
