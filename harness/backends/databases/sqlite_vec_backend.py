"""sqlite-vec: a vec0 virtual table in an SQLite file, queried in SQL one query per call.

vec0 scans every vector (no ANN index), so it is exact: float32 vectors with its cosine or L2
distance, or bit vectors (the harness's sign bits) with Hamming distance. The database file
lives in the backend's scratch folder. Python's own sqlite3 is often built without extension
loading, so the connection is apsw's (which always allows it).
"""

from __future__ import annotations

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
        "threads", "apsw releases the GIL while SQLite steps a statement", batch=False)
    capabilities: ClassVar[Capabilities] = Capabilities(
        metrics=frozenset({"cosine", "l2"}),
        precisions=frozenset({"float32", "float16", "int8", "float8", "binary"}),
        family="exact",
    )

    def __init__(self, metric: str, build: Mapping[str, Any], threads: int = 1) -> None:
        self.start(metric, build, DISTANCES, "cosine, l2 or hamming")
        self._db: Any = None

    def build(self, data: IndexInput) -> None:
        import apsw
        import sqlite_vec

        db = apsw.Connection(self.scratch.file("vectors.db"))
        db.enable_load_extension(True)
        db.load_extension(sqlite_vec.loadable_path())
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
            found = self._db.execute(self._query, (v.tobytes(), k)).fetchall()
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
        if self._db is not None:
            self._db.close()
            self._db = None
        self.scratch.close()
