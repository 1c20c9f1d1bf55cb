"""`harness report RUN_DIR`: RUN_DIR/report.html (one self-contained file) and report/*.csv."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from harness import stats
from harness.analysis.frontier import pareto_mask
from harness.fsutil import atomic_write_text
from harness.metrics.columns import ZERO_MEANS_NONE
from harness.report import html as H
from harness.report import plots
from harness.report.analysis_html import analysis_section
from harness.report.data import RunData, config_label, params_text

log = logging.getLogger("harness")

TABLE_DIR = "report"
DRILL_CONFIGS = 6  # configurations offered in the drill-down
DRILL_QUERIES = 12  # queries shown per configuration
DRILL_DOCS = 5  # relevant documents shown per query
SNIPPET = 320  # characters of a document shown
EXTRA_AXES = ("dim_method",)
SPEED_COLS = (
    "qps",
    "batch_qps",
    "latency_p50_ms",
    "latency_p99_ms",
    "bytes_per_vector",
    "build_s",
    "index_mib",
    "peak_rss_mb",
)


@dataclass(frozen=True)
class ReportResult:
    html: Path
    tables: list[Path]


def build_report(run_dir: str | Path, *, texts: Any = None) -> ReportResult:
    """Write RUN_DIR/report.html and the CSV tables it shows (RUN_DIR/report/*.csv).

    texts=False leaves dataset texts out of the drill-down (no dataset is loaded).
    """
    run = RunData.load(run_dir)
    tables_dir = run.dir / TABLE_DIR
    tables_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []

    def save(name: str, frame: pd.DataFrame) -> str:
        path = tables_dir / name
        atomic_write_text(path, frame.to_csv(index=False))
        written.append(path)
        return f"{TABLE_DIR}/{name}"

    sections: list[tuple[str, str, str]] = []  # (anchor, title, html)
    frame = run.frame
    mains = {str(d): run.main_metric(str(d)) for d in frame.get("dataset", pd.Series()).unique()}

    sections.append(("problems", "Skipped and errors", _problems(run, save)))
    table_html, full = _results(run, mains)
    links = [save("results.csv", full)] if not full.empty else []
    summary_html, summary = _summary(run, mains, full)
    if not summary.empty:
        links.append(save("summary.csv", summary))
    sections.insert(0, ("summary", "Summary", summary_html))
    sections.append(("plots", "Plots", _plots(run, mains)))
    sections.append(("analysis", "Analysis", analysis_section(run.dir, save)))
    sections.append(("results", "Results", table_html))
    drill_html, drill = _drilldown(run, mains, texts=texts)
    if not drill.empty:
        links.append(save("drilldown.csv", drill))
    sections.append(("drilldown", "Per-query drill-down", drill_html))
    files = "".join(f'<li><a href="{H.esc(x)}">{H.esc(x)}</a></li>' for x in links)
    sections.append(
        (
            "files",
            "Files",
            f"<p>The tables above as CSV (next to this file):</p><ul>{files}</ul>"
            "<p class='small'>Raw results: <a href='results.csv'>results.csv</a>, "
            "results.parquet, cells/*.json, perquery/*.npz, log.</p>",
        )
    )
    body = [_header(run)]
    body.append(
        '<nav class="toc">'
        + "".join(f'<a href="#{a}">{H.esc(t)}</a>' for a, t, _ in sections)
        + "</nav>"
    )
    for anchor, title, content in sections:
        body.append(f'<section id="{anchor}"><h2>{H.esc(title)}</h2>{content}</section>')
    out = run.dir / "report.html"
    atomic_write_text(out, H.page(f"Report {run.run_id}", "\n".join(body)))
    return ReportResult(out, written)


# --- header, skipped and errors -------------------------------------------------------------


def _header(run: RunData) -> str:
    m = run.manifest
    suite = run.suite
    frame = run.frame
    n_rows = len(frame)
    n_failed = int((frame["status"].astype(str) != "ok").sum()) if n_rows else 0
    libs = ", ".join(f"{k} {v}" for k, v in (m.get("libraries") or {}).items())
    blas = "; ".join(
        f"{b.get('internal_api')} {b.get('version')} ({b.get('num_threads')} threads)"
        for b in m.get("blas") or []
    )
    planned = len(m.get("cell_ids") or [])
    finished = len(run.cells)
    lead = H.esc(suite.get("description") or "")
    return (
        f"<h1>Run report: {H.esc(run.run_id)}</h1>"
        + (f'<p class="lead">{lead}</p>' if lead else "")
        + H.meta_block(
            [
                (
                    "Suite",
                    [
                        ("name", m.get("suite_name") or suite.get("name")),
                        ("file", m.get("suite_file")),
                        ("suite sha256", (m.get("suite_sha256") or "")[:16]),
                        (
                            "cells",
                            f"{finished} finished of {planned} planned, "
                            f"{len(m.get('skipped') or [])} skipped by the plan",
                        ),
                        ("result rows", f"{n_rows} ({n_failed} failed)"),
                    ],
                ),
                (
                    "Date",
                    [
                        ("started", H.when(m.get("first_started_at") or m.get("started_at"))),
                        (
                            "last resumed",
                            H.when(m.get("started_at")) if m.get("first_started_at") else None,
                        ),
                        ("finished", H.when(m.get("finished_at")) or "not finished"),
                    ],
                ),
                (
                    "Machine",
                    [
                        ("CPU", f"{m.get('cpu_model', '?')} ({m.get('cpu_count', '?')} cores)"),
                        ("platform", m.get("platform")),
                        ("search threads", m.get("threads")),
                        ("BLAS", blas),
                        (
                            "thread env",
                            ", ".join(f"{k}={v}" for k, v in (m.get("env_threads") or {}).items()),
                        ),
                    ],
                ),
                (
                    "Versions",
                    [
                        ("harness", m.get("harness_version")),
                        ("git", m.get("git_sha")),
                        ("python", m.get("python")),
                        ("libraries", libs),
                    ],
                ),
            ]
        )
    )


def _problems(run: RunData, save) -> str:
    m = run.manifest
    parts = []
    skipped = pd.DataFrame(m.get("skipped") or [], columns=["cell", "reason"])
    missing = [
        {"cell": label, "reason": "not run (interrupted, or left out by --only)"}
        for cid, label in (m.get("cells") or {}).items()
        if cid not in run.cells
    ]
    if missing:
        skipped = pd.concat([skipped, pd.DataFrame(missing)], ignore_index=True)
    if skipped.empty:
        parts.append(H.notice("ok", "Nothing was skipped: every planned cell ran."))
    else:
        link = save("skipped.csv", skipped)
        parts.append(f"<h3>Skipped ({len(skipped)}) <a class='small' href='{link}'>csv</a></h3>")
        parts.append(
            H.table(
                skipped,
                [H.Col("cell"), H.Col("reason", wrap=True)],
                table_id="skipped",
                filter_box=len(skipped) > 8,
            )
        )
    frame = run.frame
    failed = frame[frame["status"].astype(str) != "ok"] if not frame.empty else frame
    if failed.empty:
        parts.append(H.notice("ok", "No errors: every cell that ran succeeded."))
    else:
        errs = pd.DataFrame(
            {
                "cell": [run.cells.get(str(c), {}).get("label", c) for c in failed["cell_id"]],
                "error": failed["status"].astype(str).str.removeprefix("error: "),
            }
        )
        link = save("errors.csv", errs)
        parts.append(
            f"<h3>Errors ({len(errs)}) <a class='small' href='{link}'>csv</a></h3>"
            + H.notice("error", f"{len(errs)} cell(s) failed; the other cells still ran.")
            + H.table(
                errs,
                [H.Col("cell"), H.Col("error", wrap=True)],
                table_id="errors",
                filter_box=len(errs) > 8,
            )
        )
        tb = _log_errors(run.store.log_path)
        if tb:
            parts.append(
                f"<details><summary>Tracebacks from the log</summary><pre>{H.esc(tb)}</pre>"
                "</details>"
            )
    return "".join(parts)


def _log_errors(path: Path, limit: int = 30000) -> str:
    """The ERROR records of the run's log (with their continuation lines)."""
    if not path.is_file():
        return ""
    out, keep = [], False
    for line in path.read_text(errors="replace").splitlines():
        if line[:4].isdigit() and " " in line:  # a new record "2024-.. LEVEL message"
            keep = " ERROR " in line
        if keep:
            out.append(line)
    text = "\n".join(out)
    return text[-limit:]


# --- results tables -------------------------------------------------------------------------


def _display_frame(run: RunData, sub: pd.DataFrame, main: str | None) -> pd.DataFrame:
    d = pd.DataFrame(index=sub.index)
    ok = sub["status"].astype(str) == "ok"
    pareto = np.zeros(len(sub), dtype=bool)
    if main and main in sub and "qps" in sub:
        objectives_min = ["bytes_per_vector"] if "bytes_per_vector" in sub else []
        pareto[ok.to_numpy()] = pareto_mask(sub[ok], [main, "qps"], objectives_min)
    d["pareto"] = np.where(pareto, "★", "")
    for c in ("dataset", "model", "dim", *EXTRA_AXES, "precision", "metric", "backend"):
        if c in sub:
            d[c] = sub[c]
    d["build"] = sub["build_params"].map(params_text) if "build_params" in sub else ""
    d["search"] = sub["search_params"].map(params_text) if "search_params" in sub else ""
    metrics = [m for m in run.task_metrics if m in sub]
    if main in metrics:
        metrics.remove(main)
        metrics.insert(0, main)
    knn = [c for c in sub.columns if str(c).startswith("knn_recall@")]
    for c in [*metrics, *knn]:
        d[c] = pd.to_numeric(sub[c], errors="coerce")
        lo, hi = [], []
        for _, row in sub.iterrows():
            ci = run.ci(row, c) if row["status"] == "ok" else None
            lo.append(ci.low if ci else np.nan)
            hi.append(ci.high if ci else np.nan)
        d[f"{c}_ci_low"] = lo
        d[f"{c}_ci_high"] = hi
    if "index_bytes" in sub:
        sub = sub.assign(index_mib=pd.to_numeric(sub["index_bytes"], errors="coerce") / 2**20)
    for c in SPEED_COLS:
        if c in sub:
            d[c] = pd.to_numeric(sub[c], errors="coerce")
    d["status"] = sub["status"].astype(str)
    d["cell_id"] = sub["cell_id"]
    return d.reset_index(drop=True)


def _results(run: RunData, mains: dict[str, str | None]) -> tuple[str, pd.DataFrame]:
    frame = run.frame
    if frame.empty:
        return H.notice("warn", "No results yet: no cell has finished."), pd.DataFrame()
    parts, fulls = [], []
    for i, dataset in enumerate(dict.fromkeys(frame["dataset"])):
        sub = frame[frame["dataset"] == dataset]
        main = mains.get(str(dataset))
        disp = _display_frame(run, sub, main)
        fulls.append(disp)
        metric_cols = [c for c in disp.columns if c.endswith("_ci_low")]

        def ci_of(col, frame=disp):
            lo, hi = frame[f"{col}_ci_low"].to_numpy(), frame[f"{col}_ci_high"].to_numpy()
            return lambda pos: (lo[pos], hi[pos])

        cols = [H.Col("pareto", "Pareto", highlight=False)]
        axes = ("model", "dim", *EXTRA_AXES, "precision", "metric", "backend", "build", "search")
        # Axes with one value in every row go to the caption: the table stays narrow.
        constant = [
            c for c in axes if c in disp and len(disp) > 1 and disp[c].astype(str).nunique() == 1
        ]
        cols += [H.Col(c) for c in axes if c not in constant]
        headers = {
            "index_mib": "index MiB",
            "latency_p50_ms": "p50 ms",
            "latency_p99_ms": "p99 ms",
            "bytes_per_vector": "bytes/vector",
            "build_s": "build s",
            "peak_rss_mb": "peak RSS MiB",
            "batch_qps": "batch qps",
        }
        names = [c.removesuffix("_ci_low") for c in metric_cols]
        # The trade-off first (main metric, recall@10, speed, size), then the other measures.
        first = [n for n in names if n in (main, "knn_recall@10")]
        for name in first:
            header = f"{name} (main)" if name == main else name
            cols.append(H.Col(name, header, ci=ci_of(name)))
        cols += [H.Col(c, headers.get(c)) for c in SPEED_COLS[:5]]
        cols += [H.Col(n, ci=ci_of(n)) for n in names if n not in first]
        cols += [H.Col(c, headers.get(c)) for c in SPEED_COLS[5:]]
        cols.append(H.Col("status", wrap=True))
        # Columns this run never filled (e.g. batch_qps from a runner that does not measure it).
        cols = [c for c in cols if c.key not in disp or _filled(disp[c.key])]
        n_docs = _first(sub, "n_docs")
        n_q = _first(sub, "n_queries")
        parts.append(
            f"<h3>{H.esc(dataset)}</h3><p class='small'>{H.esc(_int(n_docs))} documents, "
            f"{H.esc(_int(n_q))} evaluated queries; main metric "
            f"<b>{H.esc(main or '-')}</b>. ★ = Pareto-optimal (no other configuration has "
            "higher quality and higher qps with no more bytes per vector). Green = best in "
            "column; ± = half-width of the 95% bootstrap CI over queries.</p>"
        )
        same = [
            f"{c} = {disp[c].iloc[0]}"
            for c in constant
            if str(disp[c].iloc[0]) not in ("", "nan", "None")
        ]
        if same:
            parts.append(f"<p class='small'>Same in every row: {H.esc(', '.join(same))}.</p>")
        parts.append(
            H.table(
                disp,
                cols,
                table_id=f"results-{i}",
                row_class=lambda r: "failed" if r["status"] != "ok" else "",
            )
        )
    return "".join(parts), pd.concat(fulls, ignore_index=True)


def _filled(col: pd.Series) -> bool:
    return bool((col.notna() & col.astype(str).ne("")).any())


def _first(frame: pd.DataFrame, col: str) -> Any:
    if col not in frame:
        return None
    v = frame[col].dropna()
    return v.iloc[0] if len(v) else None


def _int(v: Any) -> str:
    try:
        return f"{int(v):,}"
    except (TypeError, ValueError):
        return "?"


def _summary(
    run: RunData, mains: dict[str, str | None], full: pd.DataFrame
) -> tuple[str, pd.DataFrame]:
    if full.empty:
        return H.notice("warn", "No results yet."), pd.DataFrame()
    cards, rows = [], []
    for dataset in dict.fromkeys(full["dataset"]):
        main = mains.get(str(dataset))
        sub = full[(full["dataset"] == dataset) & (full["status"] == "ok")]
        if not main or main not in sub or sub[main].dropna().empty:
            continue
        best = sub.loc[sub[main].idxmax()]
        fastest = sub[sub["pareto"] == "★"]
        fastest = (
            fastest.loc[fastest["qps"].idxmax()] if "qps" in fastest and len(fastest) else None
        )
        rec = {
            "dataset": dataset,
            "main_metric": main,
            "best_config": config_label(best),
            "best_value": best[main],
            "best_ci_low": best.get(f"{main}_ci_low"),
            "best_ci_high": best.get(f"{main}_ci_high"),
            "best_qps": best.get("qps"),
            "fastest_pareto_config": None if fastest is None else config_label(fastest),
            "fastest_pareto_value": None if fastest is None else fastest[main],
            "fastest_pareto_qps": None if fastest is None else fastest.get("qps"),
            "n_configs": len(sub),
            "n_pareto": int((sub["pareto"] == "★").sum()),
        }
        rows.append(rec)
        ci = ""
        if not H.is_missing(rec["best_ci_low"]):
            lo, hi = rec["best_ci_low"], rec["best_ci_high"]
            ci = f" <span class='ci'>95% CI [{lo:.4f}, {hi:.4f}]</span>"
        fast = ""
        if fastest is not None:
            fast = (
                f"<div class='label'>fastest Pareto configuration</div>"
                f"<div>{H.esc(rec['fastest_pareto_config'])}</div>"
                f"<div class='label'>{H.esc(main)} {H.fmt(main, rec['fastest_pareto_value'])} at "
                f"{H.fmt('qps', rec['fastest_pareto_qps'])} queries/s</div>"
            )
        cards.append(
            f"<div class='card'><div class='label'>{H.esc(dataset)} — best {H.esc(main)}</div>"
            f"<div class='big'>{H.fmt(main, rec['best_value'])}{ci}</div>"
            f"<div>{H.esc(rec['best_config'])}</div>"
            f"<div class='label'>{H.fmt('qps', rec['best_qps'])} queries/s</div>{fast}</div>"
        )
    return f"<div class='cards'>{''.join(cards)}</div>", pd.DataFrame(rows)


# --- plots ----------------------------------------------------------------------------------


def _plots(run: RunData, mains: dict[str, str | None]) -> str:
    if not plots.available():
        return H.notice("warn", "Plots need matplotlib: pip install matplotlib")
    ok = run.ok
    if ok.empty:
        return H.notice("warn", "No successful rows to plot.")
    main = {k: v for k, v in mains.items() if v}
    figs = []
    builders = [
        ("speed", lambda s: plots.speed_views(ok, main, s)),
        ("compression", lambda s: plots.compression_view(ok, main, s)),
        ("matryoshka", lambda s: plots.matryoshka_view(ok, main, s)),
        ("build", lambda s: plots.build_view(ok, s)),
        ("funnel", lambda s: plots.funnel_view(_funnel(run), s)),
    ]
    missing = []
    for key, make in builders:
        try:
            p = make(f"{run.run_id}-{key}")
        except Exception as exc:  # a plot must never sink the report
            log.warning("report: plot %s failed: %s", key, exc)
            missing.append(f"{key} (failed: {type(exc).__name__}: {exc})")
            continue
        if p is None:
            missing.append(_why_missing(key))
            continue
        figs.append(H.figure(p.svg, p.title, p.caption, f"plot-{p.key}"))
    note = ""
    if missing:
        note = "<p class='small'>Not shown: " + "; ".join(H.esc(m) for m in missing) + ".</p>"
    return "".join(figs) + note


def _why_missing(key: str) -> str:
    return {
        "matryoshka": "Matryoshka curves (need two or more dims of one model)",
        "funnel": "funnel waterfall (no funnel results in this run folder)",
        "compression": "compression view (needs bytes_per_vector and a task metric)",
    }.get(key, f"{key} view (missing columns)")


def _funnel(run: RunData) -> pd.DataFrame | None:
    """The analysis funnel's table when the run folder has one (funnel.csv / .parquet)."""
    for name in ("funnel.parquet", "funnel.csv"):
        path = run.dir / name
        if path.is_file():
            try:
                return pd.read_parquet(path) if name.endswith("parquet") else pd.read_csv(path)
            except Exception:
                continue
    frame = run.ok
    if {"ideal", "observed", "embedding_loss"} <= set(frame.columns):
        return frame
    return None


# --- drill-down -----------------------------------------------------------------------------


def _is_native(run: RunData, rows: pd.DataFrame) -> pd.Series:
    """Whether each row searched the model's native dimension."""
    if "dim_method" in rows and rows["dim_method"].notna().any():
        return rows["dim_method"].astype(str) == "native"
    recorded = [run.cells.get(str(c), {}) for c in rows["cell_id"]]
    if all("dim" in c for c in recorded):
        return pd.Series([c["dim"] is None for c in recorded], index=rows.index)
    # Older runs: the largest dim run for the model stands for its native one.
    dims = pd.to_numeric(rows["dim"], errors="coerce")
    return dims == dims.max()


def _reference_for(
    run: RunData, ok: pd.DataFrame, row: pd.Series, main: str
) -> tuple[pd.Series, str] | None:
    """Exact float32 search with the same dataset, model and distance, at the model's native
    dim (else at the row's dim) when the run has it; else (or for that exact cell itself) the
    dataset's best configuration."""
    same = ok[
        (ok["dataset"] == row["dataset"])
        & (ok["model"] == row["model"])
        & (ok["metric"] == row["metric"])
        & (ok["backend"] == "exact")
        & (ok["precision"] == "float32")
    ]
    if "search_params" in same:
        same = same[same["search_params"].map(lambda s: "rescore" not in str(s))]
    if len(same):
        native = same[_is_native(run, same)]
        at_dim = same[pd.to_numeric(same["dim"], errors="coerce") == float(row["dim"])]
        for refs, kind in (
            (native, "exact float32 search at the native dim"),
            (at_dim, "exact float32 search at the same dim"),
        ):
            if len(refs):
                ref = refs.iloc[0]
                if ref.name != row.name:
                    return ref, kind
                break  # the row is its own exact reference: compare with the dataset's best
    cands = ok[(ok["dataset"] == row["dataset"]) & (ok.index != row.name)]
    cands = cands[pd.to_numeric(cands[main], errors="coerce").notna()]
    if cands.empty:
        return None
    ref = cands.loc[pd.to_numeric(cands[main], errors="coerce").idxmax()]
    if float(ref[main]) < float(row[main]):
        return None  # the row itself is the best: nothing to lose against
    return ref, "the best configuration of this dataset"


def _aligned(run: RunData, a: pd.Series, b: pd.Series, metric: str):
    va, vb = run.values(a, metric), run.values(b, metric)
    if va is None or vb is None:
        return None
    ids_a, xa = va
    ids_b, xb = vb
    if len(ids_a) == len(ids_b) and np.array_equal(ids_a, ids_b):
        return ids_a, xa, xb
    pos = {q: i for i, q in enumerate(ids_b)}
    keep = [i for i, q in enumerate(ids_a) if q in pos]
    return ids_a[keep], xa[keep], xb[[pos[ids_a[i]] for i in keep]]


class _Texts:
    """Dataset texts for the drill-down, loaded once per dataset reference."""

    def __init__(self, run: RunData, source: Any) -> None:
        self.run, self.source, self.enabled = run, source, source is not None
        self.memo: dict[str, Any] = {}
        self.problem: dict[str, str] = {}

    def get(self, row: pd.Series):
        if not self.enabled:
            return None
        got = self.run.cell_dataset_ref(str(row["cell_id"]))
        if got is None:
            self.problem[str(row["dataset"])] = "the run does not record the dataset reference"
            return None
        ref, seed = got
        key = json.dumps([ref, seed], sort_keys=True, default=str)
        if key not in self.memo:
            self.memo[key] = self._load(ref, seed, row)
        return self.memo[key]

    def _load(self, ref: dict, seed: int, row: pd.Series):
        try:
            ds = self.source.load_dataset(ref, seed)
        except Exception as exc:
            self.problem[str(row["dataset"])] = f"could not load it again ({exc})"
            return None
        fp = str(row.get("dataset_fingerprint") or "")
        if fp and not ds.fingerprint.startswith(fp):
            self.problem[str(row["dataset"])] = (
                "its content changed since the run (fingerprint differs); texts not shown"
            )
            return None
        if not ds.is_text:
            return None
        return {
            "queries": dict(zip(ds.query_ids, ds.queries, strict=True)),
            "docs": dict(zip(ds.doc_ids, ds.docs, strict=True)),
            "qrels": ds.qrels or {},
        }




def _found_status(run: RunData, row: pd.Series, qpos: int, n_rel: int | None) -> tuple[str, str]:
    """What the per-query metric values say about where the relevant documents of one query
    are (retrieved lists are not stored, but a zero or a full recall at k is conclusive)."""
    pq = run.perquery(str(row["cell_id"]))
    s = int(row["_setting"])
    none_in, all_in, partial = 0, None, None
    stored = pq.settings[s].values if pq is not None and s < len(pq.settings) else {}
    for key, vals in stored.items():
        fam, _, k = key.partition("@")
        if fam not in ZERO_MEANS_NONE or not k.isdigit() or qpos >= len(vals):
            continue
        v, k = float(vals[qpos]), int(k)
        if v == 0:
            none_in = max(none_in, k)
        elif fam in ("recall", "r"):
            if v >= 1 - 1e-9:
                all_in = min(all_in or 10**9, k)
            else:
                partial = (k, v)
    if none_in and not all_in:
        return "missed", f"missed: not in the top {none_in}"
    if none_in and all_in:
        return "missed", f"not in the top {none_in}, found in the top {all_in}"
    if all_in:
        return "found", f"found in the top {all_in}"
    if partial:
        k, v = partial
        found = f"{round(v * n_rel)} of {n_rel}" if n_rel else f"{v:.0%}"
        return "", f"{found} found in the top {k}"
    return "", ""


def _top_ids(run: RunData, row: pd.Series, qid: str) -> list[str] | None:
    """The first document ids the row's configuration returned for a query, when stored."""
    pq = run.perquery(str(row["cell_id"]))
    return None if pq is None else pq.top_ids(int(row["_setting"]), qid)


def _drilldown(
    run: RunData, mains: dict[str, str | None], *, texts: Any
) -> tuple[str, pd.DataFrame]:
    ok = run.ok
    if ok.empty:
        return H.notice("warn", "No successful rows."), pd.DataFrame()
    cands = []
    for _, row in ok.iterrows():
        main = mains.get(str(row["dataset"]))
        if not main or main not in row or H.is_missing(row[main]):
            continue
        ref = _reference_for(run, ok, row, main)
        if ref is None:
            continue
        aligned = _aligned(run, ref[0], row, main)
        if aligned is None or len(aligned[0]) == 0:
            continue
        ids, x_ref, x_row = aligned
        cands.append((float(np.mean(x_ref - x_row)), row, ref, main, ids, x_ref, x_row))
    if not cands:
        return (
            H.notice(
                "warn",
                "No configuration to drill into: it needs two configurations of a dataset "
                "with per-query results (one is taken as the reference).",
            ),
            pd.DataFrame(),
        )
    cands.sort(key=lambda c: -c[0])
    cands = cands[:DRILL_CONFIGS]
    loader = _Texts(run, texts)
    parts = [
        "<p>For each configuration below (largest mean loss first), the queries that lost the "
        "most against the reference: exact float32 search at the model's native dim with the "
        "same distance when the run has it, otherwise the dataset's best configuration. "
        "Difference CI: paired bootstrap 95%; p: paired randomization test.</p>"
    ]
    records = []
    for n, (_loss, row, (ref, ref_kind), main, ids, x_ref, x_row) in enumerate(cands):
        res = stats.paired_compare(x_ref, x_row, n_boot=1000, n_perm=2000, seed=0)
        data = loader.get(row)
        order = np.argsort(-(x_ref - x_row), kind="stable")
        order = [i for i in order if x_ref[i] - x_row[i] > 0][:DRILL_QUERIES]
        row_ids = run.values(row, main)
        qpos_of = {q: i for i, q in enumerate(row_ids[0])} if row_ids else {}
        items = []
        for i in order:
            qid = str(ids[i])
            rec = {
                "config": config_label(row, with_dataset=True),
                "reference": config_label(ref, with_dataset=True),
                "metric": main,
                "query_id": qid,
                "reference_value": x_ref[i],
                "config_value": x_row[i],
                "loss": x_ref[i] - x_row[i],
                "query_text": None,
                "relevant_docs": None,
            }
            qtext = data["queries"].get(qid) if data else None
            rec["query_text"] = qtext
            docs_html = ""
            qpos = qpos_of.get(ids[i])
            rel = []
            if data:
                rel = sorted(
                    ((d, g) for d, g in data["qrels"].get(qid, {}).items() if g > 0),
                    key=lambda t: (-t[1], t[0]),
                )
            tag_cls, tag_text = ("", "")
            if qpos is not None:
                tag_cls, tag_text = _found_status(run, row, qpos, len(rel) or None)
            if data:
                rec["relevant_docs"] = " ".join(d for d, _ in rel)
                top = _top_ids(run, row, qid)
                lis = []
                for did, grade in rel[:DRILL_DOCS]:
                    text = data["docs"].get(did, "")
                    snippet = text[:SNIPPET] + ("…" if len(text) > SNIPPET else "")
                    where = ""
                    if top is not None:
                        where = (f"<span class='tag found'>rank {top.index(did) + 1}</span>"
                                 if did in top else
                                 f"<span class='tag missed'>missed (not in top {len(top)})"
                                 "</span>")
                    lis.append(
                        f"<li><span class='tag'>grade {int(grade)}</span>{where}"
                        f"<code>{H.esc(did)}</code> {H.esc(snippet)}</li>"
                    )
                more = len(rel) - DRILL_DOCS
                if more > 0:
                    lis.append(f"<li class='small'>… and {more} more relevant documents</li>")
                docs_html = f"<ul>{''.join(lis)}</ul>"
                relevant = {d for d, _ in rel}
                instead = [d for d in (top or []) if d not in relevant][:DRILL_DOCS]
                if instead:
                    got = "".join(
                        f"<li><span class='tag'>rank {top.index(d) + 1}</span>"
                        f"<code>{H.esc(d)}</code> "
                        f"{H.esc(data['docs'].get(d, '')[:SNIPPET])}…</li>"
                        for d in instead
                    )
                    docs_html += f"<div class='small'>retrieved instead:</div><ul>{got}</ul>"
            count = (
                f"{len(rel)} relevant document{'s' if len(rel) != 1 else ''}"
                if rel
                else "relevant documents"
            )
            tag = (
                f" — with this configuration: <span class='tag {tag_cls}'>{H.esc(tag_text)}</span>"
                if tag_text
                else ""
            )
            docs_html = f"<div class='small'>{count}{tag}</div>{docs_html}"
            rec["found"] = tag_text
            records.append(rec)
            items.append(
                f"<div class='q'><div><code>{H.esc(qid)}</code> "
                f"<span class='qtext'>{H.esc(qtext if qtext is not None else '')}</span></div>"
                f"<div class='vals'>{H.esc(main)}: reference {x_ref[i]:.4f} → this "
                f"{x_row[i]:.4f} (loss {x_ref[i] - x_row[i]:.4f})</div>{docs_html}</div>"
            )
        note = ""
        problem = loader.problem.get(str(row["dataset"]))
        if texts and problem:
            note = H.notice(
                "warn", f"Texts of {H.esc(row['dataset'])} not shown: {H.esc(problem)}."
            )
        elif not texts:
            note = H.notice("warn", "Texts left out (report built without dataset texts).")
        lost = sum(1 for i in range(len(ids)) if x_ref[i] > x_row[i])
        won = sum(1 for i in range(len(ids)) if x_ref[i] < x_row[i])
        summary = (
            f"{H.esc(config_label(row, with_dataset=True))} — {H.esc(main)} "
            f"{res.mean_b:.4f} vs {res.mean_a:.4f} (Δ {res.diff.mean:+.4f})"
        )
        body = (
            f"<p>Reference: <b>{H.esc(config_label(ref, with_dataset=True))}</b> "
            f"({H.esc(ref_kind)}). Over {res.n} queries: {lost} lost, {won} gained, "
            f"{res.n - lost - won} unchanged; mean difference {res.diff.mean:+.4f} "
            f"(95% CI [{res.diff.low:+.4f}, {res.diff.high:+.4f}], p = "
            f"{H.fmt('p_value', res.p_value)}).</p>{note}"
            + ("".join(items) if items else "<p>No query lost anything.</p>")
        )
        parts.append(
            f"<details{' open' if n == 0 else ''}><summary>{summary}</summary>{body}</details>"
        )
    return "".join(parts), pd.DataFrame(records)
