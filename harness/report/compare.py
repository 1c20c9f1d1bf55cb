"""`harness compare RUN_A RUN_B`: the same configurations side by side, B - A, with paired tests.

Configurations match on dataset (and its content fingerprint), model, dim, precision, distance,
backend and build/search parameters. For every per-query metric both runs stored (task metrics,
knn recall, latency) the difference B - A comes with a paired bootstrap 95% CI and a paired
randomization-test p-value on the queries both evaluated, Holm-adjusted across the whole
comparison. Throughput has no per-query values: its ratio is shown without a test.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from harness import stats
from harness.report import html as H
from harness.report.data import RunData, config_label

MATCH = (
    "dataset",
    "model",
    "dim",
    "precision",
    "metric",
    "backend",
    "build_params",
    "search_params",
)
OPTIONAL_MATCH = ("dim_method",)
ALPHA = 0.05


@dataclass
class Comparison:
    a: RunData
    b: RunData
    pairs: pd.DataFrame  # one row per matched configuration (main metric, qps, p99)
    tests: pd.DataFrame  # one row per matched configuration x per-query metric
    only_a: list[str] = field(default_factory=list)
    only_b: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    html_path: Path | None = None
    csv_path: Path | None = None

    def text(self) -> str:
        out = [f"A = {self.a.run_id}\nB = {self.b.run_id}"]
        out += [f"! {w}" for w in self.warnings]
        if self.pairs.empty:
            out.append("no configuration is in both runs")
        else:
            cols = [
                "config",
                "main_metric",
                "a",
                "b",
                "diff",
                "ci",
                "p_value",
                "p_holm",
                "qps_a",
                "qps_b",
                "qps_ratio",
            ]
            shown = self.pairs[[c for c in cols if c in self.pairs]].copy()
            for c in ("a", "b"):
                shown[c] = shown[c].map(lambda v: f"{v:.4f}")
            shown["diff"] = shown["diff"].map(lambda v: f"{v:+.4f}")
            for c in ("p_value", "p_holm"):
                shown[c] = [H.fmt("p_value", v) for v in shown[c]]
            for c in ("qps_a", "qps_b"):
                if c in shown:
                    shown[c] = [H.fmt("qps", v) for v in shown[c]]
            if "qps_ratio" in shown:
                shown["qps_ratio"] = [H.fmt("qps_ratio", v) for v in shown["qps_ratio"]]
            out.append(shown.to_string(index=False))
        if self.only_a:
            out.append(f"only in A: {len(self.only_a)} configuration(s)")
        if self.only_b:
            out.append(f"only in B: {len(self.only_b)} configuration(s)")
        return "\n".join(out)


def _keyed(run: RunData, optional: list[str]) -> pd.DataFrame:
    df = run.ok.copy()
    if df.empty:
        return df
    if "dataset_fingerprint" not in df:
        df["dataset_fingerprint"] = "unknown"
    cols = [*MATCH, *optional]
    df["_key"] = df[cols].astype(str).agg(" | ".join, axis=1)
    return df


def compare(
    run_a: str | Path,
    run_b: str | Path,
    *,
    metric: str | None = None,
    output: str | Path | None = None,
    write: bool = True,
) -> Comparison:
    a, b = RunData.load(run_a), RunData.load(run_b)
    # Axes added over time (e.g. dim_method) are matched when both runs have them.
    optional = [c for c in OPTIONAL_MATCH if c in a.frame and c in b.frame]
    fa, fb = _keyed(a, optional), _keyed(b, optional)
    warnings = []
    ma, mb = a.manifest, b.manifest
    if ma.get("harness_version") != mb.get("harness_version"):
        warnings.append(
            f"different harness versions: A {ma.get('harness_version')}, "
            f"B {mb.get('harness_version')}"
        )
    if ma.get("cpu_model") != mb.get("cpu_model") or ma.get("cpu_count") != mb.get("cpu_count"):
        warnings.append(
            f"different machines (A: {ma.get('cpu_model')} x{ma.get('cpu_count')}, "
            f"B: {mb.get('cpu_model')} x{mb.get('cpu_count')}): qps and latency differences "
            "include the machine"
        )
    order_a = list(dict.fromkeys(fa["_key"])) if not fa.empty else []
    order_b = list(dict.fromkeys(fb["_key"])) if not fb.empty else []
    keys_a, keys_b = set(order_a), set(order_b)
    common = []
    for k in order_a:
        if k not in keys_b:
            continue
        fpa = sorted(set(fa.loc[fa["_key"] == k, "dataset_fingerprint"].astype(str)))
        fpb = sorted(set(fb.loc[fb["_key"] == k, "dataset_fingerprint"].astype(str)))
        if fpa != fpb:
            # Same configuration on different dataset content: flagged, never compared.
            warnings.append(
                f"{k.split(' | ')[0]}: same configuration, different dataset content "
                f"(fingerprints {', '.join(fpa)} vs {', '.join(fpb)}): not compared"
            )
            continue
        common.append(k)
    warnings = list(dict.fromkeys(warnings))
    both = pd.concat([fa, fb]) if not (fa.empty and fb.empty) else pd.DataFrame()
    label = {
        r["_key"]: config_label(r, with_dataset=True)
        for _, r in (both.drop_duplicates("_key").iterrows() if not both.empty else [])
    }
    only_a = [label[k] for k in order_a if k not in keys_b]
    only_b = [label[k] for k in order_b if k not in keys_a]

    tests, pairs = [], []
    for k in common:
        ra = fa[fa["_key"] == k].iloc[0]
        rb = fb[fb["_key"] == k].iloc[0]
        main = (metric.lower() if metric else None) or b.main_metric(str(rb["dataset"]))
        names = [m for m in a.task_metrics if m in b.task_metrics]
        names += [c for c in fa.columns if str(c).startswith("knn_recall@") and c in fb]
        names.append("latency_ms")
        if main in names:
            names.remove(main)
            names.insert(0, main)
        for name in names:
            va, vb = a.values(ra, name), b.values(rb, name)
            if va is None or vb is None:
                continue
            pos = {q: i for i, q in enumerate(vb[0])}
            keep = [i for i, q in enumerate(va[0]) if q in pos]
            if not keep:
                continue
            x = va[1][keep]
            y = vb[1][[pos[va[0][i]] for i in keep]]
            res = stats.paired_compare(x, y, n_boot=1000, n_perm=5000, seed=0)
            tests.append(
                {
                    "dataset": ra["dataset"],
                    "config": label[k],
                    "measure": name,
                    "n_queries": res.n,
                    "a": res.mean_a,
                    "b": res.mean_b,
                    "diff": res.diff.mean,
                    "ci_low": res.diff.low,
                    "ci_high": res.diff.high,
                    "p_value": res.p_value,
                    "main": name == main,
                    "lower_is_better": name == "latency_ms",
                }
            )
        pair = {"dataset": ra["dataset"], "config": label[k], "main_metric": main}
        for c in ("qps", "latency_p99_ms", "bytes_per_vector", "knn_recall@10"):
            if c in ra and c in rb:
                pair[f"{c}_a"] = pd.to_numeric(ra[c], errors="coerce")
                pair[f"{c}_b"] = pd.to_numeric(rb[c], errors="coerce")
        if pair.get("qps_a"):
            pair["qps_ratio"] = pair["qps_b"] / pair["qps_a"]
        pairs.append(pair)
    tests_df = pd.DataFrame(tests)
    if not tests_df.empty:
        tests_df["p_holm"] = stats.holm(tests_df["p_value"].to_numpy())
        tests_df["significant"] = tests_df["p_holm"] < ALPHA
    pairs_df = pd.DataFrame(pairs)
    if not pairs_df.empty:
        mains = tests_df[tests_df["main"]] if not tests_df.empty else tests_df
        by = mains.set_index("config") if not mains.empty else pd.DataFrame()
        for col in ("a", "b", "diff", "ci_low", "ci_high", "p_value", "p_holm", "significant"):
            pairs_df[col] = [
                by[col].get(c, np.nan) if not by.empty else np.nan for c in pairs_df["config"]
            ]
        pairs_df["ci"] = [
            f"[{lo:+.4f}, {hi:+.4f}]" if np.isfinite(lo) else ""
            for lo, hi in zip(
                pairs_df["ci_low"].astype(float), pairs_df["ci_high"].astype(float), strict=True
            )
        ]
    comp = Comparison(a, b, pairs_df, tests_df, only_a, only_b, warnings)
    if write:
        out_dir = Path(output) if output else b.dir
        out_dir.mkdir(parents=True, exist_ok=True)
        from harness.fsutil import atomic_write_text

        stem = f"compare-{a.run_id}-vs-{b.run_id}"
        comp.csv_path = out_dir / f"{stem}.csv"
        atomic_write_text(comp.csv_path, tests_df.to_csv(index=False))
        comp.html_path = out_dir / f"{stem}.html"
        atomic_write_text(comp.html_path, _html(comp))
    return comp


def _html(c: Comparison) -> str:
    parts = [
        f"<h1>Compare: {H.esc(c.a.run_id)} (A) vs {H.esc(c.b.run_id)} (B)</h1>",
        "<p class='lead'>The configurations both runs measured, side by side. Δ = B − A on the "
        "queries both evaluated; CI = paired bootstrap 95% CI of the mean difference; p = "
        "paired randomization (sign-flip) test, two-sided; p (Holm) adjusts for every test on "
        "this page. Significant = p (Holm) &lt; 0.05.</p>",
        H.meta_block(
            [
                (
                    f"{side}: {r.run_id}",
                    [
                        ("suite", r.manifest.get("suite_name")),
                        (
                            "started",
                            H.when(
                                r.manifest.get("first_started_at") or r.manifest.get("started_at")
                            ),
                        ),
                        ("harness", r.manifest.get("harness_version")),
                        ("git", r.manifest.get("git_sha")),
                        (
                            "CPU",
                            f"{r.manifest.get('cpu_model')} ({r.manifest.get('cpu_count')} cores)",
                        ),
                        ("folder", str(r.dir)),
                    ],
                )
                for side, r in (("A", c.a), ("B", c.b))
            ]
        ),
    ]
    for w in c.warnings:
        parts.append(H.notice("warn", H.esc(w)))
    if c.pairs.empty:
        parts.append(H.notice("warn", "No configuration is in both runs."))
    else:
        p = c.pairs.copy()
        p["significant"] = p["significant"].map(lambda v: "yes" if v is True else "")
        parts.append("<h2>Configurations (main metric)</h2>")
        parts.append(
            H.table(
                p,
                [
                    H.Col("config"),
                    H.Col("main_metric", "metric"),
                    H.Col("a", "A", highlight=False),
                    H.Col("b", "B", highlight=False),
                    H.Col("diff", "Δ B−A", highlight=False),
                    H.Col("ci", "95% CI of Δ"),
                    H.Col("p_value", "p"),
                    H.Col("p_holm", "p (Holm)"),
                    H.Col("significant"),
                    H.Col("qps_a", "qps A", highlight=False),
                    H.Col("qps_b", "qps B", highlight=False),
                    H.Col("qps_ratio", "qps B/A", highlight=False),
                    H.Col("latency_p99_ms_a", "p99 ms A", highlight=False),
                    H.Col("latency_p99_ms_b", "p99 ms B", highlight=False),
                ],
                table_id="pairs",
                row_class=lambda r: "sig" if r["significant"] == "yes" else "",
            )
        )
        t = c.tests.copy()
        t["significant"] = t["significant"].map(lambda v: "yes" if v else "")
        t["ci"] = [
            f"[{lo:+.4f}, {hi:+.4f}]" for lo, hi in zip(t["ci_low"], t["ci_high"], strict=True)
        ]
        parts.append("<h2>Every per-query measure</h2>")
        parts.append(
            H.table(
                t,
                [
                    H.Col("config"),
                    H.Col("measure"),
                    H.Col("n_queries", "queries", highlight=False),
                    H.Col("a", "A", highlight=False),
                    H.Col("b", "B", highlight=False),
                    H.Col("diff", "Δ B−A", highlight=False),
                    H.Col("ci", "95% CI of Δ"),
                    H.Col("p_value", "p"),
                    H.Col("p_holm", "p (Holm)"),
                    H.Col("significant"),
                ],
                table_id="tests",
                row_class=lambda r: "sig" if r["significant"] == "yes" else "",
            )
        )
    for title, items in (("Only in A", c.only_a), ("Only in B", c.only_b)):
        if items:
            lis = "".join(f"<li>{H.esc(x)}</li>" for x in items)
            parts.append(
                f"<details><summary>{title} ({len(items)})</summary><ul>{lis}</ul></details>"
            )
    return H.page(f"Compare {c.a.run_id} vs {c.b.run_id}", "".join(parts))
