"""Filtered curves and advice on a hand-made frame: highest setting per strategy; the fastest
row at >= 0.95 filtered kNN recall per filter."""

from __future__ import annotations

import numpy as np
import pandas as pd

from harness.analysis.filter_curves import (
    advice,
    curve,
    filter_advice,
    filtered,
    strategy_ranges,
)


def _rows():
    r = [  # backend, strategy, filter, selectivity, recall, qps, ndcg
        ("exact", "pre", "selectivity=0.01", 0.01, 1.0, 900.0, 0.7),
        ("hnswlib", "in", "selectivity=0.01", 0.01, 0.90, 5000.0, 0.6),
        ("hnswlib", "in", "selectivity=0.01", 0.01, 0.96, 800.0, 0.69),
        ("hnswlib", "post", "selectivity=0.01", 0.01, 0.10, 9000.0, 0.1),
        ("exact", "pre", "selectivity=0.5", 0.5, 1.0, 300.0, 0.8),
        ("hnswlib", "in", "selectivity=0.5", 0.5, 0.97, 4000.0, 0.79),
        ("hnswlib", "post", "selectivity=0.5", 0.5, 0.99, 6000.0, 0.8),
    ]
    df = pd.DataFrame(r, columns=["backend", "filter_strategy", "filter", "selectivity",
                                  "knn_recall@10", "qps", "ndcg@10"])
    unfiltered = pd.DataFrame([{"backend": "exact", "filter": np.nan, "filter_strategy": np.nan,
                                "knn_recall@10": 1.0, "qps": 100.0, "ndcg@10": 0.9}])
    return pd.concat([df, unfiltered], ignore_index=True).assign(dataset="d")


def test_curve_keeps_each_strategys_highest_setting_and_advice_the_fastest_good_row():
    rows = filtered(_rows())
    assert len(rows) == 7  # the unfiltered row is not a filtered one
    cur = curve(rows, "ndcg@10")
    in_1pct = cur[(cur["filter"] == "selectivity=0.01") & (cur["filter_strategy"] == "in")]
    assert in_1pct["knn_recall@10"].tolist() == [0.96] and in_1pct["qps"].tolist() == [800.0]
    adv = advice(rows, "ndcg@10")
    # 1%: hnswlib-in's 0.96 row is slower than pre (900 qps); post misses; 50%: post wins
    assert adv[["filter", "backend", "filter_strategy", "qps"]].values.tolist() == [
        ["selectivity=0.01", "exact", "pre", 900.0],
        ["selectivity=0.5", "hnswlib", "post", 6000.0]]


def _sweep():
    r = [  # backend, strategy, filter, selectivity, recall, qps
        ("exact", "pre", "selectivity=0.001", 0.001, 1.0, 5000.0),
        ("hnswlib", "in", "selectivity=0.001", 0.001, 0.80, 9000.0),  # under the floor
        ("exact", "pre", "selectivity=0.01", 0.01, 1.0, 2000.0),
        ("hnswlib", "in", "selectivity=0.01", 0.01, 0.96, 1500.0),  # good, but slower
        ("exact", "pre", "selectivity=0.1", 0.1, 1.0, 300.0),
        ("hnswlib", "in", "selectivity=0.1", 0.1, 0.97, 1200.0),
        ("hnswlib", "post", "selectivity=0.1", 0.1, 0.60, 3000.0),
        ("exact", "pre", "selectivity=0.5", 0.5, 1.0, 60.0),
        ("hnswlib", "in", "selectivity=0.5", 0.5, 0.99, 2500.0),
        ("hnswlib", "partition", "same-label", 0.02, 0.99, 7000.0),
        ("exact", "pre", "same-label", 0.02, 1.0, 900.0),
    ]
    df = pd.DataFrame(r, columns=["backend", "filter_strategy", "filter", "selectivity",
                                  "knn_recall@10", "qps"])
    return df.assign(dataset="d", model="m", **{"ndcg@10": 0.5})


def test_strategy_ranges_and_the_advice_sentence_with_its_rule():
    adv = advice(_sweep(), "ndcg@10")
    ranges = strategy_ranges(adv)
    # hand-checked: pre wins at 0.1% (in misses the floor) and 1% (in is slower), in from 10%
    assert ranges[["backend", "filter_strategy", "from_selectivity", "to_selectivity"]
                  ].values.tolist() == [["exact", "pre", 0.001, 0.01],
                                        ["hnswlib", "in", 0.1, 0.5]]
    assert ranges["switch_above"].tolist()[0] == 0.1
    assert ranges["switch_below"].tolist()[1] == 0.01
    (row,) = filter_advice(_sweep(), "ndcg@10").to_dict("records")
    assert row["filter_strategy_advice"] == ("exact pre from 0.1% to 1%; hnswlib in from 10% "
                                             "to 50%; same-label: hnswlib partition")
    assert "filtered knn_recall@10 against pre is >= 0.95" in row["filter_advice_rule"]
