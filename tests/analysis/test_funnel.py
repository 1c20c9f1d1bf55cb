"""The funnel: stages telescope to the end-to-end loss; metric misuse is flagged."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pytest

from harness import api
from harness.encoders.base import EncoderSpec
from harness.encoders.hashing import HashEncoder, HashOptions
from harness.encoders.model_kinds import ModelPlugin
from harness.registry import MODEL_KINDS, Entry

SUITE = """\
schema_version: 1
name: fun
datasets: [{{ref: bbc-news, max_queries: 120, max_docs: 400}}]
models: [{model}]
dims: [null, 16]
metrics: [cosine, ip, l2]
k: 10
repeats: 1
evaluate: [ndcg@10, p@5]
"""


class NormSpreadEncoder:
    """Hash vectors whose document norms vary 0.2x..20x with the text: inner product then
    ranks long vectors first, while cosine ignores norms (a built-in metric misuse)."""

    def __init__(self) -> None:
        self.inner = HashEncoder(HashOptions(dim=64))

    @property
    def spec(self) -> EncoderSpec:
        s = self.inner.spec
        return EncoderSpec(name="norm-spread", fingerprint=s.fingerprint + "-spread", dim=s.dim)

    def encode(self, texts, *, role, batch_size=64):
        v = self.inner.encode(texts, role=role, batch_size=batch_size)
        if role == "document":
            h = np.array([int(hashlib.md5(t.encode()).hexdigest()[:8], 16) for t in texts])
            v = v * (0.2 * 100 ** (h / 0xFFFFFFFF))[:, None].astype(np.float32)
        return v


class SpreadKind(ModelPlugin):
    @staticmethod
    def check(arg):
        return None

    @staticmethod
    def dim(arg, ref):
        return 64

    @staticmethod
    def build(arg, ref):
        return NormSpreadEncoder()


@pytest.fixture
def spread_model(monkeypatch):
    import sys

    monkeypatch.setitem(MODEL_KINDS._entries, "spread",
                        Entry("spread", f"{__name__}:SpreadKind", "test encoder"))
    monkeypatch.setitem(sys.modules, __name__, sys.modules[__name__])
    return "spread:x"


def run_and_funnel(write_suite, tmp_path, model):
    path = write_suite(SUITE.format(model=model))
    # inline: the `spread` test encoder is registered in this process only
    out = api.run(path, api.RunOptions(output=tmp_path / "r", cache_dir=tmp_path / "c",
                                       progress=False, executor="inline"))
    assert out.n_failed == 0
    return out, api.funnel(out.run_dir)


def test_stages_sum_to_total_and_reference_points(write_suite, tmp_path):
    out, f = run_and_funnel(write_suite, tmp_path, "hash:64")
    assert len(f) == 6
    stages = f[["embedding_loss", "dimension_loss", "precision_loss", "metric_loss",
                "index_loss"]].sum(axis=1)
    np.testing.assert_allclose(stages, f["total_loss"], atol=1e-12)
    np.testing.assert_allclose(f["ideal"] - f["observed"], f["total_loss"], atol=1e-12)
    frame = out.frame.set_index(["dim", "metric"])
    # reference point S1 is the native-dim cosine float32 exact cell of the run itself
    assert f["exact_native"].iloc[0] == pytest.approx(frame.loc[(64, "cosine"), "ndcg@10"])
    # every cell is exact float32: no precision or index loss
    assert (f["precision_loss"].abs() < 1e-12).all() and (f["index_loss"].abs() < 1e-12).all()
    # dimension loss of the 16-d cells is the drop of the run's own 16-d cosine cell
    d16 = f[f["dim"] == 16].iloc[0]
    assert d16["dimension_loss"] == pytest.approx(
        frame.loc[(64, "cosine"), "ndcg@10"] - frame.loc[(16, "cosine"), "ndcg@10"])


def test_metric_misuse_is_flagged(write_suite, tmp_path, spread_model):
    _, f = run_and_funnel(write_suite, tmp_path, spread_model)
    native = f[(f["dim"] == 64)].set_index("metric")
    # inner product on vectors with spread norms loses against cosine, beyond the CI
    assert native.loc["ip", "metric_misuse"]
    assert native.loc["ip", "best_metric"] == "cosine"
    assert native.loc["ip", "metric_loss_vs_best"] > 0.05
    assert not native.loc["cosine", "metric_misuse"]


HYBRID = """\
schema_version: 1
name: hybrid-refs
datasets: [beir:{beir}]
models: ['hash:64', bm25]
k: 5
repeats: 1
warmup: 0
evaluate: [ndcg@5]
backends:
  - {{name: exact, search: {{hybrid: [none, bm25], fusion: [rrf, convex]}}}}
"""


def test_a_fused_exact_setting_is_not_taken_for_the_dense_reference_point(
        write_suite, tiny_beir, tmp_path):
    # The exact cell's settings: dense alone ({}), fused by RRF and by convex fusion. Only the
    # first is exact dense search: the funnel's exact float32 native point of the dense row is
    # that row itself, so its index loss is 0 (the fused settings' values used to stand in).
    pytest.importorskip("bm25s")
    opts = api.RunOptions(output=tmp_path / "results", cache_dir=tmp_path / "cache",
                          progress=False, executor="inline", report=False)
    out = api.run(write_suite(HYBRID.format(beir=tiny_beir)), opts)
    rows = out.frame[(out.frame["model"] == "hash:64")]
    assert len(rows) == 3
    dense = rows[rows["search_params"] == "{}"].iloc[0]
    fused = rows[rows["search_params"] != "{}"]
    assert (fused["ndcg@5"] != dense["ndcg@5"]).any()  # the fused values differ
    fun = pd.read_csv(out.run_dir / "funnel.csv")
    row = fun[(fun["model"] == "hash:64")].iloc[0]
    assert len(fun[fun["model"] == "hash:64"]) == 1  # fused rows: hybrid.csv, not the funnel
    assert row["exact_native"] == pytest.approx(dense["ndcg@5"], abs=1e-12)
    assert row["index_loss"] == pytest.approx(0.0, abs=1e-12)
