"""Each (model, dataset) is encoded once per cache, whatever the dims x precisions grid."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest

from harness import api
from harness.encoders.hashing import HashEncoder, HashOptions
from harness.encoders.model_kinds import ModelPlugin
from harness.registry import MODEL_KINDS, Entry

CALLS: Counter[str] = Counter()


class CountingEncoder:
    """A hash encoder that counts encode() calls per role."""

    def __init__(self, dim: int) -> None:
        self.inner = HashEncoder(HashOptions(dim=dim))

    @property
    def spec(self):
        return self.inner.spec

    def encode(self, texts, *, role, batch_size=64) -> np.ndarray:
        CALLS[role] += 1
        return self.inner.encode(texts, role=role, batch_size=batch_size)


class CountingPlugin(ModelPlugin):
    @staticmethod
    def check(arg: str) -> str | None:
        return None

    @staticmethod
    def dim(arg: str, ref: Any) -> int:
        return int(arg)

    @staticmethod
    def build(arg: str, ref: Any) -> CountingEncoder:
        return CountingEncoder(int(arg))


@dataclass(frozen=True)
class _Direct(Entry):
    obj: Any = None

    def load(self) -> Any:
        return self.obj


@pytest.fixture
def counting_kind(monkeypatch):
    CALLS.clear()
    entry = _Direct("counting", "", "test encoder that counts calls", obj=CountingPlugin)
    monkeypatch.setitem(MODEL_KINDS._entries, "counting", entry)
    return CALLS


SUITE = """\
schema_version: 1
name: encode-once
datasets: [beir:{beir}]
models: ["counting:32"]
dims: [null, 16, "pca:8"]
precisions: [float32, int8, binary]
backends:
  - name: exact
    search: {{rescore: [0, 2]}}
k: 10
repeats: 1
warmup: 0
"""


def test_grid_of_dims_and_precisions_encodes_once_per_role(
    counting_kind, write_suite, tiny_beir, tmp_path
):
    path = write_suite(SUITE.format(beir=tiny_beir))
    # inline: the counting encoder is registered in this process only
    opts = api.RunOptions(output=tmp_path / "r", cache_dir=tmp_path / "c", progress=False,
                          executor="inline")
    out = api.run(path, opts)
    assert out.n_failed == 0 and out.n_ran == 3 * 3
    assert len(out.frame) == 3 * 3 * 2
    assert counting_kind == {"document": 1, "query": 1}
    assert out.encode_calls == 2
    # encoding throughput is reported for the cells that encoded
    assert out.frame["encode_docs_per_s"].notna().any()
    # another run on the same cache encodes nothing
    again = api.run(path, api.RunOptions(output=tmp_path / "r2", cache_dir=tmp_path / "c",
                                         progress=False, resume=False, executor="inline"))
    assert again.n_failed == 0 and again.encode_calls == 0
    assert counting_kind == {"document": 1, "query": 1}
    df = out.frame
    assert set(df["precision"]) == {"float32", "int8", "binary"}
    assert sorted(set(df["dim_method"])) == ["native", "pca", "truncate(non-matryoshka)"]
    bpv = df.groupby(["dim", "precision"])["code_bytes_per_vector"].first().to_dict()
    assert bpv[(32, "float32")] == 128 and bpv[(16, "int8")] == 16 and bpv[(8, "binary")] == 1
