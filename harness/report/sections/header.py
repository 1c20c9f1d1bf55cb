"""The page's head: run id, the suite's description, and what ran where (suite, dates,
machine, versions), from the manifest. Not a section: it has no entry in the contents."""

from __future__ import annotations

from typing import Any

import pandas as pd

from harness.report import html as H
from harness.report.data import RunData, config_label

Box = tuple[str, list[tuple[str, Any]]]


def header(run: RunData) -> str:
    lead = H.esc(run.suite.get("description") or "")
    m = run.manifest
    return (
        f"<h1>Run report: {H.esc(run.run_id)}</h1>"
        + (f'<p class="lead">{lead}</p>' if lead else "")
        + speed_banner(run)
        + H.meta_block([_suite(run), _dates(m), _machine(m), _versions(m)])
    )


def speed_banner(run: RunData) -> str:
    """A warning at the top when speed figures are not to be trusted: the run's speed caveats
    (machine loaded at its start or end, timing_unstable rows), else unstable rows alone. When
    only some rows are unstable, it says how many of all and names them."""
    notes = list(run.manifest.get("speed_caveats") or [])
    frame = run.frame
    unstable = frame[frame["timing_unstable"].eq(True)] if "timing_unstable" in frame else frame[:0]
    n = len(unstable)
    if n and not any("timing_unstable" in note for note in notes):
        notes.append(f"{n} result row(s) have timing_unstable")
    if not notes:
        return ""
    whole_run = n == 0 or n == len(frame) or any("load average" in x for x in notes)
    scope = "Speed figures" if whole_run else f"Speed figures of {n} of {len(frame)} result rows"
    items = "".join(f"<li>{H.esc(note)}</li>" for note in notes)
    return H.notice("warn", f"<b>{scope} (qps, latency, build time and the $ columns) may not "
                    "be trustworthy:</b><ul>" + items + "</ul>"
                    + ("" if whole_run else _unstable_rows(unstable))
                    + "Compare runs with <code>harness compare</code>: it says when a "
                    "difference is within noise.")


def _unstable_rows(rows: pd.DataFrame, limit: int = 6) -> str:
    """The unstable rows by name, with their qps spread: which figures to doubt."""
    if rows.empty:
        return ""
    names = []
    for _, r in rows.head(limit).iterrows():
        spread = r.get("qps_spread")
        extra = "" if H.is_missing(spread) else f" (repeats {float(spread):.1f}x apart)"
        names.append(H.esc(config_label(r, with_dataset=True)) + extra)
    if len(rows) > limit:
        names.append(f"and {len(rows) - limit} more (the results table's rows)")
    return ("<div class='small'>The rows:<ul>" + "".join(f"<li>{x}</li>" for x in names)
            + "</ul></div>")


def _suite(run: RunData) -> Box:
    m = run.manifest
    frame = run.frame
    n_rows = len(frame)
    n_failed = int((frame["status"].astype(str) != "ok").sum()) if n_rows else 0
    planned = len(m.get("cell_ids") or [])
    finished = len(run.cells)
    return (
        "Suite",
        [
            ("name", m.get("suite_name") or run.suite.get("name")),
            ("file", m.get("suite_file")),
            ("suite sha256", (m.get("suite_sha256") or "")[:16]),
            (
                "cells",
                f"{finished} finished of {planned} planned, "
                f"{len(m.get('skipped') or [])} skipped by the plan",
            ),
            ("result rows", f"{n_rows} ({n_failed} failed)"),
        ],
    )


def _dates(m: dict[str, Any]) -> Box:
    return (
        "Date",
        [
            ("started", H.when(m.get("first_started_at") or m.get("started_at"))),
            ("last resumed", H.when(m.get("started_at")) if m.get("first_started_at") else None),
            ("finished", H.when(m.get("finished_at")) or "not finished"),
        ],
    )


def _machine(m: dict[str, Any]) -> Box:
    blas = "; ".join(
        f"{b.get('internal_api')} {b.get('version')} ({b.get('num_threads')} threads)"
        for b in m.get("blas") or []
    )
    return (
        "Machine",
        [
            ("CPU", f"{m.get('cpu_model', '?')} ({m.get('cpu_count', '?')} cores)"),
            ("platform", m.get("platform")),
            ("search threads", m.get("threads")),
            ("BLAS", blas),
            ("thread env", ", ".join(f"{k}={v}" for k, v in (m.get("env_threads") or {}).items())),
        ],
    )


def _versions(m: dict[str, Any]) -> Box:
    libs = ", ".join(f"{k} {v}" for k, v in (m.get("libraries") or {}).items())
    return (
        "Versions",
        [
            ("harness", m.get("harness_version")),
            ("git", m.get("git_sha")),
            ("python", m.get("python")),
            ("libraries", libs),
        ],
    )
