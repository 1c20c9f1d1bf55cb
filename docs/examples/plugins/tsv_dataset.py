"""A dataset plugin: `tsv:FOLDER` with docs.tsv (id, text) and queries.tsv (id, text, the id of
its relevant document). Run it with `HARNESS_PLUGINS=tsv_dataset` (docs/howto/dataset.md)."""

from __future__ import annotations

import csv
from pathlib import Path

from harness.datasets.base import Dataset, fingerprint_texts
from harness.datasets.kinds import DatasetPlugin
from harness.registry import DATASET_KINDS, Entry
from harness.suite.schema import DatasetRef


def _rows(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return [row for row in csv.reader(f, delimiter="\t") if row]


class TsvPlugin(DatasetPlugin):
    kind_of_data = "text"

    @staticmethod
    def check(arg: str, ref: DatasetRef | None = None) -> str | None:
        """Plan time, cheap: the one line a user sees when the folder is wrong."""
        missing = [n for n in ("docs.tsv", "queries.tsv") if not (Path(arg) / n).is_file()]
        return f"tsv:{arg}: no {', '.join(missing)} in that folder" if missing else None

    @staticmethod
    def load(arg: str, ref: DatasetRef) -> Dataset:
        docs = _rows(Path(arg) / "docs.tsv")
        queries = _rows(Path(arg) / "queries.tsv")
        doc_ids = tuple(r[0] for r in docs)
        query_ids = tuple(r[0] for r in queries)
        qrels = {q[0]: {q[2]: 1} for q in queries}
        return Dataset(
            name=ref.label, doc_ids=doc_ids, query_ids=query_ids,
            docs=tuple(r[1] for r in docs), queries=tuple(r[1] for r in queries), qrels=qrels,
            # the same files give the same hash: cached embeddings and results key on it
            fingerprint=fingerprint_texts(doc_ids, [r[1] for r in docs], query_ids,
                                          [q[1] + "\t" + q[2] for q in queries]),
        )


DATASET_KINDS.register(Entry("tsv", "tsv_dataset:TsvPlugin",
                             "folder of docs.tsv and queries.tsv (a plugin example)",
                             info={"example": "tsv:path/to/folder", "modality": "text",
                                   "metrics": "ndcg/mrr/map/recall/p/hit@k"}))
