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

With mteb (>= 2) installed, the task is loaded through mteb's own task object and data loader
(harness/datasets/mteb_native.py), offline, from that folder or from the `datasets` cache an
earlier online mteb run filled; when mteb's loader cannot read it, one warning line says why and
the folder is read by harness/datasets/hf.py instead (the same content gives the same dataset).

A folder is a snapshot of the dataset repository, read by harness/datasets/hf.py. Documents
are joined as MTEB does: `(title + " " + text).strip()`.
"""

from __future__ import annotations

import importlib.util
import logging
import os
from dataclasses import dataclass, replace
from pathlib import Path

from harness.datasets.base import Dataset
from harness.datasets.beir import DEFAULT_OPTIONS, RetrievalOptions
from harness.datasets.hf import load_hf_folder
from harness.datasets.mteb_native import cached_by_datasets, load_with_mteb
from harness.errors import UserError, did_you_mean

log = logging.getLogger("harness")


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


def _by_mteb(task: Task) -> bool:
    return task.source.startswith("mteb")


def _mteb_cached(task: Task) -> bool:
    """mteb can load the task from the `datasets` cache (an earlier online mteb run)."""
    return _by_mteb(task) and cached_by_datasets(task.path) is not None


def check(name: str, path: str | None) -> str | None:
    """Plan-time problem with an mteb reference (unknown task, no local copy), or None."""
    try:
        task = get_task(name)
    except UserError as exc:
        return exc.one_line()
    if path and not Path(path).expanduser().is_dir():
        return f"mteb:{name}: no folder at path '{path}'"
    if locate(task, path) is None and not _mteb_cached(task):
        return (
            f"mteb:{name}: no local copy of {task.path} at revision {task.revision[:8]} "
            f"(offline, nothing is fetched at run time); {download_hint(task)}"
        )
    return None


def _through_mteb(task: Task, root: Path | None, split: str,
                  options: RetrievalOptions) -> Dataset | str:
    """The task loaded by mteb's own loader, or why it could not be (one line)."""
    try:
        return load_with_mteb(task.name, split=split, folder=root, options=options)
    except UserError as exc:
        if root is None:
            raise
        return exc.one_line()  # the data itself is wrong: the file reader names file and line
    except Exception as exc:  # mteb's loader cannot read it (e.g. not its layout)
        first = (str(exc).strip().splitlines() or [""])[0][:200]
        return f"{type(exc).__name__}: {first}"


def load_mteb(
    name: str,
    *,
    path: str | None = None,
    split: str = "test",
    options: RetrievalOptions = DEFAULT_OPTIONS,
) -> Dataset:
    """The task's local copy; the task adds its main metric and may set ignore_identical_ids."""
    task = get_task(name)
    root = locate(task, path)
    if root is None and not _mteb_cached(task):
        raise UserError(
            f"mteb:{name}: no local copy of {task.path} at revision {task.revision[:8]}",
            suggestion=download_hint(task),
        )
    # The suite's split defaults to 'test'; a task evaluated on another split uses its own.
    use = split if split in task.splits or split != "test" else task.splits[0]
    meta = {"hf_path": task.path, "revision": task.revision, "catalogue": task.source}
    task_options = replace(
        options,
        ignore_identical_ids=options.ignore_identical_ids or task.ignore_identical_ids,
        main_metric=task.main_metric,
        meta={**options.meta, **meta},
    )
    if _by_mteb(task):
        got = _through_mteb(task, root, use, task_options)
        if isinstance(got, Dataset):
            return got
        if root is None:
            raise UserError(f"mteb:{name}: mteb could not load {task.path} from the datasets "
                            f"cache ({got})", suggestion=download_hint(task))
        log.warning("mteb:%s: mteb's loader could not read %s (%s); reading the files directly",
                    task.name, root, got)
    assert root is not None
    return load_hf_folder(root, name=f"mteb:{task.name}", split=use, options=task_options)
