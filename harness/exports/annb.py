"""A stored run in ann-benchmarks' layout: its dataset files and one result file per row.

    harness export RUN_DIR OUT --format ann-benchmarks        (needs h5py)
    OUT/data/<dataset>.hdf5                                   train, test, neighbors, distances
    OUT/results/<dataset>/<count>/<algo>/<args>.hdf5          times, neighbors, distances

As ann-benchmarks writes them (`datasets.py: write_output`, `results.py: store_results`). An
ann-benchmarks dataset is a fixed set of vectors under one distance, so each (dataset, corpus
size, model, dim, distance) of the run is one (a corpus sample's name ends the dataset's
label with -n<size>): `train`/`test` are the corpus and query vectors after the
harness's transforms at float32 (read from the embedding cache the run used; nothing is
re-encoded when it is still there), `neighbors`/`distances` the exact `count` nearest
(ground truth). `algo` is the backend, with the precision when not float32
(`faiss-hnsw-int8`); the file name holds the build and search parameters, as
`build_result_filepath` does. A result file's `neighbors` are the row's stored ranking (corpus
positions, -1 = empty), its `distances` the true float32 distances of those neighbours (as
ann-benchmarks recomputes them), `times` each query's latency in seconds; attrs carry
`best_search_time` (1 / qps), `build_time`, `index_size` (kB), `count`, `distance`, `algo`,
`name` and `run_count`. Distances: cosine -> angular (1 - cos), l2 -> euclidean; inner product
and hamming have no ann-benchmarks counterpart and are skipped with a line.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np

from harness.backends.base import LEXICAL_KEY
from harness.embeddings.cache import EmbeddingCache, default_cache_dir
from harness.errors import UserError
from harness.exports.rows import Exported, ResultRow, result_rows, slug, stored_ranking
from harness.inputs.cell_inputs import CellInputs
from harness.metrics.knn import true_scores_of
from harness.plan.cell import Cell
from harness.plan.refs import is_lexical
from harness.store.perquery import PerQuery
from harness.store.runs import RunStore
from harness.suite.axes import dim_size

DISTANCES = {"cosine": "angular", "l2": "euclidean"}


def _distances(scores: np.ndarray, distance: str) -> np.ndarray:
    """true_scores_of's similarities as ann-benchmarks distances (-inf -> inf)."""
    with np.errstate(invalid="ignore"):
        d = 1.0 - scores if distance == "angular" else np.sqrt(np.maximum(-scores, 0.0))
    return np.where(np.isfinite(scores), d, np.inf).astype(np.float32)


class _Data:
    """One ann-benchmarks dataset: the float32 vectors of a (dataset, model, dim, distance)."""

    def __init__(self, cell: Cell, inputs: CellInputs) -> None:
        ds = inputs.dataset(cell)  # the run's nested sample when the cell has a corpus size
        prep = inputs.prepared(cell, inputs.vectors(cell, ds), precision="float32")
        self.train, self.test = prep.raw_docs, prep.raw_queries
        self.position = {d: i for i, d in enumerate(ds.doc_ids)}
        self.query_ids = ds.query_ids
        size = dim_size(cell.dim)
        dim = f"pca{size}" if isinstance(cell.dim, str) else f"d{size or self.train.shape[1]}"
        self.distance = DISTANCES[cell.metric]
        size_tag = "" if cell.corpus_size is None else f"-n{cell.corpus_size}"
        self.name = slug(f"{cell.dataset_ref.label}{size_tag}-{cell.model_ref.label}-{dim}-"
                         f"{self.distance}")

    def neighbours(self, ids: np.ndarray, metric: str) -> np.ndarray:
        return _distances(true_scores_of(ids, self.test, self.train, metric), self.distance)

    def write(self, h5py: Any, folder: Path, count: int) -> Path:
        """data/<name>.hdf5 with the exact `count` nearest neighbours as ground truth."""
        import faiss

        kind = faiss.METRIC_L2 if self.distance == "euclidean" else faiss.METRIC_INNER_PRODUCT
        k = min(count, len(self.train))
        _, ids = faiss.knn(self.test, self.train, k, metric=kind)
        path = folder / "data" / f"{self.name}.hdf5"
        path.parent.mkdir(parents=True, exist_ok=True)
        with h5py.File(path, "w") as f:
            f.attrs.update({"distance": self.distance, "point_type": "float",
                            "dimension": self.train.shape[1], "type": "dense"})
            f.create_dataset("train", data=self.train)
            f.create_dataset("test", data=self.test)
            f.create_dataset("neighbors", data=ids.astype(np.int32))
            f.create_dataset("distances", data=self.neighbours(ids, self._metric()))
        return path

    def _metric(self) -> str:
        return "l2" if self.distance == "euclidean" else "ip"


