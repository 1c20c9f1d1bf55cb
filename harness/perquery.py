"""The per-query record of one cell: every search setting's per-query values and top ids.

Two query lists are in play, and this is the one place that knows which array follows which:

- task metrics (ndcg@10, label_recall@10, ...) follow `query_ids`, the evaluated queries (those
  with a positive judgment and/or a label that occurs in the corpus);
- knn_recall@k, latency_ms and top_ids follow `all_query_ids`, every query in dataset order.

On disk (RUN_DIR/perquery/<cell_id>.npz) the arrays are stored flat under the keys
`query_ids`, `all_query_ids` and `s<setting>:<name>`; only `to_arrays`/`from_arrays` read or
write that layout.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

# Arrays that follow every query of the dataset rather than the evaluated ones.
_ALL_QUERY_PREFIXES = ("knn_recall@", "latency_ms")


def follows_all_queries(name: str) -> bool:
    return name.startswith(_ALL_QUERY_PREFIXES)


@dataclass(frozen=True)
class SettingValues:
    """One search setting: per-query arrays by name, and the first retrieved document ids."""

    values: Mapping[str, np.ndarray] = field(default_factory=dict)
    top_ids: np.ndarray | None = None  # [n_all_queries, <= 10] document ids, '' = empty slot


@dataclass(frozen=True)
class PerQuery:
    query_ids: np.ndarray
    all_query_ids: np.ndarray
    settings: tuple[SettingValues, ...] = ()

    def values(self, setting: int, name: str) -> tuple[np.ndarray, np.ndarray] | None:
        """(query ids, per-query values) of one metric at one setting, or None if not stored."""
        if not 0 <= setting < len(self.settings):
            return None
        vals = self.settings[setting].values.get(name)
        if vals is None:
            return None
        ids = self.all_query_ids if follows_all_queries(name) else self.query_ids
        if len(ids) != len(vals):
            return None
        return ids, np.asarray(vals, dtype=np.float64)

    def task_values(self, setting: int, name: str) -> np.ndarray | None:
        got = self.values(setting, name)
        return None if got is None else got[1]

    def top_ids(self, setting: int, query_id: str) -> list[str] | None:
        """The first document ids retrieved for one query, when stored."""
        if not 0 <= setting < len(self.settings):
            return None
        top = self.settings[setting].top_ids
        where = np.flatnonzero(self.all_query_ids == query_id)
        if top is None or not len(where):
            return None
        return [str(d) for d in top[where[0]] if str(d)]

    def to_arrays(self) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {
            "query_ids": np.asarray(self.query_ids, dtype=str),
            "all_query_ids": np.asarray(self.all_query_ids, dtype=str),
        }
        for i, s in enumerate(self.settings):
            for name, vals in s.values.items():
                out[f"s{i}:{name}"] = vals
            if s.top_ids is not None:
                out[f"s{i}:top_ids"] = s.top_ids
        return out

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, np.ndarray]) -> PerQuery:
        by_setting: dict[int, dict[str, np.ndarray]] = {}
        for key, vals in arrays.items():
            head, sep, name = key.partition(":")
            if sep and head.startswith("s") and head[1:].isdigit():
                by_setting.setdefault(int(head[1:]), {})[name] = vals
        n = max(by_setting, default=-1) + 1
        settings = []
        for i in range(n):
            got = dict(by_setting.get(i, {}))
            top = got.pop("top_ids", None)
            settings.append(SettingValues(got, top))
        empty = np.array([], dtype=str)
        return cls(
            np.asarray(arrays.get("query_ids", empty)),
            np.asarray(arrays.get("all_query_ids", empty)),
            tuple(settings),
        )
