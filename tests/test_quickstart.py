"""The embedded default suite: valid as shipped, and its result holds on a slice."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from harness import api
from harness.registry import MODELS

QUICKSTART = Path(__file__).resolve().parents[1] / "suites" / "quickstart.yaml"


def test_quickstart_suite_plans_two_cells():
    plan = api.plan(QUICKSTART)
    assert sorted(c.model_ref.ref for c in plan.cells) == ["glove-50d", "minilm-l6-int8"]
    assert {c.dataset_ref.ref for c in plan.cells} == {"bbc-news"} and not plan.skipped


@pytest.mark.slow
def test_quickstart_on_a_slice_minilm_beats_glove(tmp_path):
    for name in ("minilm-l6-int8", "glove-50d"):
        if not MODELS.get(name).available():
            pytest.skip(f"{name} is not installed ({MODELS.get(name).install})")
    suite = yaml.safe_load(QUICKSTART.read_text())
    suite["datasets"] = [{"ref": "bbc-news", "max_queries": 150, "max_docs": 400}]
    suite["repeats"] = 1
    path = tmp_path / "quickstart-slice.yaml"
    path.write_text(yaml.safe_dump(suite))
    out = api.run(path, api.RunOptions(output=tmp_path / "r", cache_dir=tmp_path / "c",
                                       progress=False, report=False, analysis=False))
    df = out.frame.set_index("model")
    assert set(df["status"]) == {"ok"} and (df["n_queries"] == 150).all()
    assert (df["n_docs"] == 400).all()
    ndcg = df["ndcg@10"]
    # MiniLM finds a headline's article far better than averaged GloVe
    assert ndcg["minilm-l6-int8"] > 0.8 and ndcg["glove-50d"] < 0.6
    assert ndcg["minilm-l6-int8"] > ndcg["glove-50d"] + 0.3
    for m in ("mrr@10", "map@100", "recall@100", "p@10", "hit@10"):
        assert df[m].min() >= 0 and df[m].max() <= 1
