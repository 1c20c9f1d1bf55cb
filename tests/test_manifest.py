"""The harness's own version and commit, never the commit of a user's repository."""

from __future__ import annotations

import subprocess

import harness
from harness.store import manifest


def _repo(path):
    path.mkdir(parents=True, exist_ok=True)
    run = {"cwd": path, "check": True, "capture_output": True}
    subprocess.run(["git", "init", "-q"], **run)
    (path / "f").write_text("x")
    subprocess.run(["git", "add", "f"], **run)
    subprocess.run(["git", "-c", "user.name=u", "-c", "user.email=u@x", "commit", "-qm", "c"],
                   **run)
    return subprocess.run(["git", "rev-parse", "HEAD"], text=True, **run).stdout.strip()


def test_installed_inside_a_users_repository_records_no_commit(tmp_path, monkeypatch):
    _repo(tmp_path / "user")
    site = tmp_path / "user" / ".venv" / "lib" / "site-packages"
    (site / "harness").mkdir(parents=True)
    monkeypatch.setattr(manifest, "SOURCE_ROOT", site)
    monkeypatch.setattr(manifest, "DIST", "no-such-distribution")
    assert manifest.git_sha() is None
    # a folder with a pyproject.toml inside the user's repo is still not the harness's checkout
    (site / "pyproject.toml").write_text("")
    assert manifest.git_sha() is None


def test_a_checkout_of_the_harness_records_its_commit(tmp_path, monkeypatch):
    sha = _repo(tmp_path / "harness-src")
    (tmp_path / "harness-src" / "pyproject.toml").write_text("")
    (tmp_path / "harness-src" / "harness").mkdir()
    monkeypatch.setattr(manifest, "SOURCE_ROOT", tmp_path / "harness-src")
    monkeypatch.setattr(manifest, "DIST", "no-such-distribution")
    assert manifest.git_sha() == sha
    assert manifest.environment()["harness_version"] == harness.__version__
