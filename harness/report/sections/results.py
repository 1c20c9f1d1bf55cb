"""Sections "Summary" and "Results": per dataset, every configuration with its task metrics
(95% bootstrap CIs over queries), speed, size and the Pareto star; and a card per dataset with
its best and its fastest Pareto-optimal configuration."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from harness.analysis.frontier import pareto_mask
from harness.metrics.costs import COST_COLUMNS, Prices
from harness.metrics.probe_drift import between_cells
from harness.report import html as H
from harness.report.data import SHOWN_AXES, RunData, config_label, params_text
from harness.report.sections.base import ReportContext

# The results table as shown, written as RUN_DIR/report/display.csv: not named results.csv, which
# is the store's raw table one folder up.
DISPLAY_CSV = "display.csv"
# the drift probe's max / min over the run above which qps_normalised stands beside qps: the
# machine's speed, not the configuration, moved the figures by more than 10%
SHOW_NORMALISED = 1.1
SPEED_COLS = (
    "qps", "qps_normalised",  # qps_normalised: only when the machine's speed moved
    "batch_qps", "latency_p50_ms", "latency_p99_ms", "bytes_per_doc", "build_s", "index_mib",
    "peak_rss_mb", "model_load_s", "encode_docs_per_s", *COST_COLUMNS,
)
HEADERS = {
    "qps_normalised": "qps at median speed",
    "model_load_s": "model load s",
    "encode_docs_per_s": "encoded docs/s",
    "usd_per_1m_docs_encoded": "$/1M docs encoded",
    "usd_per_1m_docs_indexed": "$/1M docs indexed",
    "usd_per_1m_queries": "$/1M queries",
    "usd_per_month_ram": "$/month RAM",
    "index_mib": "index MiB",
    "latency_p50_ms": "p50 ms",
    "latency_p99_ms": "p99 ms",
    "bytes_per_doc": "bytes/doc",
    "build_s": "build s",
    "peak_rss_mb": "peak RSS MiB",
    "batch_qps": "batch qps",
}


@dataclass(frozen=True)
class Shown:
    """One dataset's rows (as stored) and its display table."""

    dataset: Any
    main: str | None
    rows: pd.DataFrame
    table: pd.DataFrame


def shown(ctx: ReportContext) -> list[Shown]:
    """The display tables, built once per report (the summary and the results share them) and
    written, all datasets in one file, the first time they are asked for."""

    def make() -> list[Shown]:
        frame = ctx.run.frame
        if frame.empty:
            return []
        out = []
        for dataset in dict.fromkeys(frame["dataset"]):
            sub = frame[frame["dataset"] == dataset]
            main = ctx.mains.get(str(dataset))
            out.append(Shown(dataset, main, sub, _display_frame(ctx.run, sub, main)))
        ctx.offer(DISPLAY_CSV, pd.concat([s.table for s in out], ignore_index=True))
        return out

    return ctx.once("results.shown", make)


def _display_frame(run: RunData, sub: pd.DataFrame, main: str | None) -> pd.DataFrame:
    d = pd.DataFrame(index=sub.index)
    ok = sub["status"].astype(str) == "ok"
    pareto = np.zeros(len(sub), dtype=bool)
    sizes = _sizes(sub)
    if main and main in sub and "qps" in sub:
        objectives_min = ["bytes_per_doc"] if "bytes_per_doc" in sub else []
        for n in sizes.unique():  # one frontier per corpus size: N changes both axes
            mask = (ok & (sizes == n)).to_numpy()
            pareto[mask] = pareto_mask(sub[mask], [main, "qps"], objectives_min)
    d["pareto"] = np.where(pareto, "★", "")
    for c in SHOWN_AXES:
        if c in sub:
            d[c] = sub[c]
    if sizes.nunique() > 1:  # a corpus-size axis: rows differ by N
        d["n_docs"] = sub["n_docs"]
    d["build"] = sub["build_params"].map(params_text) if "build_params" in sub else ""
    d["search"] = sub["search_params"].map(params_text) if "search_params" in sub else ""
    metrics = [m for m in run.task_metrics if m in sub]
    if main in metrics:
        metrics.remove(main)
        metrics.insert(0, main)
    knn = [c for c in sub.columns if str(c).startswith("knn_recall@")]
    for c in [*metrics, *knn]:
        d[c] = pd.to_numeric(sub[c], errors="coerce")
        cis = [run.ci(row, c) if row["status"] == "ok" else None for _, row in sub.iterrows()]
        d[f"{c}_ci_low"] = [ci.low if ci else np.nan for ci in cis]
        d[f"{c}_ci_high"] = [ci.high if ci else np.nan for ci in cis]
    if "index_bytes" in sub:
        sub = sub.assign(index_mib=pd.to_numeric(sub["index_bytes"], errors="coerce") / 2**20)
    moved = between_cells(run.frame) or 1.0
    for c in SPEED_COLS:
        if c in sub and (c != "qps_normalised" or moved > SHOW_NORMALISED):
            d[c] = pd.to_numeric(sub[c], errors="coerce")
    d["status"] = sub["status"].astype(str)
    d["cell_id"] = sub["cell_id"]
    return d.reset_index(drop=True)


