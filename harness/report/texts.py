"""Dataset texts for the drill-down, from a source the caller hands in.

The report reads the run folder and nothing else: it never loads a dataset plugin itself. A
caller that can load datasets (the pipeline's run context, or `harness report` through
harness.api) passes a TextSource; without one the drill-down shows ids and values only. The
report still checks what it gets: texts are shown only when the dataset's fingerprint matches
the one the run recorded.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import pandas as pd

from harness.datasets.base import Dataset
from harness.report.data import RunData


class TextSource(Protocol):
    """Loads a dataset again from the reference and seed a cell recorded (it may raise)."""

    def load_dataset(self, ref: Mapping[str, Any], seed: int) -> Dataset: ...


@dataclass(frozen=True)
class DatasetTexts:
    queries: dict[str, str]  # query id -> text
    docs: dict[str, str]  # document id -> text
    qrels: Mapping[str, Mapping[str, float]]  # query id -> document id -> grade


class TextLoader:
    """Texts for the drill-down, loaded once per (dataset reference, seed); what went wrong is
    kept per dataset name in `problem`, for the page to say."""

    def __init__(self, run: RunData, source: TextSource | None) -> None:
        self.run, self.source = run, source
        self.memo: dict[str, DatasetTexts | None] = {}
        self.problem: dict[str, str] = {}

    def get(self, row: pd.Series) -> DatasetTexts | None:
        if self.source is None:
            return None
        got = self.run.cell_dataset_ref(str(row["cell_id"]))
        if got is None:
            self.problem[str(row["dataset"])] = "the run does not record the dataset reference"
            return None
        ref, seed = got
        key = json.dumps([ref, seed], sort_keys=True, default=str)
        if key not in self.memo:
            self.memo[key] = self._load(self.source, ref, seed, row)
        return self.memo[key]

    def _load(
        self, source: TextSource, ref: dict, seed: int, row: pd.Series
    ) -> DatasetTexts | None:
        try:
            ds = source.load_dataset(ref, seed)
        except Exception as exc:  # any failure of the source is shown, never fatal
            self.problem[str(row["dataset"])] = f"could not load it again ({exc})"
            return None
        fp = str(row.get("dataset_fingerprint") or "")
        if fp and not ds.fingerprint.startswith(fp):
            self.problem[str(row["dataset"])] = (
                "its content changed since the run (fingerprint differs); texts not shown"
            )
            return None
        if not ds.is_text:
            return None
        return DatasetTexts(
            queries=dict(zip(ds.query_ids, ds.queries, strict=True)),
            docs=dict(zip(ds.doc_ids, ds.docs, strict=True)),
            qrels=ds.qrels or {},
        )
