"""Figures for reports, rendered by matplotlib (no pyplot, no global state) to inline SVG.

One function per view; each takes the ok rows of a run (or of several runs) and returns a
Plot (title, caption, svg) or None when the data cannot make that view (for example the
Matryoshka curves need at least two dims of one model). Every plot has labelled axes with
units, a legend, log scales where the values span decades, and the Pareto frontier drawn as a
dashed black step line with its points ringed.

The package's face: `style` holds the shared figure, SVG, palette, legend and frontier helpers;
`tradeoffs` the speed, compression and Matryoshka views; `stages` the build, funnel and
leaderboard views.
"""

from __future__ import annotations

from harness.report.plots.speed import speed_views
from harness.report.plots.stages import build_view, funnel_view, leaderboard_view
from harness.report.plots.style import Plot, available, to_svg
from harness.report.plots.tradeoffs import compression_view, matryoshka_view

__all__ = [
    "Plot",
    "available",
    "build_view",
    "compression_view",
    "funnel_view",
    "leaderboard_view",
    "matryoshka_view",
    "speed_views",
    "to_svg",
]
