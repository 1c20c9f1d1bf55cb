"""`harness leaderboard RESULTS_DIR`: every run under a folder merged into one ranking per dataset.

Rows are grouped by (dataset, dataset_fingerprint): the same dataset name with different
content (another subsample, another version) gets its own ranking, with a warning. Within a
group, the best configuration per model x dim x dim method (truncation and PCA are two
entries) x precision x backend (over distances, parameters, runs) is ranked by the group's
main task metric. Other harness versions or machines are flagged, never silently mixed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from harness.analysis import stats
from harness.analysis.rules import RuleInput, apply_rule, rule_of
from harness.errors import UserError
from harness.fsutil import atomic_write_text
from harness.report import html as H
from harness.report import plots
from harness.report.board_speed import vs_next
from harness.report.data import EXTRA_AXES, RunData, config_label, find_runs, params_text
from harness.report.text import leaderboard_text

GROUP = ("dataset", "dataset_fingerprint")
# dim_method is part of the entry (empty in runs that predate it)
ENTRY = ("model", "dim", *EXTRA_AXES, "precision", "backend")


@dataclass
class Leaderboard:
    table: pd.DataFrame  # one row per entry, all groups, ranked
    runs: pd.DataFrame  # the runs that were merged
    warnings: list[str] = field(default_factory=list)
    html_path: Path | None = None
    csv_path: Path | None = None
    rule: str = rule_of(None).name  # the ranking rule (harness.analysis.rules)

    def text(self) -> str:
        """The leaderboard as plain text for the terminal (within 100 columns)."""
        return leaderboard_text(self.table, self.warnings, self.rule)


def _run_frame(run: RunData) -> pd.DataFrame:
    df = run.ok.copy()
    if df.empty:
        return df
    m = run.manifest
    df["run_id"] = run.run_id
    df["suite"] = m.get("suite_name") or run.suite.get("name") or ""
    df["harness_version"] = str(m.get("harness_version") or "unknown")
    df["cpu_model"] = str(m.get("cpu_model") or "unknown")
    df["run_started"] = str(m.get("first_started_at") or m.get("started_at") or "")
    df["_run_dir"] = str(run.dir)
    df["_main"] = df["dataset"].map(lambda d: run.main_metric(str(d)))
    if "dataset_fingerprint" not in df:
        df["dataset_fingerprint"] = "unknown"
    df["dataset_fingerprint"] = df["dataset_fingerprint"].fillna("unknown").astype(str)
    return df


def _group_metric(g: pd.DataFrame, wanted: str | None) -> str | None:
    if wanted:
        return wanted if wanted in g and g[wanted].notna().any() else None
    # The main metric the runs declare; when they disagree, the most common one that every
    # run of the group measured (else the most common).
    counts = g["_main"].dropna().value_counts()
    for name in counts.index:
        if name in g and g.groupby("run_id")[name].apply(lambda s: s.notna().any()).all():
            return str(name)
    for name in counts.index:
        if name in g and g[name].notna().any():
            return str(name)
    return None


KEEP = [
    "dataset", "dataset_fingerprint", "main_metric", "rank", *ENTRY, "metric", "params", "value",
    "ci_low", "ci_high", "knn_recall@10", "qps", "latency_p99_ms", "bytes_per_doc",
    "index_bytes", "build_s", "usd_per_1m_queries", "usd_per_month_ram", "run_id", "suite",
    "harness_version", "cpu_model", "flag", "config", "rule", "rule_note", "vs_next",
]  # fmt: skip


def build(
    results_dir: str | Path,
    *,
    dataset: str | None = None,
    metric: str | None = None,
    output: str | Path | None = None,
    write: bool = True,
    rule: str | None = None,
) -> Leaderboard:
    """Merge every run under results_dir; write leaderboard.html and leaderboard.csv.
    `rule` names the ranking rule (harness.analysis.rules; None = the default)."""
    rule = rule_of(rule).name
    root = Path(results_dir)
    runs = {str(p): RunData.load(p) for p in find_runs(root)}
    frames = [f for f in (_run_frame(r) for r in runs.values()) if not f.empty]
    run_table = _run_table(runs, root)
    if not frames:
        why = (f"no finished rows in the {len(runs)} run(s) under {root}" if runs else
               f"no runs under {root}: `harness run SUITE --output {root}` writes one")
        board = Leaderboard(pd.DataFrame(), run_table, [why], rule=rule)
        return _write(board, root, output, metric) if write else board
    metric = metric.lower() if metric else None
    merged = _selected(pd.concat(frames, ignore_index=True), root, dataset, metric)
    warnings = _content_warnings(merged)
    out = []
    for (ds, fp), g in merged.groupby(list(GROUP), sort=True, dropna=False):
        name = _group_metric(g, metric)
        if name is None:
            warnings.append(f"dataset '{ds}' ({fp[:8]}): no values of the metric; left out")
            continue
        declared = sorted(set(g["_main"].dropna()))
        if len(declared) > 1 and metric is None:
            warnings.append(
                f"dataset '{ds}' ({fp[:8]}): the runs declare different main metrics "
                f"({', '.join(declared)}); ranked by {name} (choose with --metric)"
            )
        best, flag_warnings = _rank_group(g, name, runs, f"dataset '{ds}' ({fp[:8]})", rule)
        warnings += flag_warnings
        out.append(best)
    table = pd.concat(out, ignore_index=True) if out else pd.DataFrame()
    if not table.empty:
        table["vs_next"] = vs_next(table, runs)
        table = table[[c for c in KEEP if c in table]]
    board = Leaderboard(table, run_table, warnings, rule=rule)
    return _write(board, root, output, metric) if write else board


def _run_table(runs: dict[str, RunData], root: Path) -> pd.DataFrame:
    """One row per run folder found: what the page's Runs table shows."""
    rows = []
    for d, r in runs.items():
        m = r.manifest
        rows.append({
            "run_id": r.run_id,
            "suite": m.get("suite_name") or r.suite.get("name"),
            "harness_version": m.get("harness_version"),
            "started": H.when(m.get("first_started_at") or m.get("started_at")),
            "cpu": m.get("cpu_model"),
            "rows_ok": len(r.ok),
            "folder": str(Path(d).relative_to(root)) if Path(d) != root else ".",
        })  # fmt: skip
    return pd.DataFrame(rows)


