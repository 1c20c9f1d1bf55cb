"""The encoding rate leaves the model load out (model_load_s has it); a cache hit says so and
keeps the figures measured when the entry was encoded, rather than a made-up rate."""

from __future__ import annotations

import json
import time

import numpy as np
import pytest

from harness import api
from harness.encoders.hashing import HashEncoder, HashOptions

LOAD_S = 0.3


class SlowLoading:
    """A hash encoder whose model takes LOAD_S to load (once), as a real one takes seconds."""

    def __init__(self) -> None:
        self.inner = HashEncoder(HashOptions(dim=16))
        self.loads = 0

    @property
    def spec(self):
        return self.inner.spec

    def load(self) -> None:
        if not self.loads:
            time.sleep(LOAD_S)
        self.loads += 1

    def encode(self, texts, *, role, batch_size=64) -> np.ndarray:
        self.load()
        return self.inner.encode(texts, role=role, batch_size=batch_size)


def _suite(beir, encoder) -> dict:
    return {"schema_version": 1, "name": "encode-figures", "datasets": [f"beir:{beir}"],
            "models": [encoder], "backends": [{"name": "exact"}], "k": 5,
            "evaluate": ["ndcg@5"], "repeats": 1, "warmup": 0}


def _run(beir, tmp_path, out: str):
    return api.run(_suite(beir, SlowLoading()), api.RunOptions(
        output=tmp_path / out, cache_dir=tmp_path / "c", progress=False, executor="inline",
        report=False, analysis=False))


def test_model_load_is_a_column_of_its_own_and_the_manifest_has_it(tiny_beir, tmp_path):
    first = _run(tiny_beir, tmp_path, "a")
    row = first.frame.iloc[0]
    assert row["encoded"] == "now"
    assert row["model_load_s"] >= LOAD_S  # the sleep is timed as the load ...
    assert row["encode_s"] < row["model_load_s"]  # ... and not as encoding (6 short texts)
    assert row["encode_docs_per_s"] == pytest.approx(row["n_docs"] / row["encode_s"])
    manifest = json.loads((first.run_dir / "manifest.json").read_text())
    (entry,) = manifest["encodings"]
    assert entry["encoded"] == "now" and entry["n_docs"] == row["n_docs"]
    assert entry["model_load_s"] == pytest.approx(row["model_load_s"])
    assert entry["encode_s"] == pytest.approx(row["encode_s"])

    again = _run(tiny_beir, tmp_path, "b")  # the same cache: nothing is encoded
    hit = again.frame.iloc[0]
    assert again.encode_calls == 0 and hit["encoded"] == "cache"
    # the figures measured when the entry was encoded, not a rate from 0 seconds
    for col in ("encode_s", "encode_docs_per_s", "model_load_s"):
        assert hit[col] == pytest.approx(row[col])


def test_a_cache_entry_without_a_record_gives_no_rate(tiny_beir, tmp_path):
    _run(tiny_beir, tmp_path, "a")
    for meta in (tmp_path / "c").rglob("*.json"):  # as written before the load was timed
        old = json.loads(meta.read_text())
        meta.write_text(json.dumps({k: old[k] for k in ("model", "role", "n", "seconds")}))
    hit = _run(tiny_beir, tmp_path, "b").frame.iloc[0]
    assert hit["encoded"] == "cache"
    assert hit["encode_docs_per_s"] is None and hit["model_load_s"] is None
    assert np.isnan(hit["usd_per_1m_docs_encoded"])
