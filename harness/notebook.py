"""The Python API for notebooks and scripts: `import harness` gives run, load, compare and
leaderboard.

    import harness
    res = harness.run({"schema_version": 1, "name": "nb", "datasets": ["bbc-news"],
                       "models": [my_encoder, "glove-50d"], "evaluate": ["ndcg@10"]})
    res.frame            # one row per configuration (pandas)
    res.long             # results_long.parquet: one row per configuration x metric
    res.report_path      # RUN_DIR/report.html
    res.export("trec-out")                           # TREC runs + qrels (or fmt="mteb")
    harness.load("results/nb-1a2b3c4d").frame        # a stored run, later
    harness.compare(run_a, run_b).text(); harness.leaderboard("results").text()

`my_encoder` is any object with the `Encoder` protocol (harness.encoders.base: a `spec` and
`encode(texts, *, role, batch_size)`); such a suite runs inline, in this process.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

import pandas as pd

from harness import api
from harness.exports.rows import Exported
from harness.plan.source import SuiteSource

compare = api.compare
leaderboard = api.leaderboard


@dataclass(frozen=True)
class Run:
    """A finished (or stored) run: its folder and results table."""

    run_dir: Path
    frame: pd.DataFrame
    n_failed: int = 0

    @property
    def report_path(self) -> Path | None:
        """RUN_DIR/report.html, when it was written."""
        path = self.run_dir / "report.html"
        return path if path.is_file() else None

    @property
    def long(self) -> pd.DataFrame:
        """The tidy table (one row per configuration x metric), as results_long.parquet."""
        return pd.read_parquet(self.run_dir / "results_long.parquet")

    def export(self, out: str | Path, fmt: str = "trec") -> Exported:
        """TREC runs + qrels (fmt='trec') or MTEB result JSON (fmt='mteb') under `out`."""
        return api.export_run(self.run_dir, Path(out), fmt=fmt)


def run(suite: SuiteSource, options: api.RunOptions | None = None, **overrides: Any) -> Run:
    """Run a suite given as a path, YAML text or a dict; keyword arguments override
    RunOptions fields (output, resume, only, cache_dir, progress, report, analysis,
    executor, ray_address)."""
    known = {f.name for f in fields(api.RunOptions)}
    unknown = sorted(set(overrides) - known)
    if unknown:
        raise TypeError(f"unknown run options {unknown}; expected some of {sorted(known)}")
    for name in ("output", "cache_dir"):
        if overrides.get(name) is not None:
            overrides[name] = Path(overrides[name])
    out = api.run(suite, replace(options or api.RunOptions(), **overrides))
    return Run(out.run_dir, out.frame, out.n_failed)


def load(run_dir: str | Path) -> Run:
    """A stored run folder (RESULTS/<run-id>)."""
    store = api.open_run(run_dir)
    frame = store.frame()
    failed = int((frame["status"] != "ok").sum()) if "status" in frame else 0
    return Run(store.dir, frame, failed)


__all__ = ["Run", "compare", "leaderboard", "load", "run"]
