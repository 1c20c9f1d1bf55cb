"""A harness configuration evaluated by mteb.evaluate scores what the harness scores."""

from __future__ import annotations

import pytest

from harness import api
from harness.errors import UserError
from harness.exports.mteb_model import Configuration, HarnessModel

WORDS = ["apple", "fruit", "orchard", "harvest", "sweet", "car", "engine", "wheels", "road",
         "driving", "ocean", "waves", "sea", "water", "fish", "music", "guitar", "song",
         "melody", "band", "space", "rocket", "planet", "orbit", "star"]
DOCS = {f"d{i}": (f"T{i % 4}", " ".join(WORDS[(i * 7 + j * 3) % len(WORDS)] for j in range(6)))
        for i in range(30)}
QUERIES = {f"q{i}": " ".join(WORDS[(i * 5 + j) % len(WORDS)] for j in range(3))
           for i in range(8)}
QRELS = [(f"q{i}", f"d{(i * 11 + j) % 30}", 1 + j % 2) for i in range(8) for j in range(3)]

SUITE = """\
schema_version: 1
name: mteb-model
datasets: [{{ref: "mteb:SciFact", path: "{hf}"}}]
models: [hash:32]
dims: [16, "pca:8"]
precisions: [int8, binary]
metrics: [cosine]
k: 40
evaluate: [ndcg@10]
"""


def test_mteb_ndcg_equals_the_harness_row(tmp_path, hf_writer, write_suite):
    pytest.importorskip("mteb")
    import mteb

    from harness.datasets.mteb_native import hf_offline, mteb_task, own_datasets_cache

    hf = hf_writer(tmp_path / "scifact", DOCS, QUERIES, QRELS)
    cache = tmp_path / "cache"
    opts = api.RunOptions(output=tmp_path / "r", cache_dir=cache, progress=False,
                          executor="inline", report=False, analysis=False)
    out = api.run(write_suite(SUITE.format(hf=hf)), opts)
    assert out.n_failed == 0 and len(out.frame) == 4
    entries = sorted(cache.rglob("*.npy"))
    checked = []
    with own_datasets_cache(), hf_offline():  # as harness/datasets/mteb_native.py loads
        for row in out.frame.to_dict("records"):
            dim = f"pca:{row['dim']}" if row["dim_method"] == "pca" else int(row["dim"])
            model = HarnessModel("hash:32", Configuration(dim=dim, precision=row["precision"],
                                                          cache_dir=cache))
            task = mteb_task("SciFact", "test", hf)  # mteb.evaluate lets a task's data go
            res = mteb.evaluate(model, task, cache=None, show_progress_bar=False)
            got = res.task_results[0].scores["test"][0]["ndcg_at_10"]
            assert got == pytest.approx(row["ndcg@10"], abs=1e-5), (dim, row["precision"])
            checked.append(got)
    assert len(checked) == 4 and len(set(checked)) > 1 and all(0 < v < 1 for v in checked)
    assert sorted(cache.rglob("*.npy")) == entries  # the run's cached vectors, nothing new
    meta = model.mteb_model_meta
    assert meta.name == "hash:32" and meta.embed_dim == 8
    # the revision is the folder name `harness export --format mteb` gives the same row
    folders = {p.parent.name for p in api.export_run(out.run_dir, tmp_path / "m", fmt="mteb").files}
    assert meta.revision == "d8-pca-binary-cosine-exact" and meta.revision in folders


def test_a_bad_configuration_is_one_line():
    with pytest.raises(UserError) as exc:
        HarnessModel("hash:8", Configuration(precision="int3"))
    assert "\n" not in str(exc.value) and "unknown precision 'int3'" in str(exc.value)
    with pytest.raises(UserError, match="expected a dim like 128 or 'pca:128'"):
        HarnessModel("hash:8", Configuration(dim="pca8"))
    with pytest.raises(UserError, match="metric: expected cosine, ip or l2"):
        HarnessModel("hash:8", Configuration(metric="dot"))


def test_a_query_judged_only_zero_counts_in_mteb_mean_only(tmp_path, hf_writer, write_suite):
    """MTEB averages over every judged query (all-zero ones score 0); the harness evaluates
    queries with a positive judgment: with 8 of 9 positive, MTEB's mean is 8/9 of ours."""
    pytest.importorskip("mteb")
    import mteb

    from harness.datasets.mteb_native import hf_offline, mteb_task, own_datasets_cache

    hf = hf_writer(tmp_path / "scifact", DOCS, {**QUERIES, "qz": "apple car"},
                   [*QRELS, ("qz", "d1", 0)])
    opts = api.RunOptions(output=tmp_path / "r", cache_dir=tmp_path / "c", progress=False,
                          executor="inline", report=False, analysis=False)
    suite = SUITE.format(hf=hf).replace('dims: [16, "pca:8"]\nprecisions: [int8, binary]\n', "")
    out = api.run(write_suite(suite), opts)
    [ours] = out.frame["ndcg@10"].tolist()
    with own_datasets_cache(), hf_offline():
        res = mteb.evaluate(HarnessModel("hash:32", Configuration(cache_dir=tmp_path / "c")),
                            mteb_task("SciFact", "test", hf), cache=None,
                            show_progress_bar=False)
    got = res.task_results[0].scores["test"][0]["ndcg_at_10"]
    assert 0 < ours < 1 and got == pytest.approx(ours * 8 / 9, abs=1e-5)
