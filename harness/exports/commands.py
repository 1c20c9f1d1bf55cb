"""The `harness export` commands: a run folder in another format, or a dataset as a folder."""

from __future__ import annotations

from pathlib import Path

from harness.datasets.base import Dataset
from harness.datasets.export import export as write_dataset
from harness.errors import UserError
from harness.exports.annb import export_annb
from harness.exports.mteb_results import export_mteb
from harness.exports.rows import Exported
from harness.exports.trec import export_trec
from harness.plan.refs import load_dataset
from harness.store.runs import RunStore
from harness.suite.schema import DatasetRef


def is_run_dir(path: str | Path) -> bool:
    """Whether a path is a run folder (it has the manifest a run writes first)."""
    return (Path(path) / "manifest.json").is_file()


def export_run(run_dir: str | Path, out: Path, *, fmt: str = "trec") -> Exported:
    """`harness export RUN_DIR OUT --format trec|mteb|mteb-results|ann-benchmarks`: the run
    in another tool's format (mteb-results is another name of mteb)."""
    writers = {"trec": export_trec, "mteb": export_mteb, "mteb-results": export_mteb,
               "ann-benchmarks": export_annb}
    if fmt not in writers:
        raise UserError(f"unknown export format '{fmt}'",
                        suggestion="expected trec, mteb (or mteb-results) or ann-benchmarks")
    return writers[fmt](RunStore(Path(run_dir)), Path(out))


def export(dataset: str, out: Path, *, layout: str = "beir", split: str = "test") -> Dataset:
    """`harness export DATASET OUT`: a text dataset with judgments written as a BEIR folder."""
    ds = load_dataset(DatasetRef(ref=dataset))
    write_dataset(ds, Path(out), layout=layout, split=split)
    return ds
