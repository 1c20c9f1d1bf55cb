"""The recommended precision: the cheapest exact-search code within 99% of exact float32 at
the same model and dim (rule bytes@task>=99%exact), on hand-made rows."""

import pandas as pd

from harness.analysis.precision_advice import at_largest_dim, precision_advice


def _row(precision, dim, bytes_, task, backend="exact", model="m", metric="cosine",
         rescore=None):
    # exact search holds dequantized floats: bytes_per_doc is 4 x dim whatever the code
    return {"dataset": "d", "model": model, "dim": dim, "precision": precision,
            "metric": metric, "backend": backend, "search_params": "{}",
            "code_bytes_per_vector": bytes_, "bytes_per_doc": 4.0 * dim,
            "rescore_bytes_per_doc": rescore, "ndcg@10": task, "status": "ok"}


def _rows():
    return pd.DataFrame([
        _row("float32", 384, 1536.0, 0.800),
        _row("float32", 384, 1536.0, 0.805, metric="ip"),  # reference = 0.805 (best distance)
        _row("int8", 384, 384.0, 0.801),      # 0.801 >= 0.99 * 0.805 = 0.79695: admitted
        _row("int4", 384, 192.0, 0.797),      # 0.797 >= 0.79695: admitted, cheaper
        _row("binary", 384, 48.0, 0.700),     # below the bar
        _row("int2", 384, 96.0, 0.9, backend="faiss-hnsw"),  # not exact search: ignored
        _row("float32", 128, 512.0, 0.700),   # dim 128: its own reference 0.700
        _row("int8", 128, 128.0, 0.690),      # 0.690 < 0.693: not admitted
        _row("int8", 64, 64.0, 0.6),          # dim 64 has no float32 exact row: no advice
    ])


def test_cheapest_code_within_the_bar_per_dim():
    got = precision_advice(_rows(), "ndcg@10").set_index("dim")
    assert sorted(got.index) == [128, 384]
    a = got.loc[384]
    assert a["recommended_precision"] == "int4"
    assert a["precision_rule"] == "bytes@task>=99%exact"
    assert a["precision_bytes_per_doc"] == 192.0 and a["precision_task"] == 0.797
    assert a["precision_reference"] == 0.805
    assert abs(a["precision_bar"] - 0.79695) < 1e-12
    assert (a["codes_measured"], a["codes_within"]) == (4, 3)  # float32, int8, int4 admitted
    b = got.loc[128]
    assert b["recommended_precision"] == "float32" and b["codes_within"] == 1


def test_equal_bytes_are_broken_by_the_task_metric():
    rows = pd.concat([_rows(), pd.DataFrame([_row("float8", 384, 192.0, 0.799)])])
    got = precision_advice(rows, "ndcg@10").set_index("dim").loc[384]
    assert got["recommended_precision"] == "float8"  # 192 bytes like int4, 0.799 > 0.797


def test_the_recommendation_carries_the_largest_dims_advice():
    advice = precision_advice(_rows(), "ndcg@10")
    got = at_largest_dim(advice, "d", "m")
    assert got["precision_dim"] == 384 and got["recommended_precision"] == "int4"
    assert at_largest_dim(advice, "d", "other") == {}


def test_rescoring_vectors_count_in_the_codes_bytes():
    # binary with rescoring (48 + 1536 float32 bytes) reaches the bar but costs more than int4
    rows = pd.concat([_rows(), pd.DataFrame([_row("binary", 384, 48.0, 0.804, rescore=1536.0)])],
                     ignore_index=True)
    got = precision_advice(rows, "ndcg@10").set_index("dim").loc[384]
    assert got["recommended_precision"] == "int4" and got["codes_within"] == 4
    cheap = pd.concat([_rows(), pd.DataFrame([_row("binary", 384, 48.0, 0.804, rescore=96.0)])],
                      ignore_index=True)
    got = precision_advice(cheap, "ndcg@10").set_index("dim").loc[384]
    assert got["recommended_precision"] == "binary" and got["precision_bytes_per_doc"] == 144.0
