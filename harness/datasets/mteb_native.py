"""An MTEB retrieval task loaded through mteb's own task object and data loader, offline.

`mteb:NAME` goes through here first when mteb (>= 2) is importable: `mteb.get_task(NAME)`
builds the task, and its `load_data()` (mteb's `RetrievalDatasetLoader`, the task's own
`dataset_transform`) reads the data, so what the harness scores is what `mteb.evaluate` would
score. The data must already be on this machine, in one of

1. a local folder (the `path:` option, `$HARNESS_DATA/<dataset path>` or the Hugging Face
   hub cache snapshot at the task's revision): the task's metadata is pointed at the folder,
   which `datasets` reads as a local dataset repository (README.md `configs:`);
2. the `datasets` cache (`$HF_DATASETS_CACHE`, else `$HF_HOME/datasets`, else
   `~/.cache/huggingface/datasets`), which an earlier online `mteb` run fills.

A local folder is read with a temporary `datasets` cache, removed after the load: `datasets`
names a local folder's cache entry by the folder's name and its configuration, not by the
files' content, so a shared cache could hand back another folder's rows. (Offline, `datasets`
takes the latest cached version of a hub dataset whatever its revision, as mteb itself would.)
Hugging Face offline mode is forced for the call, so nothing is downloaded: a missing copy
fails at once (`ConnectionError`, `FileNotFoundError`) and the caller (harness/datasets/mteb.py)
falls back to its own file reader with one line saying why. The rows then go through the same
assembly as every retrieval loader (`beir.build_retrieval`), so the same content gives the same
documents and the same fingerprint whichever loader read it.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import re
import tempfile
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

from harness.datasets.base import Dataset
from harness.datasets.beir import DEFAULT_OPTIONS, RetrievalOptions, RetrievalSource, Row
from harness.datasets.beir import build_retrieval as build


def datasets_cache() -> Path:
    """Where `datasets` keeps prepared datasets (its own cache, not the hub's)."""
    env = os.environ.get("HF_DATASETS_CACHE")
    if env:
        return Path(env).expanduser()
    home = os.environ.get("HF_HOME")
    return (Path(home).expanduser() if home else Path.home() / ".cache" / "huggingface"
            ) / "datasets"


def cached_by_datasets(hf_path: str) -> Path | None:
    """The `datasets` cache folder of a hub dataset ('mteb/scifact' -> mteb___scifact), if any.

    The same naming `datasets` uses to find a cached dataset offline."""
    *ns, name = hf_path.split("/")
    snake = re.sub(r"([a-z\d])([A-Z])", r"\1_\2", re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2",
                                                         name)).lower()
    folder = datasets_cache() / "___".join([*ns, snake])
    return folder if any(p.is_dir() for p in folder.glob("*/*/*")) else None


@contextlib.contextmanager
def hf_offline() -> Iterator[None]:
    """Hugging Face offline mode for the block: any hub request raises at once.

    huggingface_hub and datasets read HF_HUB_OFFLINE when imported, so their module
    constants are set (and restored) as well as the environment."""
    mods = [(importlib.import_module("huggingface_hub.constants"), "HF_HUB_OFFLINE"),
            (importlib.import_module("datasets.config"), "HF_HUB_OFFLINE"),
            (importlib.import_module("datasets.config"), "HF_DATASETS_OFFLINE")]
    saved = [getattr(m, a) for m, a in mods]
    env = {k: os.environ.get(k) for k in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE")}
    try:
        for m, a in mods:
            setattr(m, a, True)
        os.environ.update(dict.fromkeys(env, "1"))
        yield
    finally:
        for (m, a), v in zip(mods, saved, strict=True):
            setattr(m, a, v)
        for k, v in env.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def mteb_task(name: str, split: str, folder: Path | None) -> Any:
    """mteb's task object for one split, its data source pointed at `folder` when given."""
    import mteb

    task = mteb.get_task(name, eval_splits=[split])
    if task.metadata.is_multilingual:
        raise ValueError("a multilingual task (one harness dataset holds one subset)")
    if folder is not None:
        dataset = {**task.metadata.dataset, "path": str(folder)}
        task.metadata = task.metadata.model_copy(update={"dataset": dataset})
    return task


@contextlib.contextmanager
def own_datasets_cache() -> Iterator[None]:
    """A temporary `datasets` cache for the block (removed after it)."""
    import datasets.config

    saved, env = datasets.config.HF_DATASETS_CACHE, os.environ.get("HF_DATASETS_CACHE")
    with tempfile.TemporaryDirectory(prefix="harness-mteb-") as tmp:
        datasets.config.HF_DATASETS_CACHE = Path(tmp)
        os.environ["HF_DATASETS_CACHE"] = tmp
        try:
            yield
        finally:
            datasets.config.HF_DATASETS_CACHE = saved
            if env is None:
                os.environ.pop("HF_DATASETS_CACHE", None)
            else:
                os.environ["HF_DATASETS_CACHE"] = env


def _split_data(task: Any, split: str) -> dict[str, Any]:
    """The task's loaded split (corpus, queries, relevant_docs), read offline."""
    import datasets
    from datasets.utils import logging as ds_logging

    bars, level = datasets.is_progress_bar_enabled(), ds_logging.get_verbosity()
    datasets.disable_progress_bars()  # and its "using the cached version" warnings
    ds_logging.set_verbosity_error()
    try:
        with hf_offline():
            task.load_data()
        task.convert_v1_dataset_format_to_v2(num_proc=None)  # a no-op for v2 tasks
    finally:
        ds_logging.set_verbosity(level)
        if bars:
            datasets.enable_progress_bars()
    return task.dataset["default"][split]


def _rows(table: Any, where: str) -> Iterator[Row]:
    """A corpus or queries table (an HF Dataset with id, text and maybe title) as Rows."""
    row = 0
    for batch in table.iter(batch_size=4096):
        titles = batch.get("title") or [None] * len(batch["id"])
        for rid, title, text in zip(batch["id"], titles, batch["text"], strict=True):
            row += 1
            yield Row(where, row, str(rid), str(title or ""), str(text or ""))


def load_with_mteb(
    name: str, *, split: str, folder: Path | None, options: RetrievalOptions = DEFAULT_OPTIONS
) -> Dataset:
    """Task `name`'s split as a harness Dataset, loaded by mteb (raises when it cannot)."""
    task = mteb_task(name, split, folder)
    with own_datasets_cache() if folder is not None else contextlib.nullcontext():
        return _assemble(task, _split_data(task, split), split, folder, options)


def _assemble(task: Any, data: dict[str, Any], split: str, folder: Path | None,
              options: RetrievalOptions) -> Dataset:
    """The loaded split through the harness's retrieval assembly (beir.build_retrieval)."""
    where = f"mteb task {task.metadata.name} ({folder or task.metadata.dataset['path']})"
    qrels = data["relevant_docs"]
    src = RetrievalSource(
        corpus=_rows(data["corpus"], where),
        queries=lambda: _rows(data["queries"], where),
        qrels_lines=lambda: ((where, 0, str(q), str(d), int(s))
                             for q, rels in qrels.items() for d, s in rels.items()),
        qrels_where=where,
        queries_where=where,
    )
    meta = {**options.meta, "path": str(folder or task.metadata.dataset["path"]),
            "loader": "mteb task"}
    return build(f"mteb:{task.metadata.name}", src, split, replace(options, meta=meta))
