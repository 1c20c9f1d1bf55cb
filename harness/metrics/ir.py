"""IR task metrics per query, vectorised, with trec_eval 9 semantics.

Published retrieval numbers (BEIR, MTEB, MS MARCO) are computed with trec_eval, usually through
pytrec_eval. Matching its conventions exactly (run ordering, tie breaks, denominators) is what
makes our numbers comparable with theirs, so every choice below follows trec_eval, and the tests
cross-check each metric family against pytrec_eval to 1e-9.

Speed: the (n_queries, k) matrix of gains is built once with one dict lookup per retrieved
document; every metric is then a few array operations on it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from harness.errors import did_you_mean

METRIC_FAMILIES = ("ndcg", "mrr", "map", "recall", "p", "hit")
# Computed from class labels by harness.metrics.labels; parsed here so that one function
# validates every name a suite's `evaluate` list can hold.
LABEL_FAMILIES = ("label_recall", "knn_accuracy")

# Spellings users write for the same family (lower case).
_ALIASES = {
    "ndcg": "ndcg",
    "mrr": "mrr",
    "map": "map",
    "recall": "recall",
    "p": "p",
    "precision": "p",
    "hit": "hit",
    "success": "hit",
    "label_recall": "label_recall",
    "knn_accuracy": "knn_accuracy",
}

_EXAMPLES = "ndcg@10, mrr@10, map@100, recall@100, p@10, hit@10, label_recall@10, knn_accuracy@1"


@dataclass(frozen=True)
class MetricName:
    """A metric family with its cutoff k; ``name`` is the canonical spelling used in results."""

    family: str
    k: int

    @property
    def name(self) -> str:
        return f"{self.family}@{self.k}"

    @property
    def kind(self) -> str:
        """'qrels' (judged documents) or 'labels' (class labels)."""
        return "labels" if self.family in LABEL_FAMILIES else "qrels"


def parse_metric(name: str) -> MetricName:
    """Parse "family@k" (case-insensitive; "precision" -> p, "success" -> hit).

    Every metric needs an explicit cutoff so that a results table never mixes, say, MRR over
    the full run with MRR@10. A bad name raises ValueError with one line: what was expected and
    a close-match suggestion.
    """
    text = str(name).strip().lower()
    family_text, sep, k_text = text.partition("@")
    family = _ALIASES.get(family_text.strip())
    if family is None:
        hint = did_you_mean(family_text.strip() or text, _ALIASES)
        msg = f"unknown metric {name!r}: expected family@k, e.g. {_EXAMPLES}"
        raise ValueError(msg + (f" ({hint})" if hint else ""))
    k_text = k_text.strip()
    if not sep or not k_text.isdigit() or int(k_text) < 1:
        msg = f"metric {name!r} needs a cutoff k >= 1: expected family@k, e.g. {_EXAMPLES}"
        raise ValueError(msg + f" (did you mean '{family}@10'?)")
    return MetricName(family, int(k_text))


def _present(ids: np.ndarray) -> np.ndarray:
    """Sorted distinct non-negative ids; a presence mask is much faster than np.unique here."""
    mask = np.zeros(int(ids.max()) + 1, dtype=bool)
    mask[ids] = True
    return np.flatnonzero(mask)


def trec_order(ids: np.ndarray, scores: np.ndarray, doc_ids: Sequence[str]) -> np.ndarray:
    """Re-sort each row the way trec_eval sorts a run, returning a new ids array.

    Tie policy (trec_eval's comparator in form_res_rels.c): score descending, and documents with
    equal scores ordered by document id string DESCENDING (byte/code-point order, so "b" comes
    before "ab", "aa", "a", "B"). trec_eval ignores the rank column of a run, so a backend's own
    order among ties does not count; reproducing this makes results deterministic and identical
    to trec_eval's. Empty slots (-1) go last. Equal scores are detected by exact float equality
    (-0.0 == 0.0). NaN scores of real documents have no trec_eval order and raise ValueError.
    Inputs are not mutated.
    """
    ids = np.asarray(ids)
    scores = np.asarray(scores, dtype=np.float64)
    if ids.shape != scores.shape or ids.ndim != 2:
        raise ValueError(f"ids {ids.shape} and scores {scores.shape} must be equal 2-D shapes")
    valid = ids >= 0
    if np.isnan(scores[valid]).any():
        raise ValueError("NaN scores in a run: trec_eval order is undefined for them")
    # Primary key: -score for real documents; empty slots are pushed last by a separate key.
    neg = np.where(valid, -scores, 0.0)
    invalid = (~valid).astype(np.int8)
    order = np.lexsort((neg, invalid), axis=1)
    s_neg = np.take_along_axis(neg, order, axis=1)
    s_valid = np.take_along_axis(valid, order, axis=1)
    tied = np.zeros_like(s_valid)
    same = (s_neg[:, 1:] == s_neg[:, :-1]) & s_valid[:, 1:] & s_valid[:, :-1]
    if not same.any():
        return np.take_along_axis(ids, order, axis=1)
    # Rank (by string) only the documents that take part in a tie: usually few, so this stays
    # cheap even when doc_ids is a corpus of millions.
    tied[:, 1:] |= same
    tied[:, :-1] |= same
    uniq = _present(np.take_along_axis(ids, order, axis=1)[tied])
    by_string = sorted(range(len(uniq)), key=lambda i: str(doc_ids[int(uniq[i])]))
    rank = np.zeros(int(uniq[-1]) + 1, dtype=np.int64)
    rank[uniq[by_string]] = np.arange(len(uniq))
    str_rank = np.where(valid & (ids < len(rank)), rank[np.clip(ids, 0, len(rank) - 1)], 0)
    # Untied documents get rank 0: harmless, the secondary key only orders equal scores.
    order = np.lexsort((-str_rank, neg, invalid), axis=1)
    return np.take_along_axis(ids, order, axis=1)


def _gain_matrix(
    ids: np.ndarray, doc_ids: Sequence[str], judged: Sequence[Mapping[str, int]]
) -> np.ndarray:
    """Raw relevance of each retrieved document (0 when unjudged, graded <= 0 or an empty slot).

    Python work is one dict entry per distinct retrieved document plus one lookup per positive
    judgment; the (row, document) matching itself is a sorted-array search. This is cheaper than
    a lookup per retrieved slot and never touches the whole corpus.

    A document repeated in a row counts only at its first (best) rank: trec_eval cannot hold a
    document twice, and counting it twice could push recall above 1. Later copies stay in place
    as non-relevant so that ranks and P@k denominators are unchanged.
    """
    n, width = ids.shape
    rel = np.zeros((n, width), dtype=np.float64)
    valid = ids >= 0
    if n == 0 or not valid.any():
        return rel
    uniq = _present(ids[valid])
    index_of = {doc_ids[u]: u for u in uniq.tolist()}
    span = int(uniq[-1]) + 1
    keys: list[int] = []
    grades: list[float] = []
    for i, q in enumerate(judged):
        for doc, g in q.items():
            if g > 0:  # grades <= 0 add neither relevance nor gain
                u = index_of.get(doc)
                if u is not None:
                    keys.append(i * span + u)
                    grades.append(g)
    if not keys:
        return rel
    jk = np.asarray(keys, dtype=np.int64)
    order = np.argsort(jk)
    jk, jg = jk[order], np.asarray(grades, dtype=np.float64)[order]
    rk = np.arange(n, dtype=np.int64)[:, None] * span + ids
    pos = np.minimum(np.searchsorted(jk, rk), len(jk) - 1)
    match = valid & (jk[pos] == rk)
    rel[match] = jg[pos[match]]
    # later copies of a repeated document: stable sort keeps the earliest column first
    by_id = np.argsort(ids, axis=1, kind="stable")
    sorted_ids = np.take_along_axis(ids, by_id, axis=1)
    later = np.zeros((n, width), dtype=bool)
    later[:, 1:] = sorted_ids[:, 1:] == sorted_ids[:, :-1]
    repeat = np.zeros_like(later)
    np.put_along_axis(repeat, by_id, later, axis=1)
    rel[repeat] = 0.0
    return rel


def qrels_evaluate(
    ids: np.ndarray,
    scores: np.ndarray,
    doc_ids: Sequence[str],
    query_ids: Sequence[str],
    qrels: Mapping[str, Mapping[str, int]],
    metrics: Sequence[str],
) -> tuple[list[str], dict[str, np.ndarray]]:
    """Per-query metrics of a run against qrels, matching trec_eval 9 (pytrec_eval) to 1e-9.

    Row i of ids/scores is the run of query_ids[i]; rows are put in trec order first. Only
    queries with at least one judgment > 0 are evaluated: a query with nothing to find has no
    defined score and would only pull averages toward 0. A query with an empty run scores 0.
    Relevant means relevance >= 1 (trec_eval relevance_level 1); nDCG gains are the relevance
    values with negatives as 0. Unjudged documents are non-relevant. Per family, with rank r from 1:

    - ndcg@k:   trec_eval ndcg_cut_k; sum gain/log2(r+1) over r <= k, divided by the same sum
                over all judged gains sorted descending (the ideal ranking), cut at k.
    - map@k:    map_cut_k; sum of precision at each relevant rank <= k / ALL relevant docs.
    - recall@k: recall_k; relevant in top k / all relevant docs.
    - p@k:      P_k; relevant in top k / k, even when fewer than k were retrieved.
    - mrr@k:    recip_rank of the run cut at k; 1/rank of the first relevant doc, else 0.
    - hit@k:    success_k; 1 if any relevant doc is in the top k.

    Returns (evaluated query ids, {metric name: float64 array of values in that order}).
    """
    parsed = [parse_metric(m) for m in metrics]
    for m in parsed:
        if m.kind != "qrels":
            raise ValueError(f"{m.name} is a label metric, not a qrels metric")
    ids = np.asarray(ids)
    if len(query_ids) != ids.shape[0]:
        raise ValueError(f"{len(query_ids)} query ids for {ids.shape[0]} rows of results")
    ordered = trec_order(ids, scores, doc_ids)
    rows, judged = _evaluable(query_ids, qrels)
    run = _JudgedRun.of(ordered[rows], doc_ids, judged, parsed)
    return [query_ids[i] for i in rows], {m.name: run.value(m) for m in parsed}


def _evaluable(
    query_ids: Sequence[str], qrels: Mapping[str, Mapping[str, int]]
) -> tuple[list[int], list[Mapping[str, int]]]:
    """Rows of the queries with at least one judgment > 0, and their judgments."""
    rows: list[int] = []
    judged: list[Mapping[str, int]] = []
    for i, qid in enumerate(query_ids):
        q = qrels.get(qid)
        if q and any(v > 0 for v in q.values()):
            rows.append(i)
            judged.append(q)
    return rows, judged


@dataclass(frozen=True)
class _JudgedRun:
    """A trec-ordered run against its judgments: what every metric family is computed from."""

    relevant: np.ndarray  # (n, width) relevance >= 1
    gain: np.ndarray  # (n, width) nDCG gains (negatives as 0)
    num_rel: np.ndarray  # (n,) relevant documents per query, at least 1
    ideal: np.ndarray  # (n, kmax) judged gains sorted descending (nDCG only)
    discount: np.ndarray  # 1 / log2(rank + 1)
    cum_rel: np.ndarray  # (n, width) relevant documents up to each rank
    first: np.ndarray  # (n,) first relevant rank (1-based), width + 1 when none

    @classmethod
    def of(
        cls,
        ordered: np.ndarray,
        doc_ids: Sequence[str],
        judged: Sequence[Mapping[str, int]],
        parsed: Sequence[MetricName],
    ) -> _JudgedRun:
        n, width = len(judged), ordered.shape[1]
        rel = _gain_matrix(ordered, doc_ids, judged)
        relevant = rel >= 1
        num_rel = np.array([sum(1 for v in q.values() if v >= 1) for q in judged], dtype=np.float64)
        kmax = max((m.k for m in parsed), default=0)
        ideal = np.zeros((n, kmax), dtype=np.float64)
        if any(m.family == "ndcg" for m in parsed):
            for i, q in enumerate(judged):
                g = sorted((v for v in q.values() if v > 0), reverse=True)[:kmax]
                ideal[i, : len(g)] = g
        first = np.full(n, width + 1)
        if width:
            first = np.where(relevant.any(axis=1), relevant.argmax(axis=1) + 1, width + 1)
        return cls(
            relevant=relevant,
            gain=np.maximum(rel, 0.0),
            num_rel=np.maximum(num_rel, 1.0),  # > 0 for every evaluated query with integer grades
            ideal=ideal,
            discount=1.0 / np.log2(np.arange(2, max(kmax, width) + 2, dtype=np.float64)),
            cum_rel=np.cumsum(relevant, axis=1),
            first=first,
        )

    def value(self, m: MetricName) -> np.ndarray:
        """Per-query values of one metric (see qrels_evaluate for the definitions)."""
        n, width = self.relevant.shape
        k = m.k
        c = min(k, width)
        hits = self.cum_rel[:, c - 1].astype(np.float64) if c else np.zeros(n)
        if m.family == "ndcg":
            dcg = self.gain[:, :c] @ self.discount[:c]
            idcg = self.ideal[:, :k] @ self.discount[:k]
            val = np.divide(dcg, idcg, out=np.zeros(n), where=idcg > 0)
        elif m.family == "map":
            ranks = np.arange(1, width + 1, dtype=np.float64)
            prec = np.where(self.relevant[:, :c], self.cum_rel[:, :c] / ranks[:c], 0.0)
            val = prec.sum(axis=1) / self.num_rel
        elif m.family == "recall":
            val = hits / self.num_rel
        elif m.family == "p":
            val = hits / k
        elif m.family == "mrr":
            val = np.where(self.first <= c, 1.0 / self.first, 0.0)
        else:  # hit
            val = (hits > 0).astype(np.float64)
        return np.asarray(val, dtype=np.float64)