class ResultsSection:
    anchor = "results"
    title = "Results"
    order = 36  # the answer (every configuration) before the analysis details

    def render(self, ctx: ReportContext) -> str:
        tables = shown(ctx)
        if not tables:
            return H.notice("warn", "No results yet: no cell has finished.")
        return _prices_note(ctx.run.store.prices()) + "".join(
            _dataset_table(i, s) for i, s in enumerate(tables))


def _prices_note(p: Prices) -> str:
    return (f"<p class='small'>$ columns at ${p.usd_per_hour:g} an hour for {p.cores} cores and "
            f"${p.usd_per_gb_month:.3g} per GiB-month of RAM (the suite's <code>costs:</code>; "
            "queries at the measured single-thread qps times the cores, encoding and builds at "
            "their measured wall time, RAM for what the search holds). Empty where a figure was "
            "not measured (e.g. an encoding read from the cache without its record).</p>")


def _dataset_table(i: int, s: Shown) -> str:
    disp, main = s.table, s.main
    axes = (*(a for a in SHOWN_AXES if a != "dataset"), "n_docs", "build", "search")
    # Axes with one value in every row go to the caption: the table stays narrow.
    constant = [
        c for c in axes if c in disp and len(disp) > 1 and disp[c].astype(str).nunique() == 1
    ]
    cols = [H.Col("pareto", "Pareto", highlight=False)]
    cols += [H.Col(c) for c in axes if c not in constant]
    cols += _measure_columns(disp, main)
    cols.append(H.Col("status", wrap=True))
    # Columns this run never filled (e.g. batch_qps from a runner that does not measure it).
    cols = [c for c in cols if c.key not in disp or _filled(disp[c.key])]
    parts = [
        f"<h3>{H.esc(s.dataset)}</h3><p class='small'>"
        f"{H.esc(_documents(s.rows))} documents, "
        f"{H.esc(_int(_first(s.rows, 'n_queries')))} evaluated queries; main metric "
        f"<b>{H.esc(main or '-')}</b>. ★ = Pareto-optimal (no other configuration has "
        "higher quality and higher qps with no more bytes per document in memory). Green = best in "
        "column; ± = half-width of the 95% bootstrap CI over queries.</p>"
    ]
    same = [
        f"{c} = {disp[c].iloc[0]}"
        for c in constant
        if str(disp[c].iloc[0]) not in ("", "nan", "None")
    ]
    if same:
        parts.append(f"<p class='small'>Same in every row: {H.esc(', '.join(same))}.</p>")
    if "qps_normalised" in disp and _filled(disp["qps_normalised"]):
        parts.append("<p class='small'>The machine's speed moved between cells (the drift "
                     "probe): <i>qps at median speed</i> is qps x the run's median probe "
                     "rate / the row's, each row's qps at the same machine speed.</p>")
    parts.append(
        H.table(
            disp,
            cols,
            table_id=f"results-{i}",
            row_class=lambda r: "failed" if r["status"] != "ok" else "",
        )
    )
    return "".join(parts)


