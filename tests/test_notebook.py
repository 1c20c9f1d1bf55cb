"""The notebook API: harness.run on a path, YAML text or dict (with Encoder objects), load."""

from __future__ import annotations

import numpy as np
import pytest

import harness
from harness.encoders.base import EncoderSpec, Role
from harness.encoders.hashing import HashEncoder, HashOptions
from harness.errors import UserError, UserErrors


class MyEncoder:
    """A user's own encoder: the same vectors as hash:16, under its own name."""

    def __init__(self) -> None:
        self.inner = HashEncoder(HashOptions(dim=16))
        self.calls = 0

    @property
    def spec(self) -> EncoderSpec:
        return EncoderSpec(name="my enc", fingerprint="my-enc-v1", dim=16)

    def encode(self, texts: list[str], *, role: Role, batch_size: int = 64) -> np.ndarray:
        self.calls += 1
        return self.inner.encode(texts, role=role, batch_size=batch_size)


def _suite(beir, models) -> dict:
    return {"schema_version": 1, "name": "nb", "datasets": [f"beir:{beir}"],
            "models": models, "k": 10, "evaluate": ["ndcg@10", "mrr@10"]}


def _opts(tmp_path, **kw):
    return {"output": str(tmp_path / "results"), "cache_dir": str(tmp_path / "cache"),
            "progress": False, "analysis": False, "report": False, **kw}


def test_dict_with_an_encoder_object_runs_inline_in_this_process(tiny_beir, tmp_path):
    enc = MyEncoder()
    res = harness.run(_suite(tiny_beir, [enc, {"ref": "hash:16", "name": "h16"}]),
                      **_opts(tmp_path, report=True))
    assert enc.calls == 2  # documents and queries, in this very process
    frame = res.frame.set_index("model")
    assert set(frame.index) == {"obj:my-enc", "h16"} and res.n_failed == 0
    # same vectors, same metrics: the object went through the whole pipeline
    for m in ("ndcg@10", "mrr@10"):
        assert frame.loc["obj:my-enc", m] == pytest.approx(frame.loc["h16", m], abs=1e-12)
    assert res.report_path == res.run_dir / "report.html" and res.report_path.is_file()
    long = res.long
    # ndcg, mrr, knn_recall and knn_recall_eps (ann-benchmarks' recall) for each of 2 rows
    assert set(long["measure"]) >= {"ndcg@10", "mrr@10"} and len(long) == 2 * 4
    again = harness.load(res.run_dir)
    assert again.frame[["model", "ndcg@10"]].equals(res.frame[["model", "ndcg@10"]])
    with pytest.raises(UserError, match="run only inline"):
        harness.run(_suite(tiny_beir, [enc]), **_opts(tmp_path, executor="process"))


def test_yaml_text_and_path_give_the_same_results(tiny_beir, tmp_path, write_suite):
    text = (f"schema_version: 1\nname: nb-text\ndatasets: ['beir:{tiny_beir}']\n"
            "models: [hash:16]\nevaluate: [ndcg@10]\n")
    a = harness.run(text, **_opts(tmp_path))
    b = harness.run(write_suite(text), **_opts(tmp_path / "b"))
    assert a.frame["ndcg@10"].tolist() == b.frame["ndcg@10"].tolist()
    assert a.run_dir.name == b.run_dir.name  # the same suite, the same run id


def test_mistakes_are_one_line_errors(tiny_beir, tmp_path, write_suite):
    with pytest.raises(UserErrors) as exc:
        harness.run("schema_version: 1\nname: x\ndatasets: [bbc-news]\nmodels: [hash:8]\n"
                    "k: zero\n", **_opts(tmp_path))
    assert "<string>:5" in str(exc.value.errors[0].one_line())
    with pytest.raises(UserError, match="not a reference string or an Encoder"):
        harness.run(_suite(tiny_beir, [42]), **_opts(tmp_path))
    path = write_suite(f"schema_version: 1\nname: x\ndatasets: ['beir:{tiny_beir}']\n"
                       "models: ['obj:nobody']\n")
    with pytest.raises(UserErrors, match="no encoder object 'obj:nobody' in this process"):
        harness.run(path, **_opts(tmp_path))
    with pytest.raises(TypeError, match="unknown run options"):
        harness.run(path, outptu="x")
    with pytest.raises(UserError, match="not a run folder"):
        harness.load(tmp_path)
