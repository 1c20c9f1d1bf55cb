"""MTEB result JSON from a stored run: one model folder per (model, variant), one file per task.

    harness export RUN_DIR OUT --format mteb
    OUT/results/<model>/<variant>/model_meta.json   {"name", "revision", ...}
    OUT/results/<model>/<variant>/<Task>.json       a TaskResult (mteb.results.TaskResult)

This is the folder layout of MTEB's results repository and of mteb's `ResultCache`, so
`mteb.ResultCache(OUT).load_results(...)` reads it. The model name is the suite's model label;
the revision names the variant (dim and whether PCA reached it, precision, distance, index
with its build parameters and search setting, corpus sample size), which is how a compressed
or indexed model stays apart from the same model at full precision on a leaderboard;
model_meta.json also carries the variant as fields.

Scores use mteb's names (ndcg@10 -> ndcg_at_10, p@5 -> precision_at_5, hit@10 ->
hit_rate_at_10) and the same trec_eval semantics; `main_score` is the task's (ndcg_at_10 for
MTEB's retrieval tasks), else the suite's first metric. Speed and size go along under
`harness_*` keys, which mteb keeps but does not aggregate. Label metrics have no MTEB
retrieval counterpart and are left out. A task is named as in mteb for `mteb:NAME` datasets,
else by the dataset's label (mteb then loads it only with validation off).
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
from pathlib import Path
from typing import Any

from harness.datasets.mteb import TASKS, get_task
from harness.errors import UserError
from harness.exports.rows import Exported, ResultRow, result_rows, slug
from harness.metrics.ir import parse_metric
from harness.store.runs import RunStore

MTEB_FAMILY = {"ndcg": "ndcg_at", "map": "map_at", "recall": "recall_at", "p": "precision_at",
               "mrr": "mrr_at", "hit": "hit_rate_at"}
# speed and size columns carried along, under harness_<column>
EXTRA = ("knn_recall@10", "qps", "latency_p50_ms", "latency_p99_ms", "bytes_per_doc",
         "code_bytes_per_vector", "index_bytes", "build_s")


def mteb_score_name(name: str) -> str | None:
    """mteb's key of a harness metric ('ndcg@10' -> 'ndcg_at_10'); None for label metrics."""
    m = parse_metric(name)
    family = MTEB_FAMILY.get(m.family)
    return f"{family}_{m.k}" if family else None


def variant(r: ResultRow) -> dict[str, Any]:
    """What sets this row apart from the same model at full precision with exact search
    on the whole corpus."""
    v = {"dim": r.row.get("dim"), "dim_method": r.row.get("dim_method"),
         "precision": r.row.get("precision"), "distance": r.row.get("metric"),
         "index": r.row.get("backend"), "build": r.build_params, "search": r.search_params}
    return v | ({} if r.cell.corpus_size is None else {"corpus_size": r.cell.corpus_size})


def revision(v: dict[str, Any]) -> str:
    """A folder-safe revision naming the variant, e.g. 'd384-float32-cosine-exact';
    'd64-pca-...' when PCA reached the dim (truncation keeps the plain 'd64'), and
    '...-n10000' for a corpus sample of 10000 documents."""
    parts = [f"d{v['dim']}", *(["pca"] if v.get("dim_method") == "pca" else []),
             str(v["precision"]), str(v["distance"]), str(v["index"])]
    parts += [f"{k}{val}" for k, val in sorted({**v["build"], **v["search"]}.items())]
    parts += [f"n{v['corpus_size']}"] if v.get("corpus_size") is not None else []
    return slug("-".join(parts))


def _languages(task: str) -> list[str]:
    """The task's languages as mteb declares them; the built-in table's tasks are English;
    another dataset's language is undetermined ('und-Zyyy'). mteb aggregates over these."""
    if importlib.util.find_spec("mteb") is not None:
        try:
            import mteb

            langs = mteb.get_task(task).metadata.hf_subsets_to_langscripts.get("default")
            if langs:
                return list(langs)
        except Exception:  # a task mteb does not know, or mteb broken: the fallbacks below
            pass
    return ["eng-Latn"] if task in TASKS else ["und-Zyyy"]


def _task(r: ResultRow) -> tuple[str, str, str, str | None]:
    """(task name, dataset revision, split, mteb main score) of the row's dataset."""
    ref = r.cell.dataset_ref
    kind, _, arg = ref.ref.partition(":")
    if kind == "mteb":
        try:
            t = get_task(arg)
            split = ref.split if ref.split in t.splits else t.splits[0]
            return t.name, t.revision, split, t.main_score
        except UserError:
            pass  # a task mteb no longer knows: exported under its own name
    fp = r.row.get("dataset_fingerprint") or ""
    return ref.label, f"harness-{fp}" if fp else "unknown", ref.split, None


def task_result(r: ResultRow, mteb_version: str | None) -> dict[str, Any]:
    """A TaskResult as a dict (the JSON mteb writes), for one result row."""
    name, dataset_revision, split, main = _task(r)
    scores: dict[str, Any] = {}
    for metric in r.cell.evaluate:
        key = mteb_score_name(metric)
        if key is not None and r.row.get(metric) is not None:
            scores[key] = float(r.row[metric])
    if not scores:
        raise ValueError("no retrieval metric (label metrics have no MTEB counterpart)")
    first = mteb_score_name(next(m for m in r.cell.evaluate if mteb_score_name(m)))
    scores["main_score"] = scores.get(main or "", scores[first])
    scores |= {f"harness_{c.replace('@', '_at_')}": float(r.row[c])
               for c in EXTRA if r.row.get(c) is not None}
    return {
        "dataset_revision": dataset_revision, "task_name": name, "mteb_version": mteb_version,
        "scores": {split: [{**scores, "hf_subset": "default", "languages": _languages(name)}]},
        "evaluation_time": None, "kg_co2_emissions": None,
    }


def export_mteb(store: RunStore, out: Path) -> Exported:
    """Write OUT/results/<model>/<variant>/{model_meta.json,<Task>.json} for every ok row."""
    result = Exported(Path(out))
    try:
        mteb_version: str | None = importlib.metadata.version("mteb")
    except importlib.metadata.PackageNotFoundError:
        mteb_version = None
    for r in result_rows(store):
        v = variant(r)
        folder = result.out / "results" / slug(r.cell.model_ref.label) / revision(v)
        try:
            res = task_result(r, mteb_version)
        except ValueError as exc:
            result.skipped.append(f"{r.tag}: {exc}")
            continue
        folder.mkdir(parents=True, exist_ok=True)
        meta = {"name": r.cell.model_ref.label, "revision": folder.name,
                "embed_dim": v["dim"], "harness_variant": v,
                "harness_run": str(store.manifest().get("run_id", ""))}
        (folder / "model_meta.json").write_text(json.dumps(meta, indent=2))
        path = folder / f"{slug(res['task_name'])}.json"
        if path in result.files:  # two models under one label (e.g. different max_length)
            result.skipped.append(f"{r.tag}: same model label and variant as another row")
            continue
        path.write_text(json.dumps(res, indent=2))
        result.files.append(path)
    return result
