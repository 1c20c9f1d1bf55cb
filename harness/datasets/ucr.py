"""UCR time series from .ts files (sktime/aeon format): train = corpus, test = queries.

The sets bundled with `aeon` are read where the package put them, without importing it; any
folder holding NAME_TRAIN.ts and NAME_TEST.ts works too. Series are used as vectors as they are
(multivariate series are flattened channel by channel); the task is the label, and the
published 1-NN accuracies of the archive are a correctness check for label metrics.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np

from harness.datasets.base import Dataset
from harness.datasets.labelled import LabelledParts, build_labelled
from harness.errors import UserError, did_you_mean

AEON_INSTALL = "pip install --no-deps aeon"


def aeon_data() -> Path | None:
    spec = importlib.util.find_spec("aeon")
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / "datasets" / "data"
    return folder if folder.is_dir() else None


def ucr_bundled() -> list[str]:
    """Names of the equal-length classification sets bundled with aeon."""
    root = aeon_data()
    if root is None:
        return []
    out = []
    for d in sorted(p for p in root.iterdir() if p.is_dir()):
        for train in sorted(d.glob("*_TRAIN.ts")):
            name = train.name[: -len("_TRAIN.ts")]
            head = ts_header(train)
            if (
                (d / f"{name}_TEST.ts").is_file()
                and head.get("classlabel", "").startswith("true")
                and head.get("equallength", "true") == "true"
            ):
                out.append(name)
    return out


def ts_header(path: Path) -> dict[str, str]:
    """The @-header of a .ts file, lower-cased: {'classlabel': 'true 1 2', ...}, plus the
    number of data lines as 'rows'."""
    out: dict[str, str] = {}
    rows = 0
    with path.open(encoding="utf-8", errors="replace") as fh:
        for line in fh:
            line = line.strip()
            if not line or line.startswith(("#", "%")):
                continue
            if line.startswith("@"):
                key, _, value = line[1:].partition(" ")
                out[key.lower()] = value.strip().lower()
            else:
                if not rows:
                    *channels, _ = line.split(":")
                    out["width"] = str(sum(len(ch.split(",")) for ch in channels))
                rows += 1
    out["rows"] = str(rows)
    return out


def ucr_size(name: str) -> str:
    try:
        train, test = ucr_files(name)
        a, b = ts_header(train), ts_header(test)
    except (UserError, OSError):
        return ""
    width = f", {a['width']}-d" if a.get("width") else ""
    return f"{a['rows']} x {b['rows']}{width}"


def ucr_files(arg: str) -> tuple[Path, Path]:
    """(train, test) .ts files for 'GunPoint' (bundled with aeon) or a folder/NAME path."""
    p = Path(arg).expanduser()
    if p.is_dir():
        trains = sorted(p.glob("*_TRAIN.ts"))
        if len(trains) != 1:
            raise UserError(
                f"expected one NAME_TRAIN.ts in the folder, found {len(trains)}", file=str(p)
            )
        name = trains[0].name[: -len("_TRAIN.ts")]
        return trains[0], p / f"{name}_TEST.ts"
    root = aeon_data()
    if root is None:
        raise UserError(f"UCR set '{arg}' needs aeon's bundled data", suggestion=AEON_INSTALL)
    folder = root / arg
    if not folder.is_dir() and arg.endswith("_eq"):
        folder = root / arg[: -len("_eq")]
    train, test = folder / f"{arg}_TRAIN.ts", folder / f"{arg}_TEST.ts"
    if not train.is_file():
        raise UserError(
            f"no UCR set '{arg}' in aeon's bundled data",
            suggestion=did_you_mean(arg, ucr_bundled()) or "give a folder with NAME_TRAIN.ts",
        )
    return train, test


def ucr_problem(arg: str) -> str | None:
    """Plan time: why `ucr:arg` cannot be read, or None."""
    if not arg:
        return "expected a UCR set after 'ucr:' (e.g. ucr:GunPoint, or ucr:path/to/folder)"
    try:
        _, test = ucr_files(arg)
    except UserError as exc:
        return exc.one_line()
    if not test.is_file():
        return f"{test}: file not found (a UCR set needs NAME_TRAIN.ts and NAME_TEST.ts)"
    return None


# --- reading a .ts file -----------------------------------------------------------------------


def _header_line(line: str, declared: list[str] | None, where: dict) -> tuple[bool, list | None]:
    """One @-line before the data: (whether the data starts next, the declared class labels)."""
    low = line.lower()
    if low.startswith("@targetlabel") and low.split()[1:2] == ["true"]:
        raise UserError("a regression set (@targetLabel), not a classification set", **where)
    if low.startswith("@classlabel"):
        parts = line.split()
        if len(parts) < 2 or parts[1].lower() != "true":
            raise UserError("not a classification set (@classLabel false)", **where)
        return False, parts[2:]
    if low.startswith("@equallength") and low.endswith("false"):
        raise UserError(
            "series of unequal length are not supported",
            suggestion="use the _eq variant where one exists",
            **where,
        )
    return low.startswith("@data"), declared


def _series(line: str, where: dict) -> tuple[np.ndarray, str]:
    """'v1,v2,...[:dim2...]:label' -> (the values of all channels, float64; the label)."""
    *channels, label = line.split(":")
    try:
        values = np.array([float(v) for ch in channels for v in ch.split(",")], dtype=np.float64)
    except ValueError:
        raise UserError("expected comma-separated numbers, then ':label'", **where) from None
    if not channels or np.isnan(values).any():
        raise UserError("missing values are not supported", **where)
    return values, label.strip()


def _check_series(
    values: np.ndarray, label: str, width: int | None, declared: list[str] | None, where: dict
) -> None:
    if width is not None and len(values) != width:
        raise UserError(f"series of length {len(values)}, expected {width} like the first", **where)
    if declared is not None and label not in declared:
        raise UserError(
            f"label '{label}' is not among @classLabel {' '.join(declared)}", **where
        )


def read_ts(path: Path) -> tuple[np.ndarray, list[str]]:
    """A .ts file (sktime/aeon format): @-headers, then 'v1,v2,...[:dim2...]:label' lines."""
    if not path.is_file():
        raise UserError("file not found", file=str(path))
    declared: list[str] | None = None
    rows: list[np.ndarray] = []
    labels: list[str] = []
    in_data = False
    with path.open(encoding="utf-8", errors="replace") as fh:
        for lineno, raw in enumerate(fh, start=1):
            line = raw.strip()
            if not line or line.startswith(("#", "%")):
                continue
            where = {"file": str(path), "line": lineno}
            if not in_data:
                in_data, declared = _header_line(line, declared, where)
                continue
            values, label = _series(line, where)
            _check_series(values, label, len(rows[0]) if rows else None, declared, where)
            rows.append(values)
            labels.append(label)
    if not rows:
        raise UserError("no series (empty split)", file=str(path))
    return np.stack(rows), labels


def load_ucr(arg: str) -> Dataset:
    train, test = ucr_files(arg)
    x_train, y_train = read_ts(train)
    x_test, y_test = read_ts(test)
    if x_train.shape[1] != x_test.shape[1]:
        raise UserError(
            f"test series have length {x_test.shape[1]}, train series {x_train.shape[1]}",
            file=str(test),
        )
    name = train.name[: -len("_TRAIN.ts")]
    return build_labelled(
        LabelledParts(
            name=f"ucr:{name}",
            tag=f"ucr|{name}",
            doc_vectors=x_train,
            query_vectors=x_test,
            doc_labels=y_train,
            query_labels=y_test,
            main_metric="knn_accuracy@1",
            meta={"source": str(train.parent), "corpus": train.name, "queries": test.name},
        )
    )
