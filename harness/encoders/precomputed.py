"""Vectors made elsewhere: `precomputed:FOLDER`, looked up by the dataset's ids.

The folder holds, for documents and for queries, either

- `docs.npy` + `doc_ids.txt` and `queries.npy` + `query_ids.txt`: a float array of shape
  (n, dim) and its ids, one per line (UTF-8), row i <-> line i; or
- `docs.parquet` and `queries.parquet`: columns `id` (string) and `vector` (list of floats,
  the same length on every row);

and optionally `config.json`: {"name": "...", "metric": "cosine" | "ip" | "l2",
"matryoshka_dims": [256, 128], "normalized": true}. Every id of the dataset (after
`max_docs`/`max_queries` sampling) must have a vector; extra ids in the files are ignored, so
one folder can serve samples of the same collection. Nothing is encoded: the vectors are used
as given (the usual cosine normalisation, reduction and quantization still apply).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from harness.datasets.validate import array_problems
from harness.encoders.base import EncoderSpec, Role
from harness.encoders.files import file_sha256, read_json_config, spec_fingerprint
from harness.errors import UserError

VERSION = "precomputed-v1"
ROLES = {"document": ("docs", "doc_ids"), "query": ("queries", "query_ids")}
FORMAT = (
    "expected docs.npy + doc_ids.txt and queries.npy + query_ids.txt, or docs.parquet and "
    "queries.parquet with columns id and vector"
)


@dataclass(frozen=True)
class PrecomputedOptions:
    folder: Path
    name: str | None = None


def _files(folder: Path, role: Role) -> list[Path]:
    """The files holding one role's vectors (npy + ids, or parquet), or [] if none."""
    stem, ids = ROLES[role]
    npy, txt, parquet = folder / f"{stem}.npy", folder / f"{ids}.txt", folder / f"{stem}.parquet"
    if npy.is_file() and txt.is_file():
        return [npy, txt]
    if parquet.is_file():
        return [parquet]
    return []


def check_folder(arg: str) -> str | None:
    """Why `precomputed:arg` cannot be used, or None."""
    folder = Path(arg).expanduser()
    if not arg or not folder.is_dir():
        return f"no precomputed vectors folder at '{arg}' ({FORMAT})"
    for role in ROLES:
        if not _files(folder, role):  # type: ignore[arg-type]
            stem, ids = ROLES[role]
            return (
                f"{folder}: no {role} vectors: neither {stem}.npy + {ids}.txt nor "
                f"{stem}.parquet ({FORMAT})"
            )
    return None


def _read_ids(path: Path) -> list[str]:
    """One id a line (UTF-8, with or without a byte-order mark; CRLF or LF)."""
    try:
        ids = path.read_text(encoding="utf-8-sig").splitlines()
    except UnicodeDecodeError as exc:
        raise UserError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    if ids and ids[-1] == "":
        ids = ids[:-1]
    return ids


def _read_npy(files: list[Path]) -> tuple[list[str], np.ndarray]:
    """ids (one a line) and the array of a docs.npy + doc_ids.txt pair."""
    _, problems = array_problems(files[0])
    if problems:
        raise problems[0]
    return _read_ids(files[1]), np.load(files[0], allow_pickle=False)


