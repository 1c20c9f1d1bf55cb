"""Retrieval sets in the Hugging Face layout of MTEB's dataset repositories (a local snapshot).

A folder holds BEIR files (`corpus.jsonl[.gz]`, `queries.jsonl[.gz]`, `qrels/<split>.tsv`), or
the parquet/jsonl configurations declared in its README.md (`configs:` with `corpus`, `queries`
and `default` or `qrels`), or, without a README, `corpus/*.parquet`, `queries/*.parquet` and
`{default,qrels,data}/<split>-*.parquet`. The rows go through the same assembly as a BEIR folder
(`beir.build_retrieval`), so the same content gives the same fingerprint in either layout.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from harness.datasets.base import Dataset
from harness.datasets.beir import (
    DEFAULT_OPTIONS,
    QrelsLine,
    RetrievalOptions,
    RetrievalSource,
    Row,
    build_retrieval,
    jsonl_rows,
    tsv_qrels,
)
from harness.errors import UserError


def _front_matter_configs(root: Path) -> dict[str, list[tuple[str | None, str]]]:
    """README.md `configs:` -> {config name: [(split or None, path glob), ...]}."""
    readme = root / "README.md"
    if not readme.is_file():
        return {}
    text = readme.read_text(encoding="utf-8", errors="replace")
    if not text.startswith("---"):
        return {}
    end = text.find("\n---", 3)
    if end < 0:
        return {}
    import yaml

    try:
        meta = yaml.safe_load(text[3:end]) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise UserError(
            f"README.md front matter is not valid YAML ({getattr(exc, 'problem', None) or exc})",
            file=str(readme),
            line=mark.line + 2 if mark else None,  # +1 for 1-based, +1 for the opening ---
        ) from None
    out: dict[str, list[tuple[str | None, str]]] = {}
    for cfg in meta.get("configs") or []:
        if not isinstance(cfg, dict) or "config_name" not in cfg:
            continue
        files = cfg.get("data_files")
        entries: list[tuple[str | None, str]] = []
        for item in files if isinstance(files, list) else [files]:
            if isinstance(item, str):
                entries.append((None, item))
            elif isinstance(item, dict):
                paths = item.get("path")
                for p in paths if isinstance(paths, list) else [paths]:
                    if p:
                        entries.append((item.get("split"), str(p)))
        out[str(cfg["config_name"])] = entries
    return out


def _glob(root: Path, pattern: str) -> list[Path]:
    hits = sorted(p for p in root.glob(pattern) if p.is_file())
    if not hits and "*" not in pattern and (root / pattern).is_file():
        hits = [root / pattern]
    return hits


def _files_of(root: Path, config: str, split: str | None) -> list[Path]:
    """Files of a config (and split) from the README, else from the usual folder names."""
    configs = _front_matter_configs(root)
    if config in configs:
        entries = configs[config]
        chosen = [p for s, p in entries if split is None or s in (None, split)]
        if split is not None and not chosen:
            return []
        return [f for pattern in chosen for f in _glob(root, pattern)]
    if config in ("corpus", "queries"):
        usual = (f"{config}.jsonl", f"{config}.jsonl.gz", f"{config}/*.parquet",
                 f"data/{config}*.parquet", f"{config}/*.jsonl")
    else:
        usual = (f"qrels/{split}.tsv", f"qrels/{split}.jsonl", f"default/{split}-*.parquet",
                 f"qrels/{split}-*.parquet", f"data/{split}-*.parquet")
    return next((hits for pattern in usual if (hits := _glob(root, pattern))), [])


def _qrels_files(root: Path, split: str) -> list[Path]:
    configs = _front_matter_configs(root)
    named = [c for c in ("default", "qrels") if c in configs]
    for config in named:
        files = _files_of(root, config, split)
        if files:
            return files
    return [] if named else _files_of(root, "qrels", split)


def _splits_present(root: Path) -> list[str]:
    configs = _front_matter_configs(root)
    found = {s for c in ("default", "qrels") for s, _ in configs.get(c, []) if s}
    found |= {p.stem for p in (root / "qrels").glob("*.tsv")}
    for sub in ("default", "qrels", "data"):
        found |= {p.name.split("-")[0] for p in (root / sub).glob("*-*.parquet")}
    return sorted(found - {"corpus", "queries"})


_ID = ("_id", "id")
_QID = ("query-id", "query_id", "qid")
_DID = ("corpus-id", "corpus_id", "doc_id", "docid")
_SCORE = ("score", "relevance", "label")


def _column(names: list[str], wanted: tuple[str, ...], file: Path) -> str:
    for w in wanted:
        if w in names:
            return w
    raise UserError(
        f"no column '{wanted[0]}' (columns: {', '.join(names)})", file=str(file)
    )


def _parquet_rows(path: Path) -> Iterator[Row]:
    import pyarrow.parquet as pq

    pf = pq.ParquetFile(path)
    names = pf.schema_arrow.names
    id_col = _column(names, _ID, path)
    cols = [id_col] + [c for c in ("title", "text") if c in names]
    if "text" not in names:
        raise UserError(f"no column 'text' (columns: {', '.join(names)})", file=str(path))
    row = 0
    for batch in pf.iter_batches(columns=cols, batch_size=4096):
        data = batch.to_pydict()
        titles = data.get("title") or [None] * batch.num_rows
        for i in range(batch.num_rows):
            row += 1
            yield Row(str(path), row, str(data[id_col][i]), str(titles[i] or ""),
                      str(data["text"][i] or ""))


def _rows(files: list[Path]) -> Iterator[Row]:
    for f in files:
        if f.name.endswith(".parquet"):
            yield from _parquet_rows(f)
        else:
            yield from jsonl_rows(f, _ID)


def _qrels_lines(files: list[Path]) -> Iterator[QrelsLine]:
    for f in files:
        if f.name.endswith(".parquet"):
            import pyarrow.parquet as pq

            pf = pq.ParquetFile(f)
            names = pf.schema_arrow.names
            q, d, s = _column(names, _QID, f), _column(names, _DID, f), _column(names, _SCORE, f)
            row = 0
            for batch in pf.iter_batches(columns=[q, d, s], batch_size=65536):
                data = batch.to_pydict()
                for i in range(batch.num_rows):
                    row += 1
                    yield str(f), row, str(data[q][i]), str(data[d][i]), int(data[s][i])
        elif ".jsonl" in f.name:
            for lineno, line in enumerate(f.open(encoding="utf-8"), start=1):
                if not line.strip():
                    continue
                try:
                    obj = json.loads(line)
                    names = list(obj)
                    yield (str(f), lineno, str(obj[_column(names, _QID, f)]),
                           str(obj[_column(names, _DID, f)]), int(obj[_column(names, _SCORE, f)]))
                except (json.JSONDecodeError, TypeError, ValueError) as exc:
                    raise UserError(f"malformed qrels line ({exc})", file=str(f),
                                    line=lineno) from None
        else:
            yield from tsv_qrels(f)


def load_hf_folder(
    root: Path, *, name: str, split: str, options: RetrievalOptions = DEFAULT_OPTIONS
) -> Dataset:
    """A retrieval Dataset from a local snapshot of a BEIR-on-Hugging-Face repository."""
    corpus = _files_of(root, "corpus", None)
    queries = _files_of(root, "queries", None)
    for what, files in (("corpus", corpus), ("queries", queries)):
        if not files:
            raise UserError(
                f"no {what} files in this Hugging Face dataset folder",
                file=str(root),
                suggestion=f"expected {what}.jsonl, {what}/*.parquet or a README.md 'configs:' "
                f"entry named {what}",
            )
    qrels = _qrels_files(root, split)
    if not qrels:
        have = _splits_present(root)
        raise UserError(
            f"no qrels for split '{split}'",
            file=str(root),
            suggestion=f"splits present: {', '.join(have)}" if have else
            "expected qrels/<split>.tsv or a 'default' config with that split",
        )
    src = RetrievalSource(
        corpus=_rows(corpus),
        queries=lambda: _rows(queries),
        qrels_lines=lambda: _qrels_lines(qrels),
        qrels_where=str(qrels[0]),
    )
    meta = {**options.meta, "path": str(root)}
    return build_retrieval(name, src, split, replace(options, meta=meta))
