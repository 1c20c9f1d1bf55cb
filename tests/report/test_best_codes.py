"""The at-a-glance table of the best code per byte budget, on rows written here."""

import pandas as pd

from harness.report.sections.codes import _budget, best_codes


def test_best_code_per_bytes_per_dimension_on_exact_rows():
    rows = pd.DataFrame([
        # model, precision, backend, code bytes, dim, ndcg
        ("m", "float32", "exact", 200, 50, 0.24),
        ("m", "int8", "exact", 50, 50, 0.245),
        ("m", "int8-percentile", "exact", 50, 50, 0.26),
        ("m", "int8", "faiss-sq", 50, 50, 0.30),  # not exact: left out
        ("m", "binary", "exact", 7, 50, 0.08),  # ceil(50/8) = 7 bytes is 1 bit / dim
        ("m", "binary-median", "exact", 7, 50, 0.14),
        ("m", "binary-2bit", "exact", 13, 50, 0.18),
    ], columns=["model", "precision", "backend", "code_bytes_per_vector", "dim", "ndcg@10"])
    t = best_codes(rows, "ndcg@10")
    assert t["bytes_per_dim"].tolist() == [4.0, 1.0, 0.25, 0.125]
    assert t["precision"].tolist() == ["float32", "int8-percentile", "binary-2bit",
                                       "binary-median"]
    assert t["codes"].tolist() == [1, 2, 1, 2]
    assert [_budget(x) for x in t["bytes_per_dim"]] == ["4", "1", "1/4", "1/8"]