def folder_problems(arg: str) -> list[UserError]:
    """Every problem of the folder's files, found at plan time (npy files memory-mapped and
    scanned in blocks): readable, finite float32-sized vectors, one id per vector, unique
    ids, the same dim for documents and queries, a valid config.json."""
    folder = Path(arg).expanduser()
    out: list[UserError] = []
    dims: dict[str, int] = {}
    for role in ROLES:
        files = _files(folder, role)  # type: ignore[arg-type]
        try:
            if files[0].suffix == ".npy":
                shape, problems = array_problems(files[0])
                out += problems
                ids = _read_ids(files[1])
            else:
                ids, vectors = _read_parquet(files)
                shape = _checked(vectors, ids, files[0]).shape
            if shape and len(ids) != shape[0]:
                out.append(UserError(f"{files[-1]}: {len(ids)} ids for {shape[0]} vectors "
                                     "(one id a line, row i <-> line i)"))
            _index(ids, files[-1])
            dims.update({role: shape[1]} if shape else {})
        except UserError as exc:
            out.append(exc)
    if len(set(dims.values())) > 1:
        out.append(UserError(f"{folder}: document vectors have dim {dims['document']}, query "
                             f"vectors {dims['query']} (they must come from one model)"))
    try:
        if read_json_config(folder / "config.json", strict=True).get(
                "metric", "cosine") not in ("cosine", "ip", "l2"):
            out.append(UserError(f"{folder}/config.json: metric must be cosine, ip or l2"))
    except UserError as exc:
        out.append(exc)
    return out


def _read_parquet(files: list[Path]) -> tuple[list[str], np.ndarray]:
    """ids and vectors of a parquet file with columns id and vector (equal lengths)."""
    import pyarrow.parquet as pq

    table = pq.read_table(files[0])
    missing = {"id", "vector"} - set(table.column_names)
    if missing:
        raise UserError(
            f"{files[0]}: missing column(s) {sorted(missing)} (has {table.column_names})"
        )
    ids = [str(x) for x in table.column("id").to_pylist()]
    rows = table.column("vector").to_pylist()
    lengths = {len(r) for r in rows if r is not None}
    if None in rows or len(lengths) > 1:
        raise UserError(f"{files[0]}: every row needs a vector of the same length")
    return ids, np.asarray(rows, dtype=np.float32).reshape(len(rows), -1)


def _checked(vectors: np.ndarray, ids: list[str], file: Path) -> np.ndarray:
    """The vectors as contiguous float32, after checking shape, id count and finiteness."""
    if vectors.ndim != 2:
        raise UserError(f"{file}: expected a 2-d array (n, dim), got {vectors.shape}")
    if len(ids) != len(vectors):
        raise UserError(f"{file}: {len(vectors)} vectors but {len(ids)} ids")
    if not np.issubdtype(vectors.dtype, np.number):
        raise UserError(f"{file}: vectors must be numbers, got {vectors.dtype}")
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    if not np.isfinite(vectors).all():
        bad = ids[int(np.flatnonzero(~np.isfinite(vectors).all(axis=1))[0])]
        raise UserError(f"{file}: non-finite values (first at id '{bad}')")
    return vectors


def _index(ids: list[str], file: Path) -> dict[str, int]:
    """id -> row; a repeated id fails naming the ids file."""
    index = {i: row for row, i in enumerate(ids)}
    if len(index) != len(ids):
        counts: dict[str, int] = {}
        for i in ids:
            counts[i] = counts.get(i, 0) + 1
        dup = next(i for i, c in counts.items() if c > 1)
        raise UserError(f"{file}: id '{dup}' appears more than once")
    return index


