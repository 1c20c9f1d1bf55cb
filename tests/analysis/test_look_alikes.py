import numpy as np
import pandas as pd

from harness.analysis.look_alikes import look_alikes


def test_look_alike_pairs_close_means_and_reports_the_tail_gap():
    rows = pd.DataFrame({"ndcg@10": [0.790, 0.791, 0.50, 0.795],
                         "task_worst10": [0.004, 0.062, 0.0, 0.024]})
    got = look_alikes(rows, "ndcg@10", close=0.01)
    # row 0's nearest-mean rows within 0.01 are 1 and 3; the best worst decile is row 1
    r0 = got.loc[0]
    assert r0["twin"] == 1
    assert np.isclose(r0["mean_gap"], 0.001) and np.isclose(r0["worst10_gap"], 0.058)
    assert got.loc[2, "twin"] == -1 and np.isnan(got.loc[2, "worst10_gap"])
    assert got.loc[1, "twin"] == 3 and np.isclose(got.loc[1, "worst10_gap"], 0.024 - 0.062)
    assert list(got.index[:2]) == [0, 3]  # largest gap first: 0.058, then 0.038
