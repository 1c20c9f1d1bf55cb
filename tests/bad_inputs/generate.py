"""A corpus of bad inputs, as a new user would make them: suites, BEIR folders, labelled and
precomputed folders, command-line misuse. Each case writes its files into a folder of its own
and returns the command line to try and a text the error must contain (the file or key at
fault). tests/bad_inputs/test_corpus.py runs every case; to look at them by hand:

    python -m tests.bad_inputs.generate /tmp/bad-inputs   # one folder per case + cases.json
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

from tests.bad_inputs import data_cases
from tests.bad_inputs.common import Builder, Case, suite_text, write_beir, write_suite

CASES: dict[str, Builder] = {}


# --- suites -------------------------------------------------------------------------------

def _good_data(root: Path) -> str:
    """A valid tiny BEIR folder, so only the suite is at fault."""
    return f"[beir:{write_beir(root / 'data')}]"


SUITE_CASES: dict[str, tuple[str, str]] = {  # name -> (extra YAML after a valid suite, key)
    "k-true": ("k: true\n", "k"),
    "k-zero": ("k: 0\n", "k"),
    "k-text": ("k: ten\n", "k"),
    "k-float": ("k: 10.5\n", "k"),
    "seed-yes": ("seed: yes\n", "seed"),
    "repeats-negative": ("repeats: -1\n", "repeats"),
    "threads-bool": ("threads: false\n", "threads"),
    "dims-true": ("dims: [true]\n", "dims[0]"),
    "dims-bad-pca": ("dims: ['pca:x']\n", "dims"),
    "dims-negative": ("dims: [-8]\n", "dims"),
    "dims-duplicate": ("dims: [8, 8]\n", "dims[1]"),
    "precisions-duplicate": ("precisions: [float32, float32]\n", "precisions[1]"),
    "precisions-unknown": ("precisions: [flaot16]\n", "precisions[0]"),
    "precisions-percentile-range": ("precisions: [{int8: {calibration: percentile, high: 101}}]\n",
                                    "precisions[0]"),
    "precisions-low-above-high": ("precisions: [float32, {int4: {calibration: percentile, "
                                  "low: 90, high: 10}}]\n", "precisions[1]"),
    "precisions-binary-bits": ("precisions: [{binary: {bits: 3}}]\n", "precisions[0]"),
    "precisions-calibration": ("precisions: [{int8: {calibration: kmeans}}]\n", "precisions[0]"),
    "precisions-rotate-float32": ("precisions: [{float32: {rotate: pca}}]\n", "precisions[0]"),
    "metrics-duplicate": ("metrics: [cosine, cosine]\n", "metrics[1]"),
    "metrics-unknown": ("metrics: [cosin]\n", "metrics[0]"),
    "evaluate-duplicate": ("evaluate: [ndcg@5, ndcg@5]\n", "evaluate[1]"),
    "evaluate-unknown": ("evaluate: [ndgc@5]\n", "evaluate"),
    "evaluate-too-deep": ("evaluate: [ndcg@50]\n", "evaluate[0]"),
    "backend-duplicate": ("backends: [{name: exact}, {name: exact}]\n", "backends[1]"),
    "backend-unknown": ("backends: [{name: hnsw}]\n", "backends[0].name"),
    "backend-unknown-param": ("backends: [{name: hnswlib, build: {m: 16}}]\n",
                              "backends[0].build.m"),
    "hnswlib-M-cap": ("backends: [{name: hnswlib, build: {M: 100000000}}]\n",
                      "backends[0].build.M"),
    "hnswlib-M-bool": ("backends: [{name: hnswlib, build: {M: true}}]\n", "backends[0].build.M"),
    "hnswlib-ef-negative": ("backends: [{name: hnswlib, search: {ef: -1}}]\n",
                            "backends[0].search.ef"),
    "unknown-key": ("metrcs: [cosine]\n", "metrcs"),
    "costs-negative-price": ("costs: {usd_per_hour: -1}\n", "costs.usd_per_hour"),
    "costs-price-text": ("costs: {usd_per_hour: '$0.20'}\n", "costs.usd_per_hour"),
    "costs-cores-zero": ("costs: {cores: 0}\n", "costs.cores"),
    "costs-cores-bool": ("costs: {cores: yes}\n", "costs.cores"),
    "costs-unknown-key": ("costs: {usd_per_hr: 1}\n", "costs.usd_per_hr"),
    "schema-version-2": ("schema_version: 2\n", "schema_version"),
    "executor-unknown": ("executor: gpu\n", "executor"),
    "exclude-empty-rule": ("exclude: [{}]\n", "exclude[0]"),
    "duplicate-top-key": ("k: 5\n", "key 'k' appears twice"),
    # backend parameters the data cannot hold (6 documents of 16 dims), found at plan time
    "ivf-nlist-above-corpus": ("backends: [{name: faiss-ivf, build: {nlist: 64}}]\n",
                               "backends[0].build"),
    "ivfpq-m-not-dividing-dim": ("backends: [{name: faiss-ivfpq, build: {m: 5, nlist: 1, "
                                 "nbits: 2}}]\n", "backends[0].build"),
    "ivfpq-nbits-above-corpus": ("backends: [{name: faiss-ivfpq, build: {m: 4, nlist: 1, "
                                 "nbits: 8}}]\n", "backends[0].build"),
    "nsg-gk-above-corpus": ("backends: [{name: faiss-nsg, build: {GK: 8}}]\n",
                            "backends[0].build"),
    "duplicate-nested-key": ("backends: [{name: hnswlib, build: {M: 8, M: 16}}]\n",
                             "key 'M' appears twice"),
}


def _suite_case(extra: str, key: str) -> Builder:
    def build(root: Path) -> Case:
        base = suite_text(_good_data(root)).splitlines(keepends=True)
        if not key.startswith("key "):  # the case's keys replace the valid suite's
            given = {line.split(":")[0] for line in extra.splitlines()}
            base = [line for line in base if line.split(":")[0] not in given]
        return Case(["validate", str(write_suite(root, "".join(base) + extra))], key)
    return build


for _name, (_extra, _key) in SUITE_CASES.items():
    CASES[f"suite/{_name}"] = _suite_case(_extra, _key)

DATASET_REF_CASES: dict[str, tuple[str, str]] = {  # name -> (datasets YAML, key)
    "display-name-twice": ("[{ref: 'beir:{d}', name: a}, {ref: 'beir:{d}', name: a}]",
                           "datasets[1]"),
    "split-climbs-out": ("[{ref: 'beir:{d}', split: ../../etc/passwd}]", "split"),
    "max-queries-zero": ("[{ref: 'beir:{d}', max_queries: 0}]", "max_queries"),
    "template-unknown-field": ("[{ref: 'beir:{d}', doc_template: '{{body}}'}]", "doc_template"),
    "unknown-dataset": ("[bbc-newz]", "datasets[0]"),
    "unknown-kind": ("['beri:{d}']", "datasets[0]"),
    "beir-no-folder": ("['beir:']", "datasets[0]"),
    "labelled-no-folder": ("['labelled:']", "datasets[0]"),
    "synthetic-bad-knob": ("['synthetic:n=10,colour=red']", "datasets[0]"),
}


def _ref_case(datasets: str, key: str) -> Builder:
    def build(root: Path) -> Case:
        d = write_beir(root / "data")
        text = suite_text(datasets.replace("{d}", str(d)).replace("{{", "{").replace("}}", "}"))
        return Case(["validate", str(write_suite(root, text))], key)
    return build


for _name, (_ds, _key) in DATASET_REF_CASES.items():
    CASES[f"suite/{_name}"] = _ref_case(_ds, _key)


def _raw_suite(text: str | bytes, key: str = "suite.yaml", command: str = "validate"
               ) -> Builder:
    def build(root: Path) -> Case:
        return Case([command, str(write_suite(root, text))], key)
    return build


_LOL = "a: &a [" + ",".join(['"lol"'] * 9) + "]\n" + "".join(
    f"{c}: &{c} [" + ",".join([f"*{p}"] * 9) + "]\n"
    for p, c in zip("abcdefgh", "bcdefghi", strict=True))
CASES.update({
    "suite/alias-bomb": _raw_suite(_LOL),
    "suite/invalid-yaml": _raw_suite("schema_version: 1\nname: [unclosed\n"),
    "suite/tab-indent": _raw_suite("schema_version: 1\n\tname: x\n"),
    "suite/empty-file": _raw_suite(""),
    "suite/a-list": _raw_suite("- a\n- b\n"),
    "suite/not-utf8": _raw_suite(b"schema_version: 1\nname: \xff\xfe\n"),
    "suite/dim-above-vectors-native": _raw_suite(
        "schema_version: 1\nname: x\ndatasets: ['synthetic:n=50,dim=8,queries=5']\n"
        "models: [vectors]\ndims: [16]\nk: 5\nevaluate: [ndcg@5]\n", "dims[0]"),
    "suite/missing-name": _raw_suite("schema_version: 1\ndatasets: [bbc-news]\n"
                                     "models: [hash:16]\n", "name"),
    "suite/name-with-slash": _raw_suite("schema_version: 1\nname: ../x\n"
                                        "datasets: [bbc-news]\nmodels: [hash:16]\n", "name"),
    "suite/unknown-model": _raw_suite("schema_version: 1\nname: x\ndatasets: [bbc-news]\n"
                                      "models: [minilm]\n", "models[0]"),
    "suite/hash-dim-zero": _raw_suite("schema_version: 1\nname: x\ndatasets: [bbc-news]\n"
                                      "models: ['hash:0']\n", "models[0]"),
    "suite/model-name-twice": _raw_suite(
        "schema_version: 1\nname: x\ndatasets: [bbc-news]\n"
        "models: [{ref: 'hash:16', name: m}, {ref: 'hash:32', name: m}]\n", "models[1]"),
    "suite/huge-grid-without-yes": _raw_suite(
        "schema_version: 1\nname: x\ndatasets: [bbc-news]\nmodels: [hash:16]\n"
        f"dims: {list(range(1, 201))}\nbackends: [{{name: hnswlib, build: "
        f"{{M: {list(range(2, 62))}}}}}]\n", "--yes", "run"),
    "suite/python-tag": _raw_suite("schema_version: 1\nname: !!python/name:os.system x\n",
                                   "unsupported YAML tag '!!python/name:os.system'"),
    "suite/python-object-tag": _raw_suite(
        "schema_version: 1\nname: x\nk: !!python/object/apply:os.system [ls]\n",
        "suite.yaml:3"),
    "suite/missing-file": lambda root: Case(["validate", str(root / "nope.yaml")], "nope.yaml"),
    "suite/a-folder": lambda root: Case(["validate", str(root)], "suite file not found"),
})


# --- the command line ---------------------------------------------------------------------

def _cli(argv: Callable[[Path], list[str]], names: str | None = None) -> Builder:
    """A command line; the error names `names`, else the case's own folder."""
    return lambda root: Case(argv(root), names or str(root))


