"""TREC run files and qrels from a stored run, so trec_eval / ranx / ir_measures reproduce it.

    harness export RUN_DIR OUT --format trec
    trec_eval -c -m ndcg_cut.10 OUT/qrels/<dataset>.qrels OUT/runs/<cell>-s<setting>.trec

One run file per result row (`query Q0 doc rank score tag`) and one qrels file per dataset
(`query 0 doc grade`), plus OUT/runs.csv naming each row's files, its axes and metrics, and the
trec_eval measure of each metric. The qrels hold the queries the harness evaluates (those with
a relevant document), so trec_eval's means are the row's means; `-c` also counts a query the
search returned nothing for, as the harness does.

Scores are written as the float32 values the harness ranked (exactly, as the shortest decimal
of the double), and each query's lines in trec_eval's own order (score descending, ties by
document id descending, see harness.metrics.ir.trec_order), so the rank column agrees with
how trec_eval reads the file. A document the index returned twice is written once (at its
first, best rank): a TREC run cannot hold it twice.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from harness.datasets.base import Dataset
from harness.errors import UserError
from harness.exports.rows import Exported, ResultRow, result_rows, slug, stored_ranking
from harness.metrics.columns import has_positive
from harness.metrics.ir import parse_metric
from harness.plan.refs import load_dataset
from harness.store.perquery import PerQuery
from harness.store.runs import RunStore

# harness metric family -> trec_eval measure at cutoff k ('' = none: mrr@k is trec_eval's
# recip_rank on the run cut at k, which ranx and ir_measures call mrr@k / RR@k)
TREC_EVAL = {"ndcg": "ndcg_cut_{k}", "map": "map_cut_{k}", "recall": "recall_{k}",
             "p": "P_{k}", "hit": "success_{k}", "mrr": ""}


def trec_eval_measure(name: str) -> str:
    """trec_eval's name of a harness metric ('ndcg@10' -> 'ndcg_cut_10'); '' when none."""
    m = parse_metric(name)
    return TREC_EVAL.get(m.family, "").format(k=m.k)


def run_lines(query_ids: np.ndarray, ids: np.ndarray, scores: np.ndarray, tag: str) -> list[str]:
    """`query Q0 doc rank score tag` lines, each query in trec_eval's order."""
    lines = []
    for qid, row_ids, row_scores in zip(query_ids, ids, scores, strict=True):
        hits = {}
        for d, s in zip(row_ids, row_scores, strict=True):
            if d and d not in hits:  # '' is an empty slot; a repeat keeps its best rank
                hits[str(d)] = float(s)
        ranked = sorted(hits.items(), key=lambda h: (h[1], h[0]), reverse=True)
        lines += [f"{qid} Q0 {d} {rank} {s!r} {tag}" for rank, (d, s) in enumerate(ranked, 1)]
    return lines


def _blank_id(query_ids: np.ndarray, ids: np.ndarray) -> str | None:
    """The first query or document id with whitespace in it (TREC fields are blank-separated)."""
    for x in (*np.asarray(query_ids, dtype=str), *np.unique(np.asarray(ids, dtype=str))):
        if x and len(x.split()) != 1:
            return str(x)
    return None


def qrels_lines(ds: Dataset) -> list[str]:
    """`query 0 doc grade` lines of the queries with a relevant document."""
    return [f"{q} 0 {d} {g}" for q in ds.query_ids if has_positive(ds.qrels.get(q))
            for d, g in ds.qrels[q].items()]


def export_trec(store: RunStore, out: Path) -> Exported:
    """Write OUT/runs/*.trec, OUT/qrels/*.qrels and OUT/runs.csv for every ok row of a run."""
    result = Exported(Path(out))
    (result.out / "runs").mkdir(parents=True, exist_ok=True)
    perquery: dict[str, PerQuery | None] = {}
    qrels_of: dict[str, str] = {}  # dataset label -> qrels file name ('' = none)
    index = []
    for r in result_rows(store):
        got = stored_ranking(store, r, perquery)
        if got is None:
            result.skipped.append(f"{r.tag}: no stored scores (run written before full "
                                  "rankings were kept; re-run it)")
            continue
        pq, ids, scores = got
        blank = _blank_id(pq.all_query_ids, ids)
        if blank:
            result.skipped.append(f"{r.tag}: id {blank!r} holds whitespace, which the TREC "
                                  "format cannot hold")
            continue
        path = result.out / "runs" / f"{r.tag}.trec"
        path.write_text("\n".join(run_lines(pq.all_query_ids, ids, scores, r.tag)) + "\n")
        result.files.append(path)
        label = r.cell.dataset_ref.label
        if label not in qrels_of:
            qrels_of[label] = _write_qrels(r, result)
        index.append(_index_row(r, path, qrels_of[label]))
    _write_index(result.out / "runs.csv", index)
    return result


def _write_qrels(r: ResultRow, result: Exported) -> str:
    label = r.cell.dataset_ref.label
    try:
        ds = load_dataset(r.cell.dataset_ref, seed=r.cell.seed)
    except (UserError, OSError) as exc:  # the data moved since the run: runs still help
        result.skipped.append(f"qrels of {label}: dataset not loadable ({exc})")
        return ""
    if ds.qrels is None:
        result.skipped.append(f"qrels of {label}: the dataset has labels, not judgments")
        return ""
    path = result.out / "qrels" / f"{slug(label)}.qrels"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(qrels_lines(ds)) + "\n")
    result.qrels.append(path)
    return str(path.relative_to(result.out))


def _index_row(r: ResultRow, path: Path, qrels: str) -> dict[str, object]:
    axes = ("dataset", "corpus_size", "model", "dim", "dim_method", "precision", "metric",
            "backend", "build_params", "search_params")
    metrics = {name: r.row.get(name) for name in r.cell.evaluate}
    measures = ";".join(f"{n}={trec_eval_measure(n)}" for n in r.cell.evaluate
                        if parse_metric(n).kind == "qrels")
    return {"run": str(path.relative_to(path.parent.parent)), "qrels": qrels, "tag": r.tag,
            **{a: r.row.get(a) for a in axes}, **metrics, "trec_eval_measures": measures}


def _write_index(path: Path, rows: list[dict[str, object]]) -> None:
    names: list[str] = []
    for row in rows:
        names += [k for k in row if k not in names]
    with path.open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=names)
        w.writeheader()
        w.writerows(rows)