class PrecomputedEncoder:
    """Looks vectors up by id (vectors_for); `encode` from text is refused."""

    def __init__(self, options: PrecomputedOptions) -> None:
        problem = check_folder(str(options.folder))
        if problem:
            raise UserError(problem)
        self.options = options
        self.folder = Path(options.folder).expanduser()
        self._spec: EncoderSpec | None = None
        self._loaded: dict[str, tuple[np.ndarray, dict[str, int]]] = {}

    def config(self) -> dict[str, Any]:
        return read_json_config(self.folder / "config.json", strict=True)

    def dim(self) -> int:
        """The vectors' dimension without loading them (npy header or first parquet row)."""
        files = _files(self.folder, "document")
        if files[0].suffix == ".npy":
            shape = np.load(files[0], mmap_mode="r").shape
            if len(shape) != 2:
                raise UserError(f"{files[0]}: expected a 2-d array (n, dim), got shape {shape}")
            return int(shape[1])
        import pyarrow.parquet as pq

        pf = pq.ParquetFile(files[0])
        for batch in pf.iter_batches(batch_size=1, columns=["vector"]):
            return len(batch.column(0)[0].as_py())
        raise UserError(f"{files[0]}: no rows")

    @property
    def spec(self) -> EncoderSpec:
        if self._spec is None:
            cfg = self.config()
            files = [*_files(self.folder, "document"), *_files(self.folder, "query")]
            if (self.folder / "config.json").is_file():
                files.append(self.folder / "config.json")
            hashes = {p.name: file_sha256(p) for p in files}
            metric = cfg.get("metric", "cosine")
            if metric not in ("cosine", "ip", "l2"):
                raise UserError(f"{self.folder}/config.json: metric must be cosine, ip or l2")
            dims = cfg.get("matryoshka_dims", [])
            if not isinstance(dims, list) or not all(isinstance(d, int) for d in dims):
                raise UserError(
                    f"{self.folder}/config.json: matryoshka_dims must be a list of ints"
                )
            self._spec = EncoderSpec(
                name=self.options.name or str(cfg.get("name") or self.folder.resolve().name),
                fingerprint=spec_fingerprint(VERSION, dict(sorted(hashes.items()))),
                dim=self.dim(),
                default_metric=metric,
                matryoshka_dims=tuple(dims),
                extra={"source": "precomputed", **hashes},
            )
        return self._spec

    def _load(self, role: Role) -> tuple[np.ndarray, dict[str, int]]:
        """One role's vectors (float32, checked) and the row of each id, read once."""
        if role not in self._loaded:
            files = _files(self.folder, role)
            ids, vectors = _read_npy(files) if files[0].suffix == ".npy" else _read_parquet(files)
            vectors = _checked(vectors, ids, files[0])
            index = _index(ids, files[-1])
            if vectors.shape[1] != self.spec.dim:
                raise UserError(
                    f"{files[0]}: {role} vectors have dim {vectors.shape[1]}, documents "
                    f"{self.spec.dim}"
                )
            self._loaded[role] = (vectors, index)
        return self._loaded[role]

    def vectors_for(self, ids: Sequence[str], role: Role) -> np.ndarray:
        """The vectors of `ids`, in that order; every id must be present."""
        vectors, index = self._load(role)
        rows = [index.get(i, -1) for i in ids]
        missing = [i for i, r in zip(ids, rows, strict=True) if r < 0]
        if missing:
            raise UserError(missing_ids(str(self.options.folder), role, missing, len(ids)))
        return vectors[np.asarray(rows, dtype=np.int64)]

    def encode(self, texts: list[str], *, role: Role, batch_size: int = 64) -> np.ndarray:
        raise UserError(
            f"precomputed:{self.options.folder} holds vectors looked up by id, it cannot encode "
            "text (the harness calls vectors_for(ids, role))"
        )


def missing_ids(folder: str, role: str, missing: Sequence[str], total: int) -> str:
    """The one line for dataset ids without a vector (plan time and run time)."""
    shown = ", ".join(repr(m) for m in missing[:3])
    return (f"precomputed:{folder}: {len(missing)} of {total} {role} ids of the dataset have "
            f"no vector (e.g. {shown}); the files' ids must match the dataset's")


def folder_ids(arg: str) -> dict[str, set[str]]:
    """Each role's ids in the folder (id files, or the parquet id column), nothing else read."""
    out = {}
    for role in ROLES:
        files = _files(Path(arg).expanduser(), role)  # type: ignore[arg-type]
        if files and files[0].suffix == ".npy":
            out[role] = set(_read_ids(files[1]))
        elif files:
            import pyarrow.parquet as pq

            out[role] = {str(x) for x in pq.read_table(files[0], columns=["id"])["id"].to_pylist()}
    return out

