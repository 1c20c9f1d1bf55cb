"""Close mean, worse worst decile: pairs found from per-query values computed by hand."""

import numpy as np

from harness.analysis.hidden_tails import hidden_tails


def test_a_close_mean_with_a_far_worse_worst_decile_is_found():
    # 10 queries each: the worst decile is the one lowest query
    steady = np.full(10, 0.5)                       # mean 0.5, worst 0.5
    spiky = np.array([0.0] + [0.555] * 9)           # mean 0.4995, worst 0.0
    far = np.full(10, 0.9)                          # mean 0.9: no look-alike
    got = hidden_tails(["steady", "spiky", "far"], [steady, spiky, far], "ndcg@10")
    assert got["config"].tolist() == ["spiky"] and got["twin_config"].tolist() == ["steady"]
    row = got.iloc[0]
    assert np.isclose(row["mean"], 0.4995) and row["worst10"] == 0.0
    assert np.isclose(row["mean_gap"], 0.0005) and np.isclose(row["worst10_gap"], 0.5)
    assert row["metric"] == "ndcg@10"


def test_small_or_mean_sized_tail_gaps_are_not_reported():
    a = np.full(10, 0.5)
    b = np.array([0.49] + [0.501] * 9)  # worst decile 0.01 lower: under the 0.02 bar
    assert hidden_tails(["a", "b"], [a, b], "m").empty
    # worst decile 0.03 lower but the means differ by 0.009: 0.03 < 5 x 0.009
    c = np.array([0.47] + [0.49333333] * 9)
    assert hidden_tails(["a", "c"], [a, c], "m").empty