def _good_suite(root: Path) -> str:
    return str(write_suite(root, suite_text(_good_data(root))))


def _a_file(root: Path) -> str:
    (root / "a-file").write_text("not a folder\n")
    return str(root / "a-file")


def _fake_run(root: Path, manifest: str, cell: bool = True) -> str:
    run = root / "run"
    (run / "cells").mkdir(parents=True)
    (run / "manifest.json").write_text(manifest)
    if cell:
        (run / "cells" / "c1.json").write_text(
            '{"schema_version": 99, "cell_id": "c1", "rows": []}')
    return str(run)


CASES.update({
    "cli/only-matches-nothing": _cli(lambda r: ["run", _good_suite(r), "--only", "nothing-like",
                                                "--output", str(r / "out")], "--only"),
    "cli/report-not-a-run": _cli(lambda r: ["report", str(r)]),
    "cli/report-missing": _cli(lambda r: ["report", str(r / "nope")], "nope"),
    "cli/funnel-not-a-run": _cli(lambda r: ["funnel", str(r)]),
    "cli/funnel-run-without-cells": _cli(lambda r: ["funnel", _fake_run(r, "{}", cell=False)],
                                         "no result rows"),
    "cli/run-output-is-a-file": _cli(lambda r: ["run", _good_suite(r), "--output",
                                                _a_file(r) + "/results"], "--output"),
    "cli/run-cache-is-a-file": _cli(lambda r: ["run", _good_suite(r), "--output", str(r / "o"),
                                               "--cache-dir", _a_file(r)], "--cache-dir"),
    "cli/best-not-a-run": _cli(lambda r: ["best", str(r)]),
    "cli/compare-not-runs": _cli(lambda r: ["compare", str(r / "a"), str(r / "b")]),
    "cli/leaderboard-missing": _cli(lambda r: ["leaderboard", str(r / "nope")], "nope"),
    "cli/probe-unknown-dataset": _cli(lambda r: ["probe", "bbc-newz", "--model", "hash:8"],
                                      "bbc-newz"),
    "cli/probe-unknown-model": _cli(lambda r: ["probe", "synthetic:n=50,queries=5,dim=4",
                                               "--model", "nomodel"], "nomodel"),
    "cli/export-unknown-dataset": _cli(lambda r: ["export", "bbc-newz", str(r / "o")],
                                       "bbc-newz"),
    "cli/export-split-climbs-out": _cli(lambda r: ["export", f"beir:{write_beir(r / 'b')}",
                                                   str(r / "o"), "--split", "../../x"],
                                        "--split"),
    "cli/export-vectors": _cli(lambda r: ["export", "synthetic:n=50,queries=5,dim=4",
                                          str(r / "o")], "synthetic"),
    "cli/plan-missing-suite": _cli(lambda r: ["plan", str(r / "s.yaml")], "s.yaml"),
    "cli/report-other-schema-version": _cli(lambda r: ["report", _fake_run(r, "{}")],
                                            "c1.json"),
})


CASES.update(data_cases.CASES)


def write_all(out: Path) -> dict[str, dict[str, object]]:
    """Every case under out/<name>/, and out/cases.json listing argv and the expected name."""
    listing = {}
    for name, build in CASES.items():
        root = out / name
        root.mkdir(parents=True, exist_ok=True)
        case = build(root)
        listing[name] = {"argv": case.argv, "names": case.names, "exit": 2}
    (out / "cases.json").write_text(json.dumps(listing, indent=1))
    return listing


if __name__ == "__main__":
    n = len(write_all(Path(sys.argv[1] if len(sys.argv) > 1 else "bad-inputs")))
    print(f"{n} cases written")
