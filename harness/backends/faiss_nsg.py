"""faiss IndexNSGFlat: a Navigating Spreading-out Graph over float32 vectors.

faiss builds a kNN graph of GK neighbours per vector (NNDescent, seeded inside faiss), then
prunes it to at most R links per node. Search threads follow the runner's OpenMP limit.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from harness.backends._faiss import FaissBackend, SharedFaiss
from harness.backends._faiss import metric_type as faiss_metric
from harness.backends.base import (
    FLOAT_METRICS,
    FLOAT_PRECISIONS,
    Capabilities,
    IndexInput,
    Param,
    as_float32,
)
from harness.backends.data_rules import check, nsg_rule


class FaissNSG(SharedFaiss, FaissBackend):
    name = "faiss-nsg"
    capabilities = Capabilities(
        metrics=FLOAT_METRICS,
        precisions=FLOAT_PRECISIONS,
        family="graph",
        build_params={
            "R": Param(int, 32, "most links per node after pruning (IndexNSG R)", minimum=1),
            "GK": Param(int, 64, "neighbours per node of the kNN graph it prunes", minimum=2),
        },
        search_params={
            "search_L": Param(int, 16, "candidate pool size while searching", minimum=1),
        },
        data_rule=nsg_rule,
    )

    def build(self, data: IndexInput) -> None:
        import faiss

        x = as_float32(data.vectors)
        check(nsg_rule(self.build_params, *x.shape))
        index = faiss.IndexNSGFlat(x.shape[1], self.b("R"), faiss_metric(data.metric, self.name))
        index.GK = self.b("GK")
        index.add(x)
        self._index = index

    def prepare(self, search: Mapping[str, Any]) -> None:
        default = self.capabilities.search_params["search_L"].default
        self._index.nsg.search_L = int(search.get("search_L", default))
