"""What every report section shares: the Section shape and the context it renders from.

A section is an object with an anchor, a title, an order and `render(ctx) -> str` (the idiom
of asv's OutputPublisher): the page sorts the sections by order and renders each in turn. The
context carries the run, each dataset's main metric, the text source for the drill-down, and
the table writer: a section writes the tables it shows into RUN_DIR/report/ through it, and
`offer` adds a table to the page's list of files as well.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TypeVar

import pandas as pd

from harness.fsutil import atomic_write_text
from harness.report.data import RunData
from harness.report.texts import TextSource

TABLE_DIR = "report"  # RUN_DIR/report/: the tables the page shows, as CSV

T = TypeVar("T")


@dataclass
class ReportContext:
    """One report being built: what sections read, and the tables they have written."""

    run: RunData
    mains: dict[str, str | None]  # dataset -> its main task metric
    texts: TextSource | None = None  # None: the drill-down shows no dataset texts
    written: list[Path] = field(default_factory=list)  # every table written, in order
    links: list[str] = field(default_factory=list)  # tables listed under "Files", in order
    _memo: dict[str, Any] = field(default_factory=dict)
    rule: str | None = None  # the ranking rule of the Ranking section (None: the default)
    deltas: tuple[float, ...] | None = None  # the Tails section's deltas (None: the columns')

    @property
    def tables_dir(self) -> Path:
        return self.run.dir / TABLE_DIR

    def save(self, name: str, frame: pd.DataFrame) -> str:
        """Write one table as RUN_DIR/report/NAME; its link relative to report.html."""
        path = self.tables_dir / name
        atomic_write_text(path, frame.to_csv(index=False))
        self.written.append(path)
        return f"{TABLE_DIR}/{name}"

    def offer(self, name: str, frame: pd.DataFrame) -> str:
        """save, and list the table under the page's Files."""
        link = self.save(name, frame)
        self.links.append(link)
        return link

    def once(self, key: str, make: Callable[[], T]) -> T:
        """make() the first time key is asked for, its value afterwards (shared by sections)."""
        if key not in self._memo:
            self._memo[key] = make()
        return self._memo[key]


class Section(Protocol):
    """One part of report.html: `<section id=anchor><h2>title</h2>render(ctx)</section>`."""

    anchor: str
    title: str
    order: int  # the page shows sections by increasing order

    def render(self, ctx: ReportContext) -> str: ...
