"""precomputed:FOLDER: vectors made elsewhere, matched to the dataset by id."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from harness import api
from harness.encoders.hashing import HashEncoder, HashOptions
from harness.encoders.precomputed import PrecomputedEncoder, PrecomputedOptions, check_folder
from harness.errors import UserError, UserErrors
from harness.plan.refs import load_dataset
from harness.suite.schema import DatasetRef


def hash_vectors(beir: Path):
    ds = load_dataset(DatasetRef(ref=f"beir:{beir}"))
    enc = HashEncoder(HashOptions(dim=64))
    docs = enc.encode(list(ds.docs), role="document")
    queries = enc.encode(list(ds.queries), role="query")
    return ds, docs, queries


def write_npy(folder: Path, ds, docs, queries, *, extra=0) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    order = np.random.default_rng(0).permutation(len(ds.doc_ids))  # any order: matched by id
    ids = [ds.doc_ids[i] for i in order] + [f"extra-{i}" for i in range(extra)]
    vecs = np.vstack([docs[order], np.ones((extra, docs.shape[1]), dtype=np.float32)])
    np.save(folder / "docs.npy", vecs)
    (folder / "doc_ids.txt").write_text("\n".join(ids) + "\n")
    np.save(folder / "queries.npy", queries)
    (folder / "query_ids.txt").write_text("\n".join(ds.query_ids))
    return folder


def write_parquet(folder: Path, ds, docs, queries) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    pd.DataFrame({"id": list(ds.doc_ids), "vector": list(docs)}).to_parquet(
        folder / "docs.parquet"
    )
    pd.DataFrame({"id": list(ds.query_ids), "vector": list(queries)}).to_parquet(
        folder / "queries.parquet"
    )
    (folder / "config.json").write_text(json.dumps({"name": "my-vectors", "metric": "cosine"}))
    return folder


SUITE = """\
schema_version: 1
name: pre
datasets: [beir:{beir}]
models: [{models}]
dims: [null, 16]
k: 10
repeats: 1
warmup: 0
"""


def test_precomputed_equals_encoding_the_same_vectors(write_suite, tiny_beir, tmp_path):
    ds, docs, queries = hash_vectors(tiny_beir)
    npy = write_npy(tmp_path / "npy", ds, docs, queries, extra=3)
    pq = write_parquet(tmp_path / "pq", ds, docs, queries)
    models = f'"hash:64", "precomputed:{npy}", "precomputed:{pq}"'
    out = api.run(
        write_suite(SUITE.format(beir=tiny_beir, models=models)),
        api.RunOptions(output=tmp_path / "r", cache_dir=tmp_path / "c", progress=False),
    )
    assert out.n_failed == 0 and out.encode_calls == 2  # only hash:64 encodes
    df = out.frame
    by_model = {m: g.sort_values("dim")["ndcg@10"].tolist() for m, g in df.groupby("model")}
    assert len(by_model) == 3
    first = by_model.pop("hash:64")
    for values in by_model.values():
        np.testing.assert_allclose(values, first, rtol=1e-6)
    pre = df[df["model"] != "hash:64"]
    assert pre["encode_docs_per_s"].isna().all()


def test_ids_must_match(tiny_beir, tmp_path):
    ds, docs, queries = hash_vectors(tiny_beir)
    folder = write_npy(tmp_path / "v", ds, docs, queries)
    enc = PrecomputedEncoder(PrecomputedOptions(folder))
    assert enc.spec.dim == 64 and enc.dim() == 64
    got = enc.vectors_for(list(ds.doc_ids[:3]), "document")
    np.testing.assert_array_equal(got, docs[:3])
    with pytest.raises(UserError, match=r"1 of 2 document ids of the dataset have no vector"):
        enc.vectors_for([ds.doc_ids[0], "nope"], "document")
    with pytest.raises(UserError, match="cannot encode text"):
        enc.encode(["x"], role="query")


def test_format_errors(tiny_beir, tmp_path):
    ds, docs, queries = hash_vectors(tiny_beir)
    assert "no precomputed vectors folder" in check_folder(str(tmp_path / "missing"))
    only_docs = tmp_path / "only"
    write_npy(only_docs, ds, docs, queries)
    (only_docs / "queries.npy").unlink()
    assert "no query vectors" in check_folder(str(only_docs))

    dup = write_npy(tmp_path / "dup", ds, docs, queries)
    ids = (dup / "doc_ids.txt").read_text().splitlines()
    (dup / "doc_ids.txt").write_text("\n".join([ids[0], *ids[:-1]]))
    with pytest.raises(UserError, match="appears more than once"):
        PrecomputedEncoder(PrecomputedOptions(dup)).vectors_for(ids[:1], "document")

    short = write_npy(tmp_path / "short", ds, docs, queries)
    (short / "doc_ids.txt").write_text("\n".join(ids[:-2]))
    with pytest.raises(UserError, match="24 vectors but 22 ids"):
        PrecomputedEncoder(PrecomputedOptions(short)).vectors_for(ids[:1], "document")

    nan = write_npy(tmp_path / "nan", ds, docs, queries)
    bad = np.load(nan / "queries.npy")
    bad[1, 0] = np.nan
    np.save(nan / "queries.npy", bad)
    with pytest.raises(UserError, match="non-finite"):
        PrecomputedEncoder(PrecomputedOptions(nan)).vectors_for(ds.query_ids, "query")


def test_missing_ids_are_a_plan_time_error_with_the_run_times_line(write_suite, tiny_beir,
                                                                    tmp_path):
    ds, docs, queries = hash_vectors(tiny_beir)
    folder = write_npy(tmp_path / "v", ds, docs, queries)
    ids = (folder / "query_ids.txt").read_text().splitlines()
    np.save(folder / "queries.npy", queries[1:])
    (folder / "query_ids.txt").write_text("\n".join(ids[1:]))
    suite = write_suite(SUITE.format(beir=tiny_beir, models=f'"precomputed:{folder}"'))
    with pytest.raises(UserErrors) as err:
        api.plan(suite)
    (exc,) = err.value.errors
    expected = f"1 of {len(ids)} query ids of the dataset have no vector (e.g. {ids[0]!r})"
    assert expected in exc.message and exc.key == "models[0]"
    # the run-time lookup says the same (one message, two callers)
    with pytest.raises(UserError, match=re.escape(expected)):
        PrecomputedEncoder(PrecomputedOptions(folder)).vectors_for(ds.query_ids, "query")
    assert not (tmp_path / "r").exists()

    spaced = write_npy(tmp_path / "sp", ds, docs, queries)  # ids with trailing spaces
    doc_ids = (spaced / "doc_ids.txt").read_text().splitlines()
    (spaced / "doc_ids.txt").write_text("\n".join(f"{i} " for i in doc_ids))
    with pytest.raises(UserErrors, match=f"{len(doc_ids)} of {len(doc_ids)} document ids"):
        api.plan(write_suite(SUITE.format(beir=tiny_beir, models=f'"precomputed:{spaced}"')))


def test_bad_folder_is_a_plan_time_error(write_suite, tiny_beir, tmp_path):
    with pytest.raises(UserErrors, match="no precomputed vectors folder"):
        api.plan(write_suite(SUITE.format(beir=tiny_beir, models=f'"precomputed:{tmp_path}/x"')))
