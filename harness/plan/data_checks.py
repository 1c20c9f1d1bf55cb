"""Plan-time checks that depend on the data: backend parameters against the corpus size and
the vectors' dim (the backend's own `data_rule`, the code its build runs too), and dims above a
vector dataset's native dim. Shapes come from headers and counts (datasets/shapes.py): nothing
is loaded or encoded, and a dataset whose shape only loading would tell is left to run time."""

from __future__ import annotations

from collections.abc import Iterable

from harness.backends.base import backend_class
from harness.datasets.shapes import DataShape
from harness.encoders.precomputed import missing_ids
from harness.errors import UserError
from harness.plan.cell import Cell, grid
from harness.plan.refs import dataset_plugin, model_plugin
from harness.suite.axes import dim_size
from harness.suite.schema import LoadedSuite


class _Shapes:
    """Each dataset's shape and each model's native dim, read at most once."""

    def __init__(self) -> None:
        self.data: dict[str, DataShape | None] = {}
        self.dims: dict[str, int | None] = {}

    def shape(self, cell: Cell) -> DataShape | None:
        ref = cell.dataset_ref
        if ref.ref not in self.data:
            plugin, arg, _ = dataset_plugin(ref.ref)
            self.data[ref.ref] = plugin.shape(arg)
        return self.data[ref.ref]

    def native_dim(self, cell: Cell, shape: DataShape) -> tuple[int | None, bool]:
        """(the vectors' native dim, whether they are the dataset's own)."""
        ref = cell.model_ref
        plugin, arg, _ = model_plugin(ref.ref)
        if plugin.own_vectors:
            return shape.dim, True
        if ref.label not in self.dims:
            self.dims[ref.label] = plugin.dim(arg, ref)
        return self.dims[ref.label], False


def data_problems(loaded: LoadedSuite, cells: Iterable[Cell]) -> list[UserError]:
    """One error per distinct problem, located at the backend's (or dim's) suite line."""
    shapes, found = _Shapes(), {}
    dims = loaded.suite.dims
    for cell in cells:
        shape = shapes.shape(cell)
        if shape is None:
            continue
        native, own = shapes.native_dim(cell, shape)
        asked = dim_size(cell.dim)
        if own and asked and native and asked > native:  # text models: checks._check_dims
            j = dims.index(cell.dim) if cell.dim in dims else 0
            found.setdefault(("dims", j), UserError(
                f"dim {cell.dim} is larger than dataset '{cell.dataset_ref.label}''s vectors "
                f"({native} dims)", key=f"dims[{j}]",
                suggestion=f"use dims <= {native}, or an exclude rule {{dataset: "
                f"{cell.dataset_ref.label}, dim: {cell.dim}}}"))
            continue
        n_docs = _documents(cell, shape)
        problem = _backend_problem(cell, n_docs, asked or native)
        if problem:
            i = _backend_index(loaded, cell)
            size = "" if n_docs == shape.n_docs else f" at corpus size {n_docs}"
            found.setdefault(("backends", i, problem), UserError(
                problem, key=f"backends[{i}].build",
                suggestion=f"dataset '{cell.dataset_ref.label}': {n_docs} documents{size}, "
                f"{asked or native} dims"))
    found.update(_id_problems(loaded, shapes))
    return [exc.located(loaded.file, loaded.line(*key[:2])) for key, exc in found.items()]


def _id_problems(loaded: LoadedSuite, shapes: _Shapes) -> dict[tuple, UserError]:
    """Precomputed vectors must hold every id of each whole dataset they are used with (the
    run-time lookup's own message); sampled datasets need only their sample, left to run."""
    out: dict[tuple, UserError] = {}
    for i, m in enumerate(loaded.suite.models):
        plugin, arg, _ = model_plugin(m.ref)
        have = plugin.ids(arg)
        if have is None:
            continue
        for d in loaded.suite.datasets:
            shape = shapes.data.get(d.ref)
            if shape is None or shape.ids is None or d.max_docs or d.max_queries:
                continue
            for role, ids in shape.ids(d.split).items():
                missing = [x for x in ids if x not in have.get(role, set())]
                if missing:
                    stripped = {x.strip() for x in have.get(role, set())}
                    spaced = all(x in stripped for x in missing)
                    out[("models", i, role)] = UserError(
                        missing_ids(arg, role, missing, len(ids)), key=f"models[{i}]",
                        suggestion="the folder's ids carry spaces around them: strip them"
                        if spaced else f"dataset '{d.label}': write a vector for every id")
    return out


def _documents(cell: Cell, shape: DataShape) -> int:
    """The documents the cell indexes: a corpus-size sample holds exactly its size (a size
    below the judged documents fails the cell, naming the minimum). A `max_docs` sample keeps
    every relevant document too, so it may hold more: the whole corpus bounds it."""
    if cell.corpus_size is None:
        return shape.n_docs
    return min(cell.corpus_size, shape.n_docs)


def _backend_problem(cell: Cell, n_docs: int, d: int | None) -> str | None:
    caps = backend_class(cell.backend).capabilities
    if caps.data_rule is None or d is None:
        return None
    return caps.data_rule(caps.with_defaults("build", cell.build), n_docs, d)


def _backend_index(loaded: LoadedSuite, cell: Cell) -> int:
    for i, be in enumerate(loaded.suite.backends):
        if be.name == cell.backend and dict(cell.build) in grid(be.build):
            return i
    return next(i for i, be in enumerate(loaded.suite.backends) if be.name == cell.backend)
