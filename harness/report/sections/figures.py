"""Section "Plots": every figure the run's data can make; a figure that cannot be made, or
fails, is named in a note instead (a plot never sinks the report)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from harness.analysis import outputs
from harness.report import html as H
from harness.report import plots
from harness.report.plots import style
from harness.report.sections.base import ReportContext

log = logging.getLogger("harness")

WHY_MISSING = {
    "speed": "speed view (one search configuration per dataset x model: nothing to trade off)",
    "matryoshka": "Matryoshka curves (need two or more dims of one model)",
    "funnel": "funnel waterfall (no funnel results in this run folder)",
    "compression": "compression view (needs two or more sizes per vector: dims or precisions)",
}


@dataclass(frozen=True)
class Figures:
    html: list[str]  # one <figure> per view made
    missing: list[str]  # views the data cannot make, and why
    failed: dict[str, str]  # view -> its one-line error (the problems section shows these)


def figures(ctx: ReportContext) -> Figures:
    """Every view, made once per report (the plots and the problems sections share them)."""

    def make_all() -> Figures:
        out = Figures([], [], {})
        for key, make in _builders(ctx).items():
            try:
                with style.literal_text():
                    p = make(f"{ctx.run.run_id}-{key}")
            except Exception as exc:  # a plot must never sink the report
                out.failed[key] = f"{type(exc).__name__}: {exc}".splitlines()[0]
                log.warning("report: plot %s failed: %s", key, out.failed[key])
                continue
            if p is None:
                out.missing.append(WHY_MISSING.get(key, f"{key} view (missing columns)"))
                continue
            out.html.append(H.figure(p.svg, p.title, p.caption, f"plot-{p.key}"))
        return out

    if not plots.available() or ctx.run.ok.empty:
        return Figures([], [], {})
    return ctx.once("figures", make_all)


class FiguresSection:
    anchor = "plots"
    title = "Plots"
    order = 30

    def render(self, ctx: ReportContext) -> str:
        if not plots.available():
            return H.notice("warn", "Plots need matplotlib: pip install matplotlib")
        if ctx.run.ok.empty:
            return H.notice("warn", "No successful rows to plot.")
        made = figures(ctx)
        missing = made.missing + [f"{k} (failed; see Skipped and errors)" for k in made.failed]
        note = ""
        if missing:
            note = "<p class='small'>Not shown: " + "; ".join(H.esc(m) for m in missing) + ".</p>"
        return "".join(made.html) + note


def _builders(ctx: ReportContext) -> dict[str, Callable[[str], plots.Plot | None]]:
    """The views in page order, each a function of the SVG id salt."""
    ok = ctx.run.ok
    main = {k: v for k, v in ctx.mains.items() if v}
    return {
        "speed": lambda s: plots.speed_views(ok, main, s),
        "compression": lambda s: plots.compression_view(ok, main, s),
        "matryoshka": lambda s: plots.matryoshka_view(ok, main, s),
        "build": lambda s: plots.build_view(ok, s),
        "funnel": lambda s: plots.funnel_view(ctx.run.analysis_table(outputs.FUNNEL), s),
    }