def _selected(
    merged: pd.DataFrame, root: Path, dataset: str | None, metric: str | None
) -> pd.DataFrame:
    """The rows of the asked dataset; a UserError naming what exists when nothing matches."""
    if dataset is not None:
        names = sorted(set(merged["dataset"].astype(str)))
        merged = merged[merged["dataset"].astype(str) == dataset]
        if merged.empty:
            raise UserError(f"no results for dataset '{dataset}' under {root}", key="--dataset",
                            suggestion="datasets found: " + ", ".join(names))  # fmt: skip
    if metric and metric not in merged:
        have = sorted(c for c in merged.columns if "@" in str(c))
        raise UserError(f"no run under {root} has the metric '{metric}'", key="--metric",
                        suggestion="metrics found: " + ", ".join(have))  # fmt: skip
    return merged


def _content_warnings(merged: pd.DataFrame) -> list[str]:
    warnings = []
    for ds, g in merged.groupby("dataset", sort=True):
        fps = sorted(set(g["dataset_fingerprint"]))
        if len(fps) > 1:
            warnings.append(
                f"dataset '{ds}' appears with {len(fps)} different contents (fingerprints "
                f"{', '.join(f[:8] for f in fps)}): ranked separately, not mixed"
            )
    return warnings


def _rank_group(
    g: pd.DataFrame, name: str, runs: dict[str, RunData], what: str, rule: str
) -> tuple[pd.DataFrame, list[str]]:
    """One group's best row per entry under the rule, ranked on `name`, with flags, CIs and
    warnings (entries no row of which the rule admits are left out, and counted)."""
    g = g[pd.to_numeric(g[name], errors="coerce").notna()].copy()
    g["value"] = pd.to_numeric(g[name], errors="coerce")
    best = apply_rule(g, rule, RuleInput(name), entry=[c for c in ENTRY if c in g])
    best["main_metric"] = name
    best["rank"] = best["rule_rank"].to_numpy()
    left_out = g.drop_duplicates([c for c in ENTRY if c in g]).shape[0] - len(best)
    best["params"] = [
        ";".join(x for x in (params_text(b), params_text(s)) if x)
        for b, s in zip(best.get("build_params"), best.get("search_params"), strict=True)
    ]
    best["config"] = [config_label(r) for _, r in best.iterrows()]
    flags, warnings = _flags(g, best, what)
    if left_out:
        warnings.append(f"{what}: {left_out} configuration(s) have no row the rule {rule} "
                        "admits (below its bar, or off the frontier); left out")
    joined = [" ".join(x for x in parts if x) for parts in zip(*flags, strict=True)]
    best["flag"] = joined if flags else ""
    lo, hi = [], []
    for _, r in best.iterrows():
        v = runs[r["_run_dir"]].values(r, name)
        ci = stats.bootstrap_ci(v[1], n_boot=1000, seed=0) if v is not None else None
        lo.append(ci.low if ci else np.nan)
        hi.append(ci.high if ci else np.nan)
    best["ci_low"], best["ci_high"] = lo, hi
    return best, warnings


