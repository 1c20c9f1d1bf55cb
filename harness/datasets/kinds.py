"""Dataset plugins and the `harness datasets` listing.

Each plugin has check(arg, ref) (cheap, plan time: a one-line problem or None), validate(arg,
ref) (plan time, after check: every problem of the data files, streamed), modality(arg)
('text': documents and queries go through the suite's models; 'vectors': the dataset's own
vectors, used with the model `vectors`) and load(arg, ref) -> Dataset. The registry
(harness/registry.py) maps aliases and `kind:` prefixes to these classes. The loader modules
import nothing heavy (pyarrow, sklearn are imported when a file is read), so they are imported
here directly.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

from harness.datasets import (
    bbc,
    beir,
    images,
    labelled,
    mteb,
    orange,
    shapes,
    ucr,
    validate,
    vectors,
)
from harness.datasets.base import Dataset
from harness.errors import UserError
from harness.registry import DATASET_KINDS, DATASETS
from harness.suite.axes import DEFAULT_TEMPLATE
from harness.suite.schema import DatasetRef


def _problem(check: Callable[[str], object], arg: str) -> str | None:
    """The one line of the UserError `check(arg)` raises, or None when it passes."""
    try:
        check(arg)
    except UserError as exc:
        return exc.one_line()
    return None


class DatasetPlugin:
    """Defaults for plugins: nothing to check at plan time, text modality."""

    kind_of_data: ClassVar[str] = "text"

    @staticmethod
    def check(arg: str, ref: DatasetRef | None = None) -> str | None:
        return None

    @staticmethod
    def validate(arg: str, ref: DatasetRef) -> list[UserError]:
        """Every problem of the data itself (streamed, cheap; run after `check` passes)."""
        return []

    @classmethod
    def modality(cls, arg: str) -> str:
        return cls.kind_of_data

    @staticmethod
    def load(arg: str, ref: DatasetRef) -> Dataset:
        raise NotImplementedError

    @staticmethod
    def shape(arg: str) -> shapes.DataShape | None:
        """Documents (and own vectors' dim) read cheaply, or None when only loading tells."""
        return None


def _retrieval_options(ref: DatasetRef) -> beir.RetrievalOptions:
    """The options a suite's dataset reference sets for a BEIR folder or an MTEB task."""
    return beir.RetrievalOptions(
        template=ref.doc_template or DEFAULT_TEMPLATE,
        ignore_identical_ids=ref.ignore_identical_ids,
    )


class BeirPlugin(DatasetPlugin):
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
    def validate(arg: str, ref: DatasetRef) -> list[UserError]:
        return validate.beir_problems(Path(arg).expanduser(), ref.split)

    shape = staticmethod(shapes.beir_shape)

    @staticmethod
    def load(arg: str, ref: DatasetRef) -> Dataset:
        return beir.load_beir(arg, split=ref.split, options=_retrieval_options(ref))


class MtebPlugin(DatasetPlugin):
    @staticmethod
    def check(arg: str, ref: DatasetRef | None = None) -> str | None:
        if not arg:
            return "expected a task name after 'mteb:' (e.g. mteb:SciFact)"
        return mteb.check(arg, ref.path if ref else None)

    @staticmethod
    def load(arg: str, ref: DatasetRef) -> Dataset:
        return mteb.load_mteb(arg, path=ref.path, split=ref.split, options=_retrieval_options(ref))


class BbcNewsPlugin(DatasetPlugin):
    @staticmethod
    def load(arg: str, ref: DatasetRef) -> Dataset:
        return bbc.load_bbc_news()


class _OrangePlugin(DatasetPlugin):
    key: ClassVar[str] = ""

    @classmethod
    def check(cls, arg: str, ref: DatasetRef | None = None) -> str | None:
        return orange.orange_problem(cls.key)

    @classmethod
    def load(cls, arg: str, ref: DatasetRef) -> Dataset:
        return orange.load_orange(cls.key)


class Newsgroups20Plugin(_OrangePlugin):
    key = "20newsgroups"


class ReutersR8Plugin(_OrangePlugin):
    key = "reuters-r8"


class UcrPlugin(DatasetPlugin):
    kind_of_data = "vectors"

    @staticmethod
    def check(arg: str, ref: DatasetRef | None = None) -> str | None:
        return ucr.ucr_problem(arg)

    @staticmethod
    def load(arg: str, ref: DatasetRef) -> Dataset:
        return ucr.load_ucr(arg)


class DigitsPlugin(DatasetPlugin):
    kind_of_data = "vectors"

    @staticmethod
    def load(arg: str, ref: DatasetRef) -> Dataset:
        return images.load_digits()


class FashionMnistPlugin(DatasetPlugin):
    kind_of_data = "vectors"

    @staticmethod
    def check(arg: str, ref: DatasetRef | None = None) -> str | None:
        return images.fashion_problem()

    @staticmethod
    def load(arg: str, ref: DatasetRef) -> Dataset:
        return images.load_fashion_mnist()


class LabelledPlugin(DatasetPlugin):
    @staticmethod
    def check(arg: str, ref: DatasetRef | None = None) -> str | None:
        return labelled.labelled_folder_problem(arg)

    @staticmethod
    def validate(arg: str, ref: DatasetRef) -> list[UserError]:
        return labelled.labelled_problems(arg)

    @staticmethod
    def modality(arg: str) -> str:
        return labelled.labelled_modality(arg)

    @staticmethod
    def load(arg: str, ref: DatasetRef) -> Dataset:
        return labelled.load_labelled_folder(arg)

    shape = staticmethod(shapes.labelled_shape)


class GloveVectorsPlugin(DatasetPlugin):
    kind_of_data = "vectors"

    @staticmethod
    def load(arg: str, ref: DatasetRef) -> Dataset:
        return vectors.load_glove_vectors()


class SyntheticPlugin(DatasetPlugin):
    kind_of_data = "vectors"

    @staticmethod
    def check(arg: str, ref: DatasetRef | None = None) -> str | None:
        return _problem(vectors.parse_synthetic, arg)

    @staticmethod
    def load(arg: str, ref: DatasetRef) -> Dataset:
        return vectors.load_synthetic(arg)

    shape = staticmethod(shapes.synthetic_shape)


# --- `harness datasets` ---------------------------------------------------------------------


def _available(plugin: Any, entry: Any, arg: str) -> tuple[bool, str]:
    if not entry.available():
        return False, entry.install
    problem = plugin.check(arg, None)
    return (problem is None), (problem or "")


def _kind_row(e: Any) -> dict[str, Any]:
    return {
        "reference": e.info.get("example", f"{e.name}:..."),
        "kind": e.info.get("modality", "text"),
        "size": e.info.get("size", ""),
        "task_metrics": e.info.get("metrics", ""),
        "available": e.available(),
        "summary": e.summary,
        "how_to_get": "" if e.available() else e.install,
    }


def _mteb_rows(row: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per task of the built-in MTEB table: is a local copy here, how to get one."""
    rows = []
    for task in mteb.TASKS.values():
        here = mteb.locate(task, None) is not None
        rows.append(
            {
                **row,
                "reference": f"mteb:{task.name}",
                "available": here,
                "summary": f"MTEB {task.name} ({task.path}@{task.revision[:8]}, "
                f"split {task.splits[0]})",
                "how_to_get": ""
                if here
                else f"hf download {task.path} --repo-type dataset --revision {task.revision}",
                "task_metrics": f"{task.main_metric} (main), qrels metrics",
            }
        )
    return rows


def _ucr_rows(row: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per UCR set bundled with aeon, or the kind's row saying how to get them."""
    names = ucr.ucr_bundled()
    if not names:
        return [{**row, "available": False, "how_to_get": ucr.AEON_INSTALL + " (or a folder)"}]
    return [
        {
            **row,
            "reference": f"ucr:{name}",
            "available": True,
            "size": ucr.ucr_size(name),
            "summary": f"UCR {name} (bundled with aeon): train = corpus, test = queries",
        }
        for name in names
    ]


def listing() -> list[dict[str, Any]]:
    """One row per dataset reference: kind, size, task metrics, availability, how to get it."""
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
    expand = {"mteb": _mteb_rows, "ucr": _ucr_rows}
    for e in DATASET_KINDS:
        row = _kind_row(e)
        rows.extend(expand[e.name](row) if e.name in expand else [row])
    return rows
