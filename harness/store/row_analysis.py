"""Result columns the analysis step derives (RUN_DIR/row_analysis.csv), joined to the rows.

A cell record holds what its own cell measured. Some columns of a result row need other cells
first: `task_loss_share_worst10` compares the row's per-query values with exact float32
search of the same dataset, model and dim, a reference point known only once the run's
analysis has found or computed it; `qps_normalised` divides by the drift probe's median over
the whole run. Writing it into the cell records would make a record
depend on other cells (stale when one of them is rerun), so the analysis step writes these
columns into one table keyed by (cell_id, setting), and the store joins it to the rows it
reads (results.csv, results.parquet, the report). A run never analysed has the columns empty.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

ROW_ANALYSIS = "row_analysis.csv"
KEYS = ["cell_id", "setting"]
#: the derived columns, each declared in harness.store.row
DERIVED = ("task_loss_share_worst10", "qps_normalised")


def join_row_analysis(frame: pd.DataFrame, run_dir: Path) -> pd.DataFrame:
    """The rows with the derived columns of RUN_DIR/row_analysis.csv (NaN where it has none;
    the frame unchanged when the file is absent or the rows lack the keys)."""
    path = Path(run_dir) / ROW_ANALYSIS
    if frame.empty or not set(frame) >= set(KEYS) or not path.is_file():
        return frame
    try:
        table = pd.read_csv(path)
    except (OSError, ValueError, pd.errors.EmptyDataError):
        return frame
    cols = [c for c in DERIVED if c in table]
    if not cols or not set(table) >= set(KEYS):
        return frame
    table = table.drop_duplicates(KEYS).set_index(KEYS)[cols]
    index = pd.MultiIndex.from_arrays([frame["cell_id"].astype(str),
                                       pd.to_numeric(frame["setting"], errors="coerce")])
    table.index = pd.MultiIndex.from_arrays([table.index.get_level_values(0).astype(str),
                                             table.index.get_level_values(1).astype(float)])
    got = table.reindex(index)
    return frame.assign(**{c: got[c].to_numpy() for c in cols})
