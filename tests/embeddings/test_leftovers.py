"""The cache sweep removes temp files of killed encodings and keeps those of live ones."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from harness.embeddings.leftovers import STALE_S, sweep


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_sweep_removes_what_killed_writers_left(tmp_path):
    sub = tmp_path / "ab"
    sub.mkdir()
    dead = sub / f".abcd.npy.{_dead_pid()}.tmp"  # a join whose process is gone
    live = sub / f".abce.npy.{os.getpid()}.tmp"  # a join in flight (this process)
    old_part = sub / ".abcf.part000-100.npy.k3j2x.tmp"  # an anonymous part write, stale
    new_part = sub / ".abcg.part000-100.npy.q9z1a.tmp"  # one being written now
    entry = sub / "abcd.npy"
    for f in (dead, live, old_part, new_part, entry):
        f.write_bytes(b"x")
    past = time.time() - STALE_S - 60
    os.utime(old_part, (past, past))
    removed = sweep(tmp_path)
    assert sorted(removed) == sorted([dead, old_part])
    assert live.exists() and new_part.exists() and entry.exists()
    assert not dead.exists() and not old_part.exists()


def test_run_start_sweeps_the_cache(tiny_beir, tmp_path, write_suite):
    from harness import api

    cache = tmp_path / "cache" / "zz"
    cache.mkdir(parents=True)
    left = cache / f".feed.npy.{_dead_pid()}.tmp"
    left.write_bytes(b"half an encoding")
    suite = write_suite(f"schema_version: 1\nname: s\ndatasets: ['beir:{tiny_beir}']\n"
                        "models: ['hash:8']\nk: 5\nevaluate: [ndcg@5]\nrepeats: 1\n"
                        "warmup: 0\n")
    api.run(suite, api.RunOptions(output=tmp_path / "r", cache_dir=tmp_path / "cache",
                                  progress=False, report=False, analysis=False,
                                  executor="inline"))
    assert not left.exists()
