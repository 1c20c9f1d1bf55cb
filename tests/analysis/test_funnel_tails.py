"""Loss concentration (metrics.tails.loss_share) and the funnel's tail columns, by hand."""

import math

import numpy as np

from harness.analysis.funnel_tails import funnel_tails
from harness.metrics.tails import loss_share


def test_loss_share_by_hand():
    ref = np.ones(20)
    vals = np.ones(20)
    vals[:2] = 0.0  # two queries lose 1.0 each
    vals[2:6] = 0.9  # four lose 0.1 each: total loss 2.4
    # worst 10% of 20 = 2 queries carry 2.0 of 2.4
    assert math.isclose(loss_share(ref, vals), 2.0 / 2.4)
    # 11 queries: ceil(1.1) = 2 worst; losses 0.5, 0.25, 0.1; a gain (1.5) does not offset
    r11, v11 = np.ones(11), np.ones(11)
    v11[0], v11[1], v11[2], v11[3] = 0.5, 0.75, 0.9, 1.5
    assert math.isclose(loss_share(r11, v11), 0.75 / 0.85)
    assert math.isnan(loss_share(ref, ref))  # no loss
    assert math.isnan(loss_share(ref, vals[:10]))  # misaligned


def test_funnel_tails_names_the_most_concentrated_stage():
    n = 10
    s1 = np.ones(n)
    s2 = s1 - 0.05  # dimension: 0.05 on every query (share of worst 1 = 0.1)
    s3 = s2.copy()  # precision: nothing
    s4 = s3.copy()  # metric: nothing
    s5 = s4.copy()
    s5[0] -= 0.5  # index: one query loses everything the stage loses (share 1.0)
    got = funnel_tails([s1, s2, s3, s4, s5])
    assert math.isclose(got["dimension_loss_worst10"], 0.1)
    assert math.isnan(got["precision_loss_worst10"])
    assert math.isclose(got["index_loss_worst10"], 1.0)
    # whole loss S1 - S5 = 0.5 + 0.5; worst query loses 0.55
    assert math.isclose(got["loss_share_worst10"], 0.55 / 1.0)
    # the result column: against exact float32 at the row's dim (S2 - S5): only the index's
    # 0.5 on query 0, all of it on the worst query
    assert math.isclose(got["task_loss_share_worst10"], 1.0)
    assert got["tail_stage"] == "index_loss"
    assert funnel_tails([s1, s2, None, s4, s5])["tail_stage"] == ""


def test_the_result_column_spreads_like_the_loss_at_the_rows_dim():
    # 20 queries at dim: reference 0.8; the row loses 0.4 on queries 0-1, 0.1 on 2-9
    s2 = np.full(20, 0.8)
    s5 = s2.copy()
    s5[:2] -= 0.4
    s5[2:10] -= 0.1
    s5[10] += 0.2  # a gain does not offset the others
    got = funnel_tails([s2 + 0.1, s2, s2, s2, s5])
    # worst 10% = 2 queries carry 0.8 of the 1.6 total
    assert math.isclose(got["task_loss_share_worst10"], 0.8 / 1.6)
