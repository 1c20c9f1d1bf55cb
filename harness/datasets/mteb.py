"""MTEB retrieval tasks by name (`mteb:SciFact`), read from a local Hugging Face layout.

What a task is (Hugging Face dataset path, pinned revision, evaluation split, main score) comes
from the `mteb` package's catalogue when it is importable, else from the small table below
(mteb pulls in torch, so it is an optional extra). The data itself is never fetched at run time:
it is read from the first of

1. the reference's `path:` option (a folder),
2. `$HARNESS_DATA/<dataset path>` (e.g. `$HARNESS_DATA/mteb/scifact`),
3. the Hugging Face hub cache at the pinned revision
   (`$HF_HUB_CACHE`, else `$HF_HOME/hub`, else `~/.cache/huggingface/hub`:
   `datasets--mteb--scifact/snapshots/<revision>/`), which `hf download` fills,

and when none exists, one line says what to download and where to put it.

A folder is a snapshot of the dataset repository: BEIR files (`corpus.jsonl[.gz]`,
`queries.jsonl[.gz]`, `qrels/<split>.tsv`), or the parquet/jsonl configurations declared in
its README.md (`configs:` with `corpus`, `queries` and `default` or `qrels`), or, without a
README, `corpus/*.parquet`, `queries/*.parquet` and `{default,qrels,data}/<split>-*.parquet`.
Documents are joined as MTEB does: `(title + " " + text).strip()`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from harness.datasets.base import Dataset
from harness.datasets.beir import (
    DEFAULT_TEMPLATE,
    QrelsLine,
    Row,
    build_retrieval,
    jsonl_rows,
    tsv_qrels,
)
from harness.errors import UserError, did_you_mean


@dataclass(frozen=True)
class Task:
    name: str
    path: str  # Hugging Face dataset repository
    revision: str
    splits: tuple[str, ...]
    main_score: str  # mteb spelling, e.g. ndcg_at_10
    ignore_identical_ids: bool = False
    source: str = "built-in table"

    @property
    def main_metric(self) -> str:
        family, _, k = self.main_score.partition("_at_")
        return f"{family}@{k}" if k else "ndcg@10"


# English BEIR tasks of MTEB, as declared by mteb's task metadata.
_TABLE = [
    Task("SciFact", "mteb/scifact", "d56462d0e63a25450459c4f213e49ffdb866f7f9", ("test",),
         "ndcg_at_10"),
    Task("NFCorpus", "mteb/nfcorpus", "ec0fa4fe99da2ff19ca1214b7966684033a58814", ("test",),
         "ndcg_at_10"),
    Task("ArguAna", "mteb/arguana", "c22ab2a51041ffd869aaddef7af8d8215647e41a", ("test",),
         "ndcg_at_10", ignore_identical_ids=True),
    Task("FiQA2018", "mteb/fiqa", "27a168819829fe9bcd655c2df245fb19452e8e06", ("test",),
         "ndcg_at_10", ignore_identical_ids=True),
    Task("SCIDOCS", "mteb/scidocs", "f8c2fcf00f625baaa80f62ec5bd9e1fff3b8ae88", ("test",),
         "ndcg_at_10"),
    Task("TRECCOVID", "mteb/trec-covid", "bb9466bac8153a0349341eb1b22e06409e78ef4e", ("test",),
         "ndcg_at_10"),
    Task("Touche2020", "mteb/touche2020", "a34f9a33db75fa0cbb21bb5cfc3dae8dc8bec93f", ("test",),
         "ndcg_at_10"),
    Task("QuoraRetrieval", "mteb/quora", "e4e08e0b7dbe3c8700f0daef558ff32256715259", ("test",),
         "ndcg_at_10", ignore_identical_ids=True),
]
TASKS: dict[str, Task] = {t.name: t for t in _TABLE}


def _from_mteb(name: str) -> Task | None:
    """The task as the installed mteb package declares it (None when mteb is not importable)."""
    import importlib.util

    if importlib.util.find_spec("mteb") is None:
        return None
    try:
        import mteb

        task = mteb.get_task(name)
        md = task.metadata
        return Task(
            name=md.name,
            path=md.dataset["path"],
            revision=md.dataset.get("revision") or "",
            splits=tuple(md.eval_splits),
            main_score=md.main_score,
            ignore_identical_ids=bool(getattr(task, "ignore_identical_ids", False)),
            source=f"mteb {getattr(mteb, '__version__', '')}".strip(),
        )
    except Exception:  # unknown to mteb, or mteb broken: fall back to the built-in table
        return None


def get_task(name: str) -> Task:
    task = _from_mteb(name) or TASKS.get(name)
    if task is None:
        hint = did_you_mean(name, TASKS)
        raise UserError(
            f"unknown MTEB retrieval task '{name}'",
            suggestion=(hint + "; " if hint else "")
            + "install mteb for its whole catalogue (pip install mteb), "
            "or use beir:FOLDER for a local copy",
        )
    return task


def hub_cache() -> Path:
    env = os.environ.get("HF_HUB_CACHE") or os.environ.get("HUGGINGFACE_HUB_CACHE")
    if env:
        return Path(env).expanduser()
    home = os.environ.get("HF_HOME")
    return (Path(home).expanduser() if home else Path.home() / ".cache" / "huggingface") / "hub"


def candidates(task: Task, path: str | None) -> list[tuple[Path, str]]:
    """Folders to look in, in order, with how each was found."""
    out: list[tuple[Path, str]] = []
    if path:
        out.append((Path(path).expanduser(), "path option"))
    data = os.environ.get("HARNESS_DATA")
    if data:
        out.append((Path(data).expanduser() / task.path, "$HARNESS_DATA"))
    snap = hub_cache() / f"datasets--{task.path.replace('/', '--')}" / "snapshots"
    out.append((snap / task.revision, "Hugging Face cache"))
    return out


def download_hint(task: Task) -> str:
    rev = f" --revision {task.revision}" if task.revision else ""
    return (
        f"download it with: hf download {task.path} --repo-type dataset{rev} "
        f"(into the Hugging Face cache, found automatically), or put a copy in "
        f"$HARNESS_DATA/{task.path} or give its folder as path:"
    )


def locate(task: Task, path: str | None) -> Path | None:
    for folder, _ in candidates(task, path):
        if folder.is_dir():
            return folder
    return None


def check(name: str, path: str | None) -> str | None:
    """Plan-time problem with an mteb reference (unknown task, no local copy), or None."""
    try:
        task = get_task(name)
    except UserError as exc:
        return exc.one_line()
    if path and not Path(path).expanduser().is_dir():
        return f"mteb:{name}: no folder at path '{path}'"
    if locate(task, path) is None:
        return (
            f"mteb:{name}: no local copy of {task.path} at revision {task.revision[:8]} "
            f"(offline, nothing is fetched at run time); {download_hint(task)}"
        )
    return None


# --- the Hugging Face layout -------------------------------------------------------------


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
        for pattern in (f"{config}.jsonl", f"{config}.jsonl.gz", f"{config}/*.parquet",
                        f"data/{config}*.parquet", f"{config}/*.jsonl"):
            hits = _glob(root, pattern)
            if hits:
                return hits
        return []
    for pattern in (f"qrels/{split}.tsv", f"qrels/{split}.jsonl", f"default/{split}-*.parquet",
                    f"qrels/{split}-*.parquet", f"data/{split}-*.parquet"):
        hits = _glob(root, pattern)
        if hits:
            return hits
    return []


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
    import json

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
    root: Path,
    *,
    name: str,
    split: str,
    template: str = DEFAULT_TEMPLATE,
    ignore_identical_ids: bool = False,
    main_metric: str = "ndcg@10",
    meta: dict[str, str] | None = None,
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
    return build_retrieval(
        name=name,
        corpus=_rows(corpus),
        queries=lambda: _rows(queries),
        qrels_lines=lambda: _qrels_lines(qrels),
        qrels_where=str(qrels[0]),
        split=split,
        template=template,
        ignore_identical_ids=ignore_identical_ids,
        main_metric=main_metric,
        meta={**(meta or {}), "path": str(root)},
    )


def load_mteb(
    name: str,
    *,
    path: str | None = None,
    split: str = "test",
    ignore_identical_ids: bool = False,
    doc_template: str | None = None,
) -> Dataset:
    task = get_task(name)
    root = locate(task, path)
    if root is None:
        raise UserError(
            f"mteb:{name}: no local copy of {task.path} at revision {task.revision[:8]}",
            suggestion=download_hint(task),
        )
    # The suite's split defaults to 'test'; a task evaluated on another split uses its own.
    use = split if split in task.splits or split != "test" else task.splits[0]
    return load_hf_folder(
        root,
        name=f"mteb:{task.name}",
        split=use,
        template=doc_template or DEFAULT_TEMPLATE,
        ignore_identical_ids=ignore_identical_ids or task.ignore_identical_ids,
        main_metric=task.main_metric,
        meta={"hf_path": task.path, "revision": task.revision, "catalogue": task.source},
    )
