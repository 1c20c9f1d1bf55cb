"""Known limits of a library (Capabilities.note) reach the plan: `harness plan` prints each
planned backend's note once, under "notes:", and its JSON carries them."""

from __future__ import annotations

import json

from harness import api
from harness.backends.base import backend_class
from harness.cli.main import main

SUITE = """\
schema_version: 1
name: noted
datasets: ["synthetic:n=300,dim=16,clusters=4,queries=20,seed=1"]
models: [vectors]
metrics: [cosine, l2]
k: 5
evaluate: [label_recall@5]
backends:
  - {name: exact}
  - {name: pynndescent, search: {epsilon: [0.1, 0.6]}}
"""


def test_the_plan_names_pynndescents_limit_once(tmp_path, capsys):
    path = tmp_path / "suite.yaml"
    path.write_text(SUITE)
    p = api.plan(str(path))
    note = backend_class("pynndescent").capabilities.note
    assert "k-nearest-neighbour graph" in note and "0.54-0.56" in note
    assert p.notes == (("pynndescent", note),)  # two cells (cosine, l2), one note; none for exact
    assert main(["plan", str(path)]) == 0
    out = capsys.readouterr().out
    assert out.count("pynndescent: its search graph") == 1
    assert out.index("notes:") > out.index("cells:")
    assert main(["plan", str(path), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["notes"] == {"pynndescent": note}


def test_a_plan_without_noted_backends_prints_no_notes(tmp_path, capsys):
    path = tmp_path / "suite.yaml"
    path.write_text(SUITE.replace("  - {name: pynndescent, search: {epsilon: [0.1, 0.6]}}\n", ""))
    assert api.plan(str(path)).notes == ()
    assert main(["plan", str(path)]) == 0
    assert "notes:" not in capsys.readouterr().out
    assert "milvus" in backend_class("milvus-lite").capabilities.note.lower()
