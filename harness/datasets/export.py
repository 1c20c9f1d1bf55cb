"""Write a text dataset with judgments as a BEIR folder (or a Hugging Face-layout folder).

    harness export bbc-news data/bbc-beir
    harness export bbc-news data/bbc-hf --layout hf

The command line loads the dataset and calls `export`; this module only writes a loaded one.

The BEIR folder (corpus.jsonl, queries.jsonl, qrels/<split>.tsv) is what `beir:FOLDER` reads;
the Hugging Face layout (corpus/, queries/ and default/ parquet files with a README.md
`configs:` block, as MTEB's dataset repositories have) is what `mteb:` reads from `path:`.
Exporting an offline dataset gives a real BEIR folder to run without any download.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

from harness.datasets.base import Dataset
from harness.errors import UserError

HF_README = """---
configs:
- config_name: corpus
  data_files:
  - split: corpus
    path: corpus/corpus-00000-of-00001.parquet
- config_name: queries
  data_files:
  - split: queries
    path: queries/queries-00000-of-00001.parquet
- config_name: default
  data_files:
  - split: {split}
    path: default/{split}-00000-of-00001.parquet
---
Exported by `harness export` from {name}.
"""


def _check(ds: Dataset, split: str) -> None:
    if not ds.is_text or ds.qrels is None:
        raise UserError(f"{ds.name} is not a text dataset with judgments (nothing to export)")
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", split):  # it names a file in `out`
        raise UserError(f"split {split!r} is not a plain name", key="--split",
                        suggestion="letters, digits, '.', '_' and '-', e.g. test")


def write_beir(ds: Dataset, out: Path, split: str = "test") -> Path:
    _check(ds, split)
    out.mkdir(parents=True, exist_ok=True)
    with (out / "corpus.jsonl").open("w", encoding="utf-8") as fh:
        for did, text in zip(ds.doc_ids, ds.docs, strict=True):
            fh.write(json.dumps({"_id": did, "title": "", "text": text}, ensure_ascii=False))
            fh.write("\n")
    with (out / "queries.jsonl").open("w", encoding="utf-8") as fh:
        for qid, text in zip(ds.query_ids, ds.queries, strict=True):
            fh.write(json.dumps({"_id": qid, "text": text}, ensure_ascii=False) + "\n")
    (out / "qrels").mkdir(exist_ok=True)
    with (out / "qrels" / f"{split}.tsv").open("w", encoding="utf-8") as fh:
        fh.write("query-id\tcorpus-id\tscore\n")
        for qid in ds.query_ids:
            for did, score in ds.qrels.get(qid, {}).items():
                fh.write(f"{qid}\t{did}\t{score}\n")
    return out


def write_hf(ds: Dataset, out: Path, split: str = "test") -> Path:
    import pyarrow as pa
    import pyarrow.parquet as pq

    _check(ds, split)
    for sub in ("corpus", "queries", "default"):
        (out / sub).mkdir(parents=True, exist_ok=True)
    pq.write_table(
        pa.table({"_id": list(ds.doc_ids), "title": [""] * ds.n_docs, "text": list(ds.docs)}),
        out / "corpus" / "corpus-00000-of-00001.parquet",
    )
    pq.write_table(
        pa.table({"_id": list(ds.query_ids), "text": list(ds.queries)}),
        out / "queries" / "queries-00000-of-00001.parquet",
    )
    rows = [(q, d, s) for q in ds.query_ids for d, s in ds.qrels.get(q, {}).items()]
    pq.write_table(
        pa.table(
            {
                "query-id": [r[0] for r in rows],
                "corpus-id": [r[1] for r in rows],
                "score": [r[2] for r in rows],
            }
        ),
        out / "default" / f"{split}-00000-of-00001.parquet",
    )
    (out / "README.md").write_text(HF_README.format(split=split, name=ds.name), encoding="utf-8")
    return out


LAYOUTS: dict[str, Callable[[Dataset, Path, str], Path]] = {"beir": write_beir, "hf": write_hf}


def export(ds: Dataset, out: Path, *, layout: str = "beir", split: str = "test") -> Path:
    """Write `ds` to the folder `out` in `layout` ('beir' or 'hf'); the qrels split is named
    `split`. Fails with a UserError for a dataset without texts and judgments."""
    if layout not in LAYOUTS:
        raise UserError(f"unknown layout '{layout}'", suggestion="expected beir or hf")
    return LAYOUTS[layout](ds, Path(out), split)
