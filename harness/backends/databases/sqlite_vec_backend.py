"""sqlite-vec: a vec0 virtual table in an SQLite file, queried in SQL one query per call.

vec0 scans every vector (no ANN index), so it is exact: float32 vectors with its cosine or L2
distance, or bit vectors (the harness's sign bits) with Hamming distance. The database file
lives in the backend's scratch folder. Python's own sqlite3 is often built without extension
loading, so the connection is apsw's (which always allows it). An apsw connection runs one
statement at a time (a second thread gets ThreadingViolationError), so each searching thread
opens its own read-only connection to the same file (the load axis's client threads; the OS
page cache holds the file once).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np

from harness.backends.base import Capabilities, Concurrency, IndexInput, as_float32
from harness.backends.databases.scratch import FileBacked

#: harness search metric -> vec0's distance_metric ('ip' arrives for cosine on unit vectors)
DISTANCES = {"ip": "cosine", "l2": "l2", "hamming": "hamming"}
INSERT_BATCH = 1000


class SqliteVecBackend(FileBacked):
    name: ClassVar[str] = "sqlite-vec"
    concurrency: ClassVar[Concurrency] = Concurrency(
        "threads", "apsw releases the GIL while SQLite steps a statement (measured by "
        "bench/gil.py; one connection per thread)", batch=False)
    capabilities: ClassVar[Capabilities] = Capabilities(
        metrics=frozenset({"cosine", "l2"}),
        precisions=frozenset({"float32", "float16", "int8", "float8", "binary"}),
        family="exact",
    )

    def __init__(self, metric: str, build: Mapping[str, Any], threads: int = 1) -> None:
        self.start(metric, build, DISTANCES, "cosine, l2 or hamming")
        self._db: Any = None
        self._local = threading.local()  # a connection per searching thread
        self._readers: list[Any] = []  # closed with the backend

    def _open(self, flags: int | None = None) -> Any:
        import apsw
        import sqlite_vec

        path = self.scratch.file("vectors.db")
        db = apsw.Connection(path) if flags is None else apsw.Connection(path, flags=flags)
        db.enable_load_extension(True)
        db.load_extension(sqlite_vec.loadable_path())
        return db

    def _conn(self) -> Any:
        """This thread's connection: the build's in the building thread, else a read-only
        one opened on first use."""
        db = getattr(self._local, "db", None)
        if db is None:
            import apsw

            db = self._local.db = self._open(apsw.SQLITE_OPEN_READONLY)
            self._readers.append(db)
        return db

    def build(self, data: IndexInput) -> None:
        db = self._open()
        self._local.db = db
        bits = self.metric == "hamming"
        x = np.ascontiguousarray(data.vectors, dtype=np.uint8) if bits else as_float32(data.vectors)
        column = f"bit[{x.shape[1] * 8}]" if bits else (
            f"float[{x.shape[1]}] distance_metric={DISTANCES[self.metric]}")
        db.execute(f"CREATE VIRTUAL TABLE docs USING vec0(embedding {column})")
        value = "vec_bit(?)" if bits else "?"
        with db:  # one transaction for the inserts
            for start in range(0, len(x), INSERT_BATCH):
                chunk = x[start:start + INSERT_BATCH]
                db.executemany(f"INSERT INTO docs(rowid, embedding) VALUES (?, {value})",
                               [(start + i, v.tobytes()) for i, v in enumerate(chunk)])
        self._db, self._n = db, len(x)
        self._query = (f"SELECT rowid, distance FROM docs WHERE embedding MATCH {value} "
                       "AND k = ? ORDER BY distance")

    def prepare(self, search: Mapping[str, Any]) -> None:
        return None  # vec0 has no search parameter: every query scans the table

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        q = (np.ascontiguousarray(queries, dtype=np.uint8) if self.metric == "hamming"
             else as_float32(queries))
        ids = np.full((len(q), k), -1, dtype=np.int64)
        dist = np.full((len(q), k), np.inf, dtype=np.float64)
        for i, v in enumerate(q):
            found = self._conn().execute(self._query, (v.tobytes(), k)).fetchall()
            if found:
                ids[i, :len(found)], dist[i, :len(found)] = zip(*found, strict=True)
        return ids, self._scores(dist)

    def _scores(self, dist: np.ndarray) -> np.ndarray:
        """vec0 distances -> exact search's similarities (higher is better)."""
        if self.metric == "ip":
            return (1.0 - dist).astype(np.float32)  # cosine distance on unit vectors
        if self.metric == "l2":
            return (-dist * dist).astype(np.float32)  # exact search ranks by squared L2
        return (-dist).astype(np.float32)

    def close(self) -> None:
        for db in self._readers:
            db.close()
        self._readers.clear()
        if self._db is not None:
            self._db.close()
            self._db = None
        self.scratch.close()