def _measure_columns(disp: pd.DataFrame, main: str | None) -> list[H.Col]:
    """The trade-off first (main metric, recall@10, speed, size), then the other measures."""

    def ci_of(col: str):
        lo, hi = disp[f"{col}_ci_low"].to_numpy(), disp[f"{col}_ci_high"].to_numpy()
        return lambda pos: (lo[pos], hi[pos])

    names = [c.removesuffix("_ci_low") for c in disp.columns if c.endswith("_ci_low")]
    first = [n for n in names if n in (main, "knn_recall@10")]
    cols = [H.Col(n, f"{n} (main)" if n == main else n, ci=ci_of(n)) for n in first]
    cols += [H.Col(c, HEADERS.get(c)) for c in SPEED_COLS[:6]]
    cols += [H.Col(n, ci=ci_of(n)) for n in names if n not in first]
    cols += [H.Col(c, HEADERS.get(c)) for c in SPEED_COLS[6:]]
    return cols


def _filled(col: pd.Series) -> bool:
    return bool((col.notna() & col.astype(str).ne("")).any())


def _sizes(sub: pd.DataFrame) -> pd.Series:
    """Each row's corpus size (one value when the run has no corpus-size axis)."""
    if "n_docs" not in sub:
        return pd.Series(0, index=sub.index)
    return pd.to_numeric(sub["n_docs"], errors="coerce").fillna(0)


def _documents(rows: pd.DataFrame) -> str:
    """'2,089', or '10,000 to 300,000' when the rows span corpus sizes."""
    sizes = _sizes(rows)
    sizes = sizes[sizes > 0]
    if sizes.nunique() > 1:
        return f"{int(sizes.min()):,} to {int(sizes.max()):,} (corpus sizes)"
    return _int(_first(rows, "n_docs"))


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


class SummarySection:
    anchor = "summary"
    title = "Summary"
    order = 10

    def render(self, ctx: ReportContext) -> str:
        tables = shown(ctx)
        if not tables:
            return H.notice("warn", "No results yet.")
        full = pd.concat([s.table for s in tables], ignore_index=True)
        records = [
            _best_of(full, dataset, ctx.mains.get(str(dataset)))
            for dataset in dict.fromkeys(full["dataset"])
        ]
        records = [r for r in records if r is not None]
        if records:
            ctx.offer("summary.csv", pd.DataFrame(records))
        return f"<div class='cards'>{''.join(_card(r) for r in records)}</div>"


def _best_of(full: pd.DataFrame, dataset: Any, main: str | None) -> dict[str, Any] | None:
    """One dataset's best configuration and its fastest Pareto-optimal one."""
    sub = full[(full["dataset"] == dataset) & (full["status"] == "ok")]
    if not main or main not in sub or sub[main].dropna().empty:
        return None
    best = sub.loc[sub[main].idxmax()]
    fastest = sub[sub["pareto"] == "★"]
    fastest = fastest.loc[fastest["qps"].idxmax()] if "qps" in fastest and len(fastest) else None
    return {
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


def _card(rec: dict[str, Any]) -> str:
    main = rec["main_metric"]
    ci = ""
    if not H.is_missing(rec["best_ci_low"]):
        lo, hi = rec["best_ci_low"], rec["best_ci_high"]
        ci = f" <span class='ci'>95% CI [{lo:.4f}, {hi:.4f}]</span>"
    fast = ""
    if rec["fastest_pareto_config"] is not None:
        fast = (
            f"<div class='label'>fastest Pareto configuration</div>"
            f"<div>{H.esc(rec['fastest_pareto_config'])}</div>"
            f"<div class='label'>{H.esc(main)} {H.fmt(main, rec['fastest_pareto_value'])} at "
            f"{H.fmt('qps', rec['fastest_pareto_qps'])} queries/s</div>"
        )
    return (
        f"<div class='card'><div class='label'>{H.esc(rec['dataset'])} — best {H.esc(main)}</div>"
        f"<div class='big'>{H.fmt(main, rec['best_value'])}{ci}</div>"
        f"<div>{H.esc(rec['best_config'])}</div>"
        f"<div class='label'>{H.fmt('qps', rec['best_qps'])} queries/s</div>{fast}</div>"
    )