def _result(r: ResultRow, data: _Data, stored: tuple[PerQuery, np.ndarray, np.ndarray]
            ) -> tuple[dict[str, Any], np.ndarray, np.ndarray, np.ndarray]:
    """(attrs, times, neighbors, distances) of one row."""
    pq, top, _ = stored
    if [str(q) for q in pq.all_query_ids] != [str(q) for q in data.query_ids]:
        raise ValueError("its stored queries are not the dataset's (the data changed)")
    k = int(r.cell.k)
    ids = np.array([[data.position.get(str(d), -1) if str(d) else -1 for d in row[:k]]
                    for row in top], dtype=np.int64).reshape(len(top), -1)
    ids = np.pad(ids, ((0, 0), (0, k - ids.shape[1])), constant_values=-1)
    qps = float(r.row.get("qps") or 0) or float("nan")
    lat = pq.values(r.setting, "latency_ms")
    times = lat[1] / 1000.0 if lat is not None else np.full(len(ids), 1.0 / qps)
    algo = r.cell.backend + ("" if r.cell.precision == "float32" else f"-{r.cell.precision}")
    params = ",".join(f"{k}={v}" for k, v in sorted({**r.build_params, **r.search_params}
                                                    .items()))
    attrs = {"batch_mode": False, "best_search_time": 1.0 / qps,
             "candidates": float(np.mean((ids >= 0).sum(axis=1))), "expect_extra": False,
             "name": f"{algo}({params})", "run_count": int(r.cell.repeats),
             "distance": data.distance, "count": k, "build_time": float(r.row.get("build_s")
                                                                        or 0.0),
             "index_size": float(r.row.get("index_bytes") or 0) / 1024.0, "algo": algo,
             "dataset": data.name}
    return attrs, times.astype(np.float32), ids, data.neighbours(ids, data._metric())


def result_path(out: Path, data: _Data, r: ResultRow, algo: str) -> Path:
    """results/<dataset>/<count>/<algo>/<args>.hdf5, args named as ann-benchmarks names them."""
    args = re.sub(r"\W+", "_", json.dumps([r.build_params, r.search_params], sort_keys=True))
    return out / "results" / data.name / str(r.cell.k) / algo / f"{args.strip('_')}.hdf5"


def _unexportable(r: ResultRow, has_ranking: bool) -> str | None:
    """Why a row has no ann-benchmarks counterpart, or None."""
    if is_lexical(r.cell.model_ref) or LEXICAL_KEY in r.search_params:
        return "a lexical or hybrid search (ann-benchmarks compares vector searches)"
    if r.cell.metric not in DISTANCES or r.cell.precision == "binary":
        return "ann-benchmarks has no inner-product or hamming distance"
    return None if has_ranking else "no stored ranking with scores (an older run)"


def export_annb(store: RunStore, out: Path) -> Exported:
    """Write OUT/data/*.hdf5 and OUT/results/**.hdf5 for every ok row with a distance."""
    try:
        import h5py
    except ImportError:
        raise UserError("--format ann-benchmarks writes HDF5 files and needs h5py",
                        suggestion="pip install h5py") from None
    result = Exported(Path(out))
    inputs = CellInputs(EmbeddingCache(Path(store.manifest().get("cache_dir")
                                            or default_cache_dir())))
    datas: dict[str, _Data] = {}
    rankings: dict[str, PerQuery | None] = {}
    for r in result_rows(store):
        stored = stored_ranking(store, r, rankings)
        why = _unexportable(r, stored is not None)
        if why or stored is None:
            result.skipped.append(f"{r.tag}: {why}")
            continue
        key = json.dumps([r.cell.dataset, r.cell.model, r.cell.dim, r.cell.metric, r.cell.seed,
                          r.cell.corpus_size], sort_keys=True, default=str)
        if key not in datas:
            datas[key] = _Data(r.cell, inputs)
            result.datasets.append(datas[key].write(h5py, result.out, r.cell.k))
        try:
            attrs, times, ids, dists = _result(r, datas[key], stored)
        except ValueError as exc:
            result.skipped.append(f"{r.tag}: {exc}")
            continue
        path = result_path(result.out, datas[key], r, attrs["algo"])
        path.parent.mkdir(parents=True, exist_ok=True)
        with h5py.File(path, "w") as f:
            f.attrs.update(attrs)
            f.create_dataset("times", data=times)
            f.create_dataset("neighbors", data=ids.astype(np.int32))
            f.create_dataset("distances", data=dists)
        result.files.append(path)
    return result
