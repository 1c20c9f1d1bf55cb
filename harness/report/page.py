"""`harness report RUN_DIR`: RUN_DIR/report.html (one self-contained file) and report/*.csv.

The page is a header and an ordered tuple of sections. Each section is an object with an
anchor, a title, an order and `render(ctx) -> str` (asv's OutputPublisher idiom); the page
sorts them by order, lists them in the contents and renders each in turn. Adding a section
is adding an object to SECTIONS: no list surgery here.

The report reads the run folder (harness.store.runs, the analysis tables) and nothing else. Dataset
texts for the drill-down come from a TextSource the caller hands in; without one, none.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from harness.fsutil import atomic_write_text
from harness.report import html as H
from harness.report.data import RunData
from harness.report.sections.analysis import AnalysisSection
from harness.report.sections.base import ReportContext, Section
from harness.report.sections.codes import CodesSection
from harness.report.sections.difficulty import DifficultySection
from harness.report.sections.drilldown import DrilldownSection
from harness.report.sections.figures import FiguresSection
from harness.report.sections.filtered import FilteredSection
from harness.report.sections.header import header
from harness.report.sections.headline import HeadlineSection
from harness.report.sections.hybrid import HybridSection
from harness.report.sections.load import LoadSection
from harness.report.sections.problems import ProblemsSection
from harness.report.sections.ranking import RankingSection
from harness.report.sections.rerank import RerankSection
from harness.report.sections.results import ResultsSection, SummarySection
from harness.report.sections.scaling import ScalingSection
from harness.report.sections.tails import TailsSection
from harness.report.texts import TextSource
from harness.suite.tails_spec import suite_deltas


@dataclass(frozen=True)
class ReportResult:
    html: Path
    tables: list[Path]
    left_out: tuple[Path, ...] = ()  # damaged cell files the report was written without


class FilesSection:
    """The tables other sections offered, and the run folder's raw files. Last: it lists what
    the sections before it wrote."""

    anchor = "files"
    title = "Files"
    order = 100

    def render(self, ctx: ReportContext) -> str:
        files = "".join(f'<li><a href="{H.esc(x)}">{H.esc(x)}</a></li>' for x in ctx.links)
        return (
            f"<p>The tables above as CSV (next to this file):</p><ul>{files}</ul>"
            "<p class='small'>Raw results: <a href='results.csv'>results.csv</a>, "
            "results.parquet, cells/*.json, perquery/*.npz, log.</p>"
        )


SECTIONS: tuple[Section, ...] = (
    SummarySection(),
    HeadlineSection(),
    RankingSection(),
    CodesSection(),
    ProblemsSection(),
    FiguresSection(),
    AnalysisSection(),
    TailsSection(),
    DifficultySection(),
    HybridSection(),
    FilteredSection(),
    RerankSection(),
    ScalingSection(),
    LoadSection(),
    ResultsSection(),
    DrilldownSection(),
    FilesSection(),
)


def build_report(
    run_dir: str | Path,
    *,
    texts: TextSource | None = None,
    sections: Sequence[Section] = SECTIONS,
    rule: str | None = None,
    deltas: tuple[float, ...] | None = None,
) -> ReportResult:
    """Write RUN_DIR/report.html and the CSV tables it shows (RUN_DIR/report/*.csv).

    texts: where the drill-down gets dataset texts; None leaves them out (no dataset is
    loaded). sections: what the page shows, rendered by increasing `order`. rule: the
    ranking rule of the Ranking section (harness.analysis.rules; None = the default).
    deltas: the Tails section's Robustness-delta thresholds (None: the suite's `tails:
    deltas`, else 0.5, 0.9, 1.0).
    """
    run = RunData.load(run_dir)
    frame = run.frame
    datasets = frame["dataset"].unique() if "dataset" in frame else []
    deltas = deltas or suite_deltas(run.store.suite())  # --deltas, else the suite's tails:
    ctx = ReportContext(run, {str(d): run.main_metric(str(d)) for d in datasets}, texts,
                        rule=rule, deltas=deltas)
    ctx.tables_dir.mkdir(parents=True, exist_ok=True)
    ordered = sorted(sections, key=lambda s: s.order)
    # a section with nothing to show for this run (e.g. no hybrid rows) is left out
    rendered = [(s, html) for s in ordered if (html := s.render(ctx))]
    body = [
        header(run),
        '<nav class="toc">'
        + "".join(f'<a href="#{s.anchor}">{H.esc(s.title)}</a>' for s, _ in rendered)
        + "</nav>",
    ]
    for s, content in rendered:
        body.append(f'<section id="{s.anchor}"><h2>{H.esc(s.title)}</h2>{content}</section>')
    out = run.dir / "report.html"
    atomic_write_text(out, H.page(f"Report {run.run_id}", "\n".join(body)))
    return ReportResult(out, ctx.written)
