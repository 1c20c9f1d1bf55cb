"""Images as labelled vectors: scikit-learn digits and Fashion-MNIST.

- digits: 8x8 images, 64-d; every 5th image is a query, the rest the corpus. The csv that
  scikit-learn ships is read directly (importing sklearn takes seconds).
- Fashion-MNIST: the idx files of the Debian package `dataset-fashion-mnist` (or
  $FASHION_MNIST_DIR), train = corpus, test = queries, 784-d.
"""

from __future__ import annotations

import gzip
import importlib.util
import os
from pathlib import Path

import numpy as np

from harness.datasets.base import Dataset
from harness.datasets.labelled import LabelledParts, build_labelled
from harness.errors import UserError

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
    return build_labelled(
        LabelledParts(
            name="digits",
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
    env = os.environ.get("FASHION_MNIST_DIR")
    return Path(env).expanduser() if env else FASHION_DIR


def fashion_available() -> bool:
    return all((fashion_dir() / f).is_file() for f in FASHION_FILES)


def fashion_problem() -> str | None:
    """Plan time: why Fashion-MNIST cannot be read here, or None."""
    if not fashion_available():
        return f"Fashion-MNIST files not found in {fashion_dir()} ({FASHION_INSTALL})"
    return None


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


def _fashion_split(root: Path, img_f: str, lab_f: str) -> tuple[np.ndarray, list[str]]:
    x = read_idx(root / img_f)
    y = read_idx(root / lab_f)
    if len(y) != len(x):
        raise UserError(f"{len(y)} labels for {len(x)} images in {img_f}", file=str(root / lab_f))
    if y.max(initial=0) >= len(FASHION_CLASSES):
        raise UserError(f"label {int(y.max())} is not a Fashion-MNIST class (0-9)",
                        file=str(root / lab_f))
    return x.reshape(len(x), -1).astype(np.float32), [FASHION_CLASSES[i] for i in y]


def load_fashion_mnist() -> Dataset:
    root = fashion_dir()
    xd, yd = _fashion_split(root, *FASHION_FILES[:2])
    xq, yq = _fashion_split(root, *FASHION_FILES[2:])
    return build_labelled(
        LabelledParts(
            name="fashion-mnist",
            tag="fashion-mnist",
            doc_vectors=xd,
            query_vectors=xq,
            doc_labels=yd,
            query_labels=yq,
            main_metric="knn_accuracy@1",
            meta={"source": str(root)},
        )
    )