def _flags(g: pd.DataFrame, best: pd.DataFrame, what: str) -> tuple[list[list[str]], list[str]]:
    """Per-row flags (older harness version, other CPU) and the group's warnings about them."""
    versions = sorted(set(g["harness_version"]))
    cpus = sorted(set(g["cpu_model"]))
    flags, warnings = [], []
    if len(versions) > 1:
        newest = versions[-1]
        warnings.append(
            f"{what}: runs from harness versions {', '.join(versions)} "
            "are ranked together; rows from older versions are flagged"
        )
        flags.append(["" if v == newest else f"v{v}" for v in best["harness_version"]])
    if len(cpus) > 1:
        warnings.append(
            f"{what}: runs on different machines ({'; '.join(cpus)}): qps and latency are not "
            "comparable across them")
        flags.append([f"cpu: {c}" for c in best["cpu_model"]])
    return flags, warnings


def _write(board: Leaderboard, root: Path, output, metric) -> Leaderboard:
    out_dir = Path(output) if output else root
    out_dir.mkdir(parents=True, exist_ok=True)
    board.csv_path = out_dir / "leaderboard.csv"
    atomic_write_text(board.csv_path, board.table.to_csv(index=False))
    board.html_path = out_dir / "leaderboard.html"
    atomic_write_text(board.html_path, _html(board, root))
    return board


HTML_COLS_AFTER = [("knn_recall@10", None), ("qps", None), ("latency_p99_ms", "p99 ms"),
                   ("bytes_per_doc", "bytes/doc"), ("usd_per_1m_queries", "$/1M q"),
                   ("run_id", "run"), ("harness_version", "harness"), ("flag", None),
                   ("rule_note", "rule note"), ("vs_next", "speed vs next rank")]  # fmt: skip


def _html(board: Leaderboard, root: Path) -> str:
    parts = [
        f"<h1>Leaderboard: {H.esc(root)}</h1>",
        f"<p class='lead'>{len(board.runs)} run(s) merged; per dataset, the best configuration "
        "of each model x dim x dim method x precision x backend (over distances, index "
        f"parameters and runs), ranked by the rule <b>{H.esc(board.rule)}</b>: "
        f"{H.esc(rule_of(board.rule).doc)}. ± = half-width of the "
        "95% bootstrap CI over queries.</p>",
    ]
    for w in board.warnings:
        parts.append(H.notice("warn", H.esc(w)))
    if not board.runs.empty:
        runs, cols = board.runs, [H.Col(c) for c in board.runs.columns]
        parts += ["<h2>Runs</h2>", H.table(runs, cols, table_id="runs", filter_box=len(runs) > 8)]
    t = board.table
    if t.empty:
        parts.append(H.notice("warn", "No results to rank."))
        return H.page("Leaderboard", "".join(parts))
    for i, ((ds, fp, name), g) in enumerate(
        t.groupby(["dataset", "dataset_fingerprint", "main_metric"], sort=False)
    ):
        g = g.reset_index(drop=True).rename(columns={"value": name})
        parts.append(f"<h2>{H.esc(ds)} <span class='small'>data {H.esc(str(fp)[:12])}</span></h2>")
        parts.append(
            f"<p class='small'>rule <b>{H.esc(board.rule)}</b> ({H.esc(rule_of(board.rule).doc)}); "
            f"metric <b>{H.esc(name)}</b>; runs: "
            f"{H.esc(', '.join(dict.fromkeys(g['run_id'])))}</p>"
        )
        lo, hi = g["ci_low"].to_numpy(), g["ci_high"].to_numpy()
        cols = [H.Col("rank", highlight=False)]
        cols += [H.Col(c) for c in ENTRY]
        cols += [H.Col("metric", "distance"), H.Col("params")]
        cols.append(H.Col(name, ci=lambda p, lo=lo, hi=hi: (lo[p], hi[p])))
        cols += [H.Col(c, h) for c, h in HTML_COLS_AFTER]
        if plots.available() and len(g) > 1:
            try:
                p = plots.leaderboard_view(g, name, f"lb-{i}", f"{ds} — {name} vs throughput")
            except Exception:  # a plot must never sink the leaderboard
                p = None
            if p is not None:
                parts.append(H.figure(p.svg, p.title, p.caption, f"plot-lb-{i}"))
        parts.append(H.table(g, cols, table_id=f"board-{i}"))
    parts.append(
        "<p class='small'>The same table as CSV: <a href='leaderboard.csv'>leaderboard.csv</a></p>"
    )
    return H.page("Leaderboard", "".join(parts))
