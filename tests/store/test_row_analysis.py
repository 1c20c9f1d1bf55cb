"""The analysis-derived result columns (row_analysis.csv) joined to the rows by cell and
setting, and written there by the analysis step from the funnel."""

import pandas as pd

from harness.analysis.step import row_analysis
from harness.store.row_analysis import ROW_ANALYSIS, join_row_analysis


def _frame():
    return pd.DataFrame({"cell_id": ["a", "a", "b"], "setting": [0, 1, 0],
                         "search_params": ['{"ef": 10}', '{"ef": 40}', "{}"],
                         "ndcg@10": [0.5, 0.6, 0.7]})


def test_the_step_keys_the_funnels_column_by_cell_and_setting():
    fun = pd.DataFrame({"cell_id": ["a", "b", "a"], "search_params": ['{"ef": 40}', "{}",
                                                                      '{"ef": 10}'],
                        "task_loss_share_worst10": [0.25, float("nan"), 0.75]})
    got = row_analysis(fun, _frame()).sort_values(["cell_id", "setting"])
    assert got.columns.tolist() == ["cell_id", "setting", "task_loss_share_worst10"]
    assert got[["cell_id", "setting"]].values.tolist() == [["a", 0], ["a", 1], ["b", 0]]
    assert got["task_loss_share_worst10"].tolist()[:2] == [0.75, 0.25]


def test_the_store_joins_the_table_and_leaves_missing_rows_empty(tmp_path):
    assert join_row_analysis(_frame(), tmp_path).equals(_frame())  # never analysed
    pd.DataFrame({"cell_id": ["a", "b"], "setting": [1, 0],
                  "task_loss_share_worst10": [0.25, 0.5]}).to_csv(tmp_path / ROW_ANALYSIS,
                                                                  index=False)
    got = join_row_analysis(_frame(), tmp_path)
    assert got["ndcg@10"].tolist() == [0.5, 0.6, 0.7]
    share = got["task_loss_share_worst10"].tolist()
    assert pd.isna(share[0]) and share[1:] == [0.25, 0.5]
