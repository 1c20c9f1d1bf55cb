"""Reference points and query difficulties for the analysis, kept in the run folder.

A run analysed again (a resumed run, `harness funnel`, a rerun with every cell reused) would
otherwise search the same exact reference points and difficulty vectors again: on the
quickstart suite that was most of a reused run's wall. Each computed value is one .npz in
RUN_DIR/references/, named by a hash of what determines it (the reference cell's content,
the main metric, the data's and the model's fingerprints as the rows record them; a
difficulty by its vector space alone). A vector space's difficulty is measured by the first
cell of the run in that space, in its worker, which holds the prepared vectors already, and
written here by the driver. A file that cannot be read is named in the log, recomputed and
written again.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from harness.fsutil import atomic_write_bytes
from harness.metrics.query_difficulty import QueryDifficulty

log = logging.getLogger("harness")
FOLDER = "references"


def key_of(*parts: Any) -> str:
    """A file stem for what determines a value (any JSON-able parts)."""
    canon = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.sha256(canon.encode()).hexdigest()[:20]


class ReferenceCache:
    """RUN_DIR/references/: one .npz per computed reference point or difficulty."""

    def __init__(self, run_dir: Path) -> None:
        self.dir = Path(run_dir) / FOLDER

    def _read(self, name: str) -> dict[str, np.ndarray] | None:
        path = self.dir / f"{name}.npz"
        if not path.is_file():
            return None
        try:
            with np.load(path, allow_pickle=False) as z:
                return {k: z[k] for k in z.files}
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as e:
            log.warning("analysis: %s is damaged (%s); computing it again", path, e)
            return None

    def _write(self, name: str, arrays: dict[str, np.ndarray]) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        buf = io.BytesIO()
        np.savez(buf, **arrays)
        atomic_write_bytes(self.dir / f"{name}.npz", buf.getvalue())

    def point(self, key: str) -> tuple[float, np.ndarray, np.ndarray] | None:
        """(mean, per-query values, query ids) of a stored reference point, or None."""
        z = self._read(key)
        if z is None or not {"mean", "values", "query_ids"} <= set(z):
            return None
        return float(z["mean"]), z["values"], z["query_ids"].astype(str)

    def save_point(self, key: str, mean: float, values: np.ndarray, qids: np.ndarray) -> None:
        self._write(key, {"mean": np.asarray(mean, dtype=np.float64),
                          "values": np.asarray(values),
                          "query_ids": np.asarray(qids, dtype=str)})

    def difficulty(self, key: str) -> QueryDifficulty | None:
        z = self._read(f"{key}-difficulty")
        fields = {"query_ids", "rc", "lid", "expansion", "shift", "k", "doc_spacing"}
        if z is None or not fields <= set(z):
            return None
        return QueryDifficulty(z["query_ids"].astype(str), z["rc"], z["lid"], z["expansion"],
                               z["shift"], int(z["k"]), float(z["doc_spacing"]))

    def has_difficulty(self, key: str) -> bool:
        return (self.dir / f"{key}-difficulty.npz").is_file()

    def save_difficulty(self, key: str, d: QueryDifficulty) -> None:
        self._write(f"{key}-difficulty", {
            "query_ids": np.asarray(d.query_ids, dtype=str), "rc": d.rc, "lid": d.lid,
            "expansion": d.expansion, "shift": d.shift, "k": np.asarray(d.k),
            "doc_spacing": np.asarray(d.doc_spacing, dtype=np.float64)})
