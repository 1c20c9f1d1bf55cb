"""Reproducibility metadata recorded with every run."""

from __future__ import annotations

import importlib.metadata
import json
import os
import platform
import subprocess
from pathlib import Path
from typing import Any

from harness.plan.cell import Plan
from harness.store.runs import RunStore
from harness.version import SOURCE_ROOT, __version__

DIST = "embedding-retrieval-harness"  # the distribution name in pyproject.toml
LIBRARIES = (
    "numpy",
    "pandas",
    "faiss-cpu",
    "hnswlib",
    "annoy",
    "onnxruntime",
    "tokenizers",
    "pydantic",
    "scikit-learn",
    "torch",
    "sentence-transformers",
    "matplotlib",
)


def git_sha() -> str | None:
    """The harness's own commit: from pip's record of a VCS install (PEP 610), else from git
    when the package is imported from a checkout of the harness itself. A harness installed
    into a user's repository (or a virtualenv inside one) records no commit of that repository.
    """
    try:
        dist = importlib.metadata.distribution(DIST)
        info = json.loads(dist.read_text("direct_url.json") or "{}")
        commit = (info.get("vcs_info") or {}).get("commit_id")
        if commit:
            return str(commit)
    except (importlib.metadata.PackageNotFoundError, json.JSONDecodeError):
        pass
    root = SOURCE_ROOT
    if not (root / "pyproject.toml").is_file():  # site-packages, not a source checkout
        return None
    top = _git(root, "rev-parse", "--show-toplevel")
    return _git(root, "rev-parse", "HEAD") if top and Path(top).resolve() == root else None


def _git(root: Path, *args: str) -> str | None:
    try:
        out = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True,
                             timeout=5, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return (out.stdout.strip() or None) if out.returncode == 0 else None


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def library_versions() -> dict[str, str]:
    out = {}
    for name in LIBRARIES:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return out


def blas_info() -> list[dict[str, Any]]:
    from threadpoolctl import threadpool_info

    keep = ("internal_api", "num_threads", "version", "threading_layer", "architecture")
    return [{k: i.get(k) for k in keep} for i in threadpool_info()]


def environment() -> dict[str, Any]:
    return {
        "harness_version": __version__,
        "git_sha": git_sha(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu_model": cpu_model(),
        "cpu_count": os.cpu_count(),
        "libraries": library_versions(),
        "blas": blas_info(),
        "env_threads": {
            k: os.environ[k]
            for k in (
                "OMP_NUM_THREADS",
                "OPENBLAS_NUM_THREADS",
                "MKL_NUM_THREADS",
                "OPENBLAS_CORETYPE",
            )
            if k in os.environ
        },
    }


def run_manifest(plan: Plan, *, run_id: str, suite_file: str, cache_dir: Path,
                 started_at: str) -> dict[str, Any]:
    """What a run folder records about how it was made (reproducibility metadata included)."""
    loaded = plan.suite
    return {
        "run_id": run_id,
        "suite_file": suite_file,
        "suite_name": loaded.suite.name,
        "suite_sha256": loaded.sha256,
        "suite_text": loaded.text,
        "started_at": started_at,
        "finished_at": None,
        "cell_ids": [c.cell_id for c in plan.cells],
        "cells": {c.cell_id: c.label for c in plan.cells},
        "skipped": [{"cell": s.cell.label, "reason": s.reason} for s in plan.skipped],
        "threads": loaded.suite.threads,
        "cache_dir": str(cache_dir),
        **environment(),
    }


class RunManifest:
    """The one owner of a run's manifest.json: `start` writes it when the run begins, `note`
    adds what the run learns (the executor, speed caveats, peaks), `finish` closes it. Every
    write replaces the whole file atomically (RunStore.write_manifest), so a reader sees the
    previous manifest or the new one."""

    def __init__(self, store: RunStore, data: dict[str, Any]) -> None:
        self.store, self._data = store, data

    @classmethod
    def start(cls, plan: Plan, store: RunStore, *, source: str, cache_dir: Path,
              started_at: str, **fields: Any) -> RunManifest:
        data = run_manifest(plan, run_id=store.dir.name, suite_file=source,
                            cache_dir=cache_dir, started_at=started_at)
        previous = store.manifest()
        if previous.get("started_at"):  # a resumed run keeps when it first started
            data["first_started_at"] = previous.get("first_started_at", previous["started_at"])
        manifest = cls(store, data)
        manifest.note(**fields)
        return manifest

    def get(self, key: str, default: Any = None) -> Any:
        return self._data.get(key, default)

    def note(self, **fields: Any) -> None:
        self._data.update(fields)
        self.store.write_manifest(self._data)

    def finish(self, finished_at: str, **fields: Any) -> None:
        self.note(finished_at=finished_at, **fields)
