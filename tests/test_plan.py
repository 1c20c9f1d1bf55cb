"""Grid expansion: product of axes, build grids, exclude/include rules, stable cell ids."""

from __future__ import annotations

from harness.plan.expand import expand, grid
from harness.suite.schema import load_suite

SUITE = """\
schema_version: 1
name: grid
datasets: [beir:{beir}]
models: [hash:32, {{ref: hash:16, name: small}}]
dims: [null, 8]
metrics: [cosine, ip]
evaluate: [ndcg@10]
"""


def test_grid_helper():
    assert grid({"b": [1, 2], "a": "x"}) == [{"a": "x", "b": 1}, {"a": "x", "b": 2}]
    assert grid({}) == [{}]


def test_product_of_axes(write_suite, tiny_beir):
    plan = expand(load_suite(write_suite(SUITE.format(beir=tiny_beir))))
    assert len(plan.cells) == 2 * 2 * 2  # models x dims x metrics
    assert not plan.skipped
    labels = {c.label for c in plan.cells}
    assert f"beir:{tiny_beir} | small | dim=8 | float32 | ip | exact" in labels
    assert len({c.cell_id for c in plan.cells}) == 8


def test_cell_ids_are_stable_and_content_based(write_suite, tiny_beir):
    a = expand(load_suite(write_suite(SUITE.format(beir=tiny_beir), "a.yaml")))
    b = expand(load_suite(write_suite(SUITE.format(beir=tiny_beir), "b.yaml")))
    assert [c.cell_id for c in a.cells] == [c.cell_id for c in b.cells]
    c = expand(load_suite(write_suite(SUITE.format(beir=tiny_beir) + "k: 50\n", "c.yaml")))
    assert not {x.cell_id for x in a.cells} & {x.cell_id for x in c.cells}


def test_exclude_rules_all_keys_must_match(write_suite, tiny_beir):
    text = (
        SUITE.format(beir=tiny_beir)
        + """\
exclude:
  - {model: small, dim: 8}
  - {metric: ip, dim: [null]}
"""
    )
    plan = expand(load_suite(write_suite(text)))
    # removed: small@8 (cosine, ip) = 2; ip@native (hash:32, small) = 2
    assert len(plan.cells) == 4
    reasons = sorted(s.reason for s in plan.skipped)
    assert reasons == ["excluded by exclude[0]"] * 2 + ["excluded by exclude[1]"] * 2
    assert all(not (c.model["ref"] == "hash:16" and c.dim == 8) for c in plan.cells)
    # a rule may name a model by its reference as well as by its display name
    text2 = SUITE.format(beir=tiny_beir) + "exclude:\n  - {model: hash:16}\n"
    assert len(expand(load_suite(write_suite(text2, "x.yaml"))).cells) == 4


def test_include_adds_cells_outside_the_product(write_suite, tiny_beir):
    text = (
        SUITE.format(beir=tiny_beir)
        + """\
exclude:
  - {metric: ip}
include:
  - {metric: l2, model: small, dim: 8}
"""
    )
    plan = expand(load_suite(write_suite(text)))
    metrics = {(c.model_ref.label, c.dim, c.metric) for c in plan.cells}
    assert ("small", 8, "l2") in metrics
    assert len(plan.cells) == 4 + 1  # cosine cells + the included one
    assert not any(c.metric == "ip" for c in plan.cells)


def test_build_grid_makes_cells_search_grid_stays_inside(write_suite, tiny_beir, monkeypatch):
    from harness.backends.base import Capabilities, Param
    from harness.backends.exact import ExactBackend

    caps = Capabilities(
        metrics=frozenset({"cosine"}),
        precisions=frozenset({"float32"}),
        build_params={"m": Param(int, 4, "graph degree", minimum=2)},
        search_params={"ef": Param(int, 10, "beam", minimum=1)},
    )
    monkeypatch.setattr(ExactBackend, "capabilities", caps)
    text = (
        SUITE.format(beir=tiny_beir).replace("dims: [null, 8]\n", "")
        + """\
backends:
  - name: exact
    build: {m: [4, 8]}
    search: {ef: [10, 20, 40]}
"""
    )
    plan = expand(load_suite(write_suite(text)))
    # 2 models x 2 builds; ip is skipped as unsupported with a reason, never converted
    assert len(plan.cells) == 4
    assert all(len(c.search_grid) == 3 for c in plan.cells)
    assert {c.build["m"] for c in plan.cells} == {4, 8}
    assert len(plan.skipped) == 4
    assert all("does not support metric 'ip'" in s.reason for s in plan.skipped)


def test_bad_param_value(write_suite, tiny_beir, monkeypatch):
    import pytest

    from harness.backends.base import Capabilities, Param
    from harness.backends.exact import ExactBackend
    from harness.errors import UserErrors

    caps = Capabilities(
        metrics=frozenset({"cosine", "ip"}),
        precisions=frozenset({"float32"}),
        build_params={"m": Param(int, 4, "degree", minimum=2)},
    )
    monkeypatch.setattr(ExactBackend, "capabilities", caps)
    text = SUITE.format(beir=tiny_beir) + "backends:\n  - name: exact\n    build: {m: [8, 1]}\n"
    with pytest.raises(UserErrors) as info:
        expand(load_suite(write_suite(text)))
    (err,) = info.value.errors
    assert err.line == 10 and err.key == "backends[0].build.m" and ">= 2" in err.message


def test_hybrid_settings_apply_to_text_data_only(write_suite, tiny_beir):
    from harness.plan.expand import expand
    from harness.suite.schema import load_suite

    path = write_suite(
        "schema_version: 1\nname: mixed\nk: 10\n"
        f'datasets: [{{ref: "synthetic:n=300,dim=8,clusters=3,queries=20"}}, "beir:{tiny_beir}"]\n'
        "models: [vectors, \"hash:16\", bm25]\n"
        "backends:\n  - name: exact\n    search: {hybrid: [none, bm25], fusion: [rrf, convex]}\n"
        "evaluate: [ndcg@10]\n"
    )
    cells = {(c.dataset["ref"][:5], c.model["ref"]): c for c in expand(load_suite(path)).cells}
    # vectors: the dense setting alone; text: dense + rrf + convex (hybrid: none once); bm25: one
    assert cells[("synth", "vectors")].search_grid == ({},)
    grid = cells[("beir:", "hash:16")].search_grid
    assert [s.get("fusion") for s in grid] == [None, "rrf", "convex"]
    assert grid[1] == {"hybrid": "bm25", "fusion": "rrf", "lexical": {"ref": "bm25"}}
    assert cells[("beir:", "bm25")].search_grid == ({},)
