"""The per-query record of one cell: every search setting's per-query values and ranked results.

Two query lists are in play, and this is the one place that knows which array follows which:

- task metrics (ndcg@10, label_recall@10, ...) follow `query_ids`, the evaluated queries (those
  with a positive judgment and/or a label that occurs in the corpus);
- knn_recall@k, latency_ms, top_ids and top_scores follow `all_query_ids`, every query in
  dataset order.

On disk (RUN_DIR/perquery/<cell_id>.npz) the arrays are stored flat under the keys
`query_ids`, `all_query_ids` and `s<setting>:<name>`; only `to_arrays`/`from_arrays` read or
write that layout. The ranked results are stored as `doc_ids` (the distinct retrieved ids of
the cell) with `s<setting>:top_index` (int32 positions in it, -1 = empty slot) and
`s<setting>:top_scores` (float32): a corpus id string is stored once, not once per hit.
Folders written before full rankings were kept have `s<setting>:top_ids` (the first 10 ids as
strings, no scores); they still load, with `top_scores` None.
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
    """One search setting: per-query arrays by name, and every query's ranked results."""

    values: Mapping[str, np.ndarray] = field(default_factory=dict)
    # [n_all_queries, k] document ids as the search returned them, '' = empty slot
    # (older folders: the first 10 only)
    top_ids: np.ndarray | None = None
    # [n_all_queries, k] float32 scores of top_ids (higher is better), NaN = empty slot
    # (None in older folders)
    top_scores: np.ndarray | None = None


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

    def ranking(self, setting: int) -> tuple[np.ndarray, np.ndarray] | None:
        """(ids, scores), both [n_all_queries, k], of one setting; None when this folder has
        no scores (written before full rankings were kept)."""
        if not 0 <= setting < len(self.settings):
            return None
        s = self.settings[setting]
        if s.top_ids is None or s.top_scores is None:
            return None
        return s.top_ids, s.top_scores

    def top_ids(self, setting: int, query_id: str) -> list[str] | None:
        """The document ids retrieved for one query (every one kept), when stored."""
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
        vocab = np.unique(np.concatenate(
            [np.asarray(s.top_ids, dtype=str).ravel() for s in self.settings
             if s.top_ids is not None] or [np.array([], dtype=str)]))
        vocab = vocab[vocab != ""]
        if len(vocab):
            out["doc_ids"] = vocab
        for i, s in enumerate(self.settings):
            for name, vals in s.values.items():
                out[f"s{i}:{name}"] = vals
            if s.top_ids is None:
                continue
            top = np.asarray(s.top_ids, dtype=str)
            pos = np.searchsorted(vocab, top) if len(vocab) else np.zeros(top.shape, np.int64)
            out[f"s{i}:top_index"] = np.where(top != "", pos, -1).astype(np.int32)
            if s.top_scores is not None:
                out[f"s{i}:top_scores"] = np.asarray(s.top_scores, dtype=np.float32)
        return out

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, np.ndarray]) -> PerQuery:
        by_setting: dict[int, dict[str, np.ndarray]] = {}
        for key, vals in arrays.items():
            head, sep, name = key.partition(":")
            if sep and head.startswith("s") and head[1:].isdigit():
                by_setting.setdefault(int(head[1:]), {})[name] = vals
        n = max(by_setting, default=-1) + 1
        empty = np.array([], dtype=str)
        vocab = np.asarray(arrays.get("doc_ids", empty), dtype=str)
        settings = []
        for i in range(n):
            got = dict(by_setting.get(i, {}))
            top = got.pop("top_ids", None)  # the layout before full rankings
            index = got.pop("top_index", None)
            scores = got.pop("top_scores", None)
            if index is not None:
                top = np.where(index >= 0, vocab[np.maximum(index, 0)] if len(vocab)
                               else "", "")
            settings.append(SettingValues(got, top, scores))
        return cls(
            np.asarray(arrays.get("query_ids", empty)),
            np.asarray(arrays.get("all_query_ids", empty)),
            tuple(settings),
        )
