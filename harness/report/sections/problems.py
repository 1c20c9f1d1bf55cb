"""Section "Skipped and errors": cells the plan skipped or that never ran, cells that failed,
what failed after the cells (analysis, an earlier report, a plot) with its one-line cause, and
the ERROR records of the run's log."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from harness.analysis import outputs
from harness.report import html as H
from harness.report.sections.base import ReportContext
from harness.report.sections.figures import figures


class ProblemsSection:
    anchor = "problems"
    title = "Skipped and errors"
    order = 20

    def render(self, ctx: ReportContext) -> str:
        return _after_cells(ctx) + _skipped(ctx) + _errors(ctx)


COLLAPSE_AFTER = 5  # skipped cells shown open up to this many
WHAT_FAILED = {
    "analysis": "The analysis (funnel, rankings, recommendation) failed; retry with "
    "<code>harness funnel RUN_DIR</code>",
    "report": "An earlier report of this run failed",
}


def _after_cells(ctx: ReportContext) -> str:
    """What failed once the cells had run: recorded stages, and this report's plots."""
    found = outputs.read_problems(ctx.run.dir)
    items = [f"<li>{WHAT_FAILED.get(k, H.esc(k))}: <code>{H.esc(v)}</code></li>"
             for k, v in found.items()]
    items += [f"<li>Plot <b>{H.esc(k)}</b> failed: <code>{H.esc(v)}</code></li>"
              for k, v in figures(ctx).failed.items()]
    if not items:
        return ""
    return H.notice("error", "<ul>" + "".join(items) + "</ul>The run's log has the tracebacks.")


def _skipped(ctx: ReportContext) -> str:
    run = ctx.run
    skipped = pd.DataFrame(run.manifest.get("skipped") or [], columns=["cell", "reason"])
    missing = [
        {"cell": label, "reason": "not run (interrupted, or left out by --only)"}
        for cid, label in (run.manifest.get("cells") or {}).items()
        if cid not in run.cells
    ]
    if missing:
        skipped = pd.concat([skipped, pd.DataFrame(missing)], ignore_index=True)
    if skipped.empty:
        return H.notice("ok", "Nothing was skipped: every planned cell ran.")
    link = ctx.save("skipped.csv", skipped)
    head = f"<h3>Skipped ({len(skipped)}) <a class='small' href='{link}'>csv</a></h3>"
    table = H.table(skipped, [H.Col("cell", wrap=True), H.Col("reason", wrap=True)],
                    table_id="skipped", filter_box=len(skipped) > 8)
    if len(skipped) <= COLLAPSE_AFTER:
        return head + table
    # A long list of planned exclusions would push the plots off the first screens.
    reasons = skipped["reason"].value_counts()
    gist = "; ".join(f"{n} x {r}" for r, n in reasons.head(2).items())
    return head + f"<details><summary>{H.esc(gist)}</summary>{table}</details>"


def _errors(ctx: ReportContext) -> str:
    run = ctx.run
    frame = run.frame
    failed = frame[frame["status"].astype(str) != "ok"] if not frame.empty else frame
    if failed.empty:
        return H.notice("ok", "No errors: every cell that ran succeeded.")
    errs = pd.DataFrame(
        {
            "cell": [run.cells.get(str(c), {}).get("label", c) for c in failed["cell_id"]],
            "error": failed["status"].astype(str).str.removeprefix("error: "),
        }
    )
    link = ctx.save("errors.csv", errs)
    out = (
        f"<h3>Errors ({len(errs)}) <a class='small' href='{link}'>csv</a></h3>"
        + H.notice("error", f"{len(errs)} cell(s) failed; the other cells still ran.")
        + H.table(
            errs,
            [H.Col("cell"), H.Col("error", wrap=True)],
            table_id="errors",
            filter_box=len(errs) > 8,
        )
    )
    tb = _log_errors(run.store.log_path)
    if tb:
        out += (
            f"<details><summary>Tracebacks from the log</summary><pre>{H.esc(tb)}</pre></details>"
        )
    return out


def _log_errors(path: Path, limit: int = 30000) -> str:
    """The ERROR records of the run's log (with their continuation lines)."""
    if not path.is_file():
        return ""
    out, keep = [], False
    for line in path.read_text(errors="replace").splitlines():
        if line[:4].isdigit() and " " in line:  # a new record "2024-.. LEVEL message"
            keep = " ERROR " in line
        if keep:
            out.append(line)
    text = "\n".join(out)
    return text[-limit:]
