"""DuckDB with the vss extension: an HNSW index on a FLOAT[d] column, queried in SQL.

The extension comes from the `duckdb-ext-vss` wheel, which ships one file per DuckDB version;
DuckDB refuses a file built for another version, and forcing it (allow_extensions_metadata_mismatch)
crashed the process here, so the version is checked before loading and a mismatch is a clear
error. The database file lives in the scratch folder (vss's experimental persistence writes
the index into it at CHECKPOINT). Build = insert + CREATE INDEX ... USING HNSW; each query is
one prepared `SELECT ... ORDER BY array_*_distance(v, ?) LIMIT k`, which DuckDB plans as an
HNSW_INDEX_SCAN; `ef_search` is the session's hnsw_ef_search.

A DuckDB connection runs one query at a time: a second thread executing on it at once fails
("Attempting to execute an unsuccessful or closed pending query", found by bench/gil.py), so
each searching thread has its own cursor (a connection to the same database), with the
prepared ef_search set on it.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np

from harness.backends.base import (
    FLOAT_PRECISIONS,
    Capabilities,
    Concurrency,
    IndexInput,
    Param,
    as_float32,
)
from harness.backends.databases.scratch import FileBacked

#: harness metric -> (vss index metric, the SQL distance function its index serves)
DISTANCES = {"ip": ("cosine", "array_cosine_distance"), "l2": ("l2sq", "array_distance")}


def vss_extension_path(duckdb: Any) -> str:
    """The duckdb-ext-vss file for this DuckDB's version and platform, or a clear error."""
    import duckdb_ext

    platform = duckdb.execute("PRAGMA platform").fetchone()[0]
    root = os.path.join(next(iter(duckdb_ext.__path__)), "extensions")
    path = os.path.join(root, f"v{duckdb.__version__}", platform, "vss.duckdb_extension")
    if not os.path.exists(path):
        shipped = sorted(os.listdir(root)) if os.path.isdir(root) else []
        raise RuntimeError(
            f"duckdb-ext-vss has no vss extension for DuckDB {duckdb.__version__} ({platform}); "
            f"it ships {', '.join(shipped) or 'none'}: install the DuckDB version it was built "
            "for (pip install 'duckdb==1.4.4' duckdb-ext-vss)")
    return path


class DuckDBBackend(FileBacked):
    name: ClassVar[str] = "duckdb-vss"
    concurrency: ClassVar[Concurrency] = Concurrency(
        "threads", "DuckDB releases the GIL while a query executes", batch=False)
    capabilities: ClassVar[Capabilities] = Capabilities(
        metrics=frozenset({"cosine", "l2"}),
        precisions=FLOAT_PRECISIONS,
        family="graph",
        build_params={
            "M": Param(int, 16, "HNSW graph degree", minimum=2),
            "ef_construction": Param(int, 128, "HNSW candidate list while building", minimum=1),
        },
        search_params={
            "ef_search": Param(int, 64, "HNSW candidate list per query (hnsw_ef_search)",
                               minimum=1),
        },
    )

    def __init__(self, metric: str, build: Mapping[str, Any], threads: int = 1) -> None:
        self.start(metric, build, DISTANCES, "cosine or l2")
        self._con: Any = None
        self._local = threading.local()  # per searching thread: (cursor, its ef_search)
        self._cursors: list[Any] = []  # closed with the backend
        self._ef = int(self.capabilities.with_defaults("search", {})["ef_search"])

    def _cursor(self) -> Any:
        """This thread's cursor, opened on first use, with the prepared ef_search."""
        cur, ef = getattr(self._local, "cursor", (None, None))
        if cur is None:
            cur = self._con.cursor()
            self._cursors.append(cur)
        if ef != self._ef:  # first use, or prepare() changed it since this thread's last query
            cur.execute(f"SET hnsw_ef_search = {self._ef}")
            self._local.cursor = (cur, self._ef)
        return cur

    def build(self, data: IndexInput) -> None:
        import duckdb
        import pyarrow as pa

        x = as_float32(data.vectors)
        con = duckdb.connect(self.scratch.file("vectors.duckdb"))
        con.execute(f"LOAD '{vss_extension_path(duckdb)}'")
        con.execute("SET enable_progress_bar = false")  # its bar would fill the run log
        con.execute("SET hnsw_enable_experimental_persistence = true")
        d = x.shape[1]
        vectors = pa.FixedSizeListArray.from_arrays(pa.array(x.ravel()), d)
        rows = pa.table({"id": pa.array(np.arange(len(x), dtype=np.int64)), "v": vectors})
        con.execute(f"CREATE TABLE docs (id BIGINT, v FLOAT[{d}])")
        con.register("rows_in", rows)
        con.execute(f"INSERT INTO docs SELECT id, v::FLOAT[{d}] FROM rows_in")
        con.unregister("rows_in")
        index_metric, fn = DISTANCES[self.metric]
        p = self.build_params
        con.execute(f"CREATE INDEX docs_hnsw ON docs USING HNSW (v) WITH (metric = "
                    f"'{index_metric}', M = {int(p['M'])}, "
                    f"ef_construction = {int(p['ef_construction'])})")
        con.execute("CHECKPOINT")  # the table and the index into the file (disk_bytes)
        self._con, self._n = con, len(x)
        self._sql = (f"SELECT id, {fn}(v, ?::FLOAT[{d}]) AS dist FROM docs "
                     "ORDER BY dist LIMIT ?")

    def plan(self, k: int) -> str:
        """DuckDB's plan of the query (HNSW_INDEX_SCAN when the index serves it)."""
        q = [0.0] * int(self._con.execute("SELECT array_length(v) FROM docs LIMIT 1").fetchone()[0])
        return self._con.execute("EXPLAIN " + self._sql, [q, k]).fetchall()[0][1]

    def prepare(self, search: Mapping[str, Any]) -> None:
        s = self.capabilities.with_defaults("search", search)
        self._ef = int(s["ef_search"])

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        ids = np.full((len(queries), k), -1, dtype=np.int64)
        dist = np.full((len(queries), k), np.inf, dtype=np.float64)
        con = self._cursor()
        for i, q in enumerate(as_float32(queries)):
            found = con.execute(self._sql, [q.tolist(), k]).fetchall()
            if found:
                ids[i, :len(found)], dist[i, :len(found)] = zip(*found, strict=True)
        # cosine distance on unit vectors; array_distance is L2, exact search ranks by its square
        scores = 1.0 - dist if self.metric == "ip" else -dist * dist
        return ids, np.where(ids >= 0, scores, -np.inf).astype(np.float32)

    def close(self) -> None:
        for cur in self._cursors:
            cur.close()
        self._cursors.clear()
        if self._con is not None:
            self._con.close()
            self._con = None
        self.scratch.close()
