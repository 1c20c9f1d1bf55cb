"""`harness compare RUN_A RUN_B`: the same configurations side by side, B - A, with paired tests.

Configurations match on dataset (and its content fingerprint), model, dim, precision, distance,
backend and build/search parameters. For every per-query metric both runs stored (task metrics,
knn recall, latency) the difference B - A comes with a paired bootstrap 95% CI and a paired
randomization-test p-value on the queries both evaluated, Holm-adjusted across the whole
comparison. Throughput has no per-query values: its ratio B/A comes with a range from the
repeats and a verdict, "within noise" or "not significant" included (analysis/speed.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from harness.analysis import stats
from harness.analysis.speed import speed_ratio
from harness.analysis.speed_tests import with_speed_tests
from harness.errors import UserError
from harness.fsutil import atomic_write_text, safe_filename
from harness.report import html as H
from harness.report.data import EXTRA_AXES, RunData, config_label, paired
from harness.report.text import comparison_text
from harness.suite.axes import AXES

MATCH = (*AXES, "build_params", "search_params")
OPTIONAL_MATCH = (*EXTRA_AXES, "corpus_size")  # matched when both runs record them
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
        """The matched configurations as plain text for the terminal (within 100 columns)."""
        return comparison_text((self.a.run_id, self.b.run_id), self.pairs, self.warnings,
                               (self.only_a, self.only_b))


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
    if metric and not (metric.lower() in a.frame and metric.lower() in b.frame):
        both = sorted(c for c in a.frame.columns if "@" in str(c) and c in b.frame)
        raise UserError(f"metric '{metric}' is not in both runs", key="--metric",
                        suggestion="both runs have: " + (", ".join(both) or "no metric"))
    # Axes added over time (e.g. dim_method) are matched when both runs have them.
    optional = [c for c in OPTIONAL_MATCH if c in a.frame and c in b.frame]
    fa, fb = _keyed(a, optional), _keyed(b, optional)
    order_a = list(dict.fromkeys(fa["_key"])) if not fa.empty else []
    order_b = list(dict.fromkeys(fb["_key"])) if not fb.empty else []
    common, unmatched = _common(fa, fb, order_a, set(order_b))
    warnings = list(dict.fromkeys(_run_warnings(a.manifest, b.manifest) + unmatched))
    both = pd.concat([fa, fb]) if not (fa.empty and fb.empty) else pd.DataFrame()
    label = {
        r["_key"]: config_label(r, with_dataset=True)
        for _, r in (both.drop_duplicates("_key").iterrows() if not both.empty else [])
    }
    only_a = [label[k] for k in order_a if k not in set(order_b)]
    only_b = [label[k] for k in order_b if k not in set(order_a)]
    tests, pairs, lat = [], [], {}
    for k in common:
        ra = fa[fa["_key"] == k].iloc[0]
        rb = fb[fb["_key"] == k].iloc[0]
        main = (metric.lower() if metric else None) or b.main_metric(str(rb["dataset"]))
        for name in _measures(a, b, fa, fb, main):
            test = _paired_test(a.values(ra, name), b.values(rb, name))
            if test is not None:
                head = {"dataset": ra["dataset"], "config": label[k], "measure": name}
                tail = {"main": name == main, "lower_is_better": name == "latency_ms"}
                tests.append({**head, **test, **tail})
        pairs.append(_pair(ra, rb, label[k], main))
        la, lb = a.values(ra, "latency_ms"), b.values(rb, "latency_ms")
        if la is not None and lb is not None:
            lat[label[k]] = paired(la, lb)[1:]
    tests_df = _holm(pd.DataFrame(tests))
    pairs_df = with_speed_tests(_with_main_test(pd.DataFrame(pairs), tests_df), lat)
    comp = Comparison(a, b, pairs_df, tests_df, only_a, only_b, warnings)
    if write:
        _write(comp, output)
    return comp


def _run_warnings(ma: dict, mb: dict) -> list[str]:
    """What differs between the two runs' harness versions and machines."""
    warnings = []
    if ma.get("harness_version") != mb.get("harness_version"):
        warnings.append(f"different harness versions: A {ma.get('harness_version')}, "
                        f"B {mb.get('harness_version')}")
    for side, m in (("A", ma), ("B", mb)):  # measured under load, repeats that disagreed
        warnings += [f"{side}: {note}" for note in m.get("speed_caveats") or []]
    if ma.get("cpu_model") != mb.get("cpu_model") or ma.get("cpu_count") != mb.get("cpu_count"):
        warnings.append(
            f"different machines (A: {ma.get('cpu_model')} x{ma.get('cpu_count')}, "
            f"B: {mb.get('cpu_model')} x{mb.get('cpu_count')}): qps and latency differences "
            "include the machine"
        )
    return warnings


def _common(
    fa: pd.DataFrame, fb: pd.DataFrame, order_a: list[str], keys_b: set[str]
) -> tuple[list[str], list[str]]:
    """The configuration keys in both runs on the same dataset content (in A's order), and a
    warning for each key whose dataset content differs."""
    common, warnings = [], []
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
    return common, warnings


def _measures(
    a: RunData, b: RunData, fa: pd.DataFrame, fb: pd.DataFrame, main: str | None
) -> list[str]:
    """The per-query measures both runs stored, the main metric first."""
    names = [m for m in a.task_metrics if m in b.task_metrics]
    names += [c for c in fa.columns if str(c).startswith("knn_recall@") and c in fb]
    names.append("latency_ms")
    if main in names:
        names.remove(main)
        names.insert(0, main)
    return names


def _paired_test(va, vb) -> dict | None:
    """B - A on the queries both evaluated: means, the difference's CI and p-value."""
    if va is None or vb is None:
        return None
    ids, x, y = paired(va, vb)
    if not len(ids):
        return None
    res = stats.paired_compare(x, y, n_boot=1000, n_perm=5000, seed=0)
    d = res.diff
    return dict(n_queries=res.n, a=res.mean_a, b=res.mean_b, diff=d.mean, ci_low=d.low,
                ci_high=d.high, p_value=res.p_value)  # fmt: skip


def _pair(ra: pd.Series, rb: pd.Series, label: str, main: str | None) -> dict:
    pair = {"dataset": ra["dataset"], "config": label, "main_metric": main}
    for c in ("qps", "latency_p99_ms", "bytes_per_doc", "knn_recall@10"):
        if c in ra and c in rb:
            pair[f"{c}_a"] = pd.to_numeric(ra[c], errors="coerce")
            pair[f"{c}_b"] = pd.to_numeric(rb[c], errors="coerce")
    return {**pair, **speed_ratio(ra, rb)}


def _holm(tests: pd.DataFrame) -> pd.DataFrame:
    """Holm-adjusted p-values across every test of the comparison."""
    if not tests.empty:
        tests["p_holm"] = stats.holm(tests["p_value"].to_numpy())
        tests["significant"] = tests["p_holm"] < ALPHA
    return tests


def _with_main_test(pairs: pd.DataFrame, tests: pd.DataFrame) -> pd.DataFrame:
    """Each matched configuration with its main metric's test."""
    if pairs.empty:
        return pairs
    mains = tests[tests["main"]] if not tests.empty else tests
    by = mains.set_index("config") if not mains.empty else pd.DataFrame()
    for col in ("a", "b", "diff", "ci_low", "ci_high", "p_value", "p_holm", "significant"):
        pairs[col] = [by[col].get(c, np.nan) if not by.empty else np.nan for c in pairs["config"]]
    lo_hi = zip(pairs["ci_low"].astype(float), pairs["ci_high"].astype(float), strict=True)
    pairs["ci"] = [f"[{lo:+.4f}, {hi:+.4f}]" if np.isfinite(lo) else "" for lo, hi in lo_hi]
    return pairs


def _write(comp: Comparison, output: str | Path | None) -> None:
    out_dir = Path(output) if output else comp.b.dir
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"compare-{safe_filename(comp.a.run_id)}-vs-{safe_filename(comp.b.run_id)}"
    comp.csv_path = out_dir / f"{stem}.csv"
    atomic_write_text(comp.csv_path, comp.tests.to_csv(index=False))
    comp.html_path = out_dir / f"{stem}.html"
    atomic_write_text(comp.html_path, _html(comp))


# (column, header, highlight the best value)
_SIDE = [("a", "A", False), ("b", "B", False), ("diff", "Δ B−A", False),
         ("ci", "95% CI of Δ", True), ("p_value", "p", True), ("p_holm", "p (Holm)", True),
         ("significant", None, True)]  # fmt: skip
PAIR_COLS = [H.Col(k, h, highlight=hl) for k, h, hl in [
    ("config", None, True), ("main_metric", "metric", True), *_SIDE,
    ("qps_a", "qps A", False), ("qps_b", "qps B", False), ("qps_ratio", "qps B/A", False),
    ("machine_speed", "machine B/A (drift probe)", False),
    ("qps_range", "B/A from the repeats, per probe", False), ("speed", None, False),
    ("speed_verdict", "per-query latency (Wilcoxon, Holm)", False),
    ("latency_p99_ms_a", "p99 ms A", False), ("latency_p99_ms_b", "p99 ms B", False),
]]  # fmt: skip
TEST_COLS = [H.Col(k, h, highlight=hl) for k, h, hl in [
    ("config", None, True), ("measure", None, True), ("n_queries", "queries", False), *_SIDE,
]]  # fmt: skip


def _html(c: Comparison) -> str:
    parts = [
        f"<h1>Compare: {H.esc(c.a.run_id)} (A) vs {H.esc(c.b.run_id)} (B)</h1>",
        "<p class='lead'>The configurations both runs measured, side by side. Δ = B − A on the "
        "queries both evaluated; CI = paired bootstrap 95% CI of the mean difference; p = "
        "paired randomization (sign-flip) test, two-sided; p (Holm) adjusts for every test on "
        "this page. Significant = p (Holm) &lt; 0.05. Latency verdicts: paired Wilcoxon "
        "signed-rank test on the per-query latencies, Holm over the configurations; 'faster "
        "and not worse' also needs the main metric not significantly lower.</p>",
        H.meta_block([_run_box("A", c.a), _run_box("B", c.b)]),
    ]
    for w in c.warnings:
        parts.append(H.notice("warn", H.esc(w)))
    if c.pairs.empty:
        parts.append(H.notice("warn", "No configuration is in both runs."))
    else:
        parts.append(_tables(c))
    for title, items in (("Only in A", c.only_a), ("Only in B", c.only_b)):
        if items:
            lis = "".join(f"<li>{H.esc(x)}</li>" for x in items)
            parts.append(
                f"<details><summary>{title} ({len(items)})</summary><ul>{lis}</ul></details>"
            )
    return H.page(f"Compare {c.a.run_id} vs {c.b.run_id}", "".join(parts))


def _run_box(side: str, r: RunData) -> tuple[str, list[tuple[str, object]]]:
    m = r.manifest
    return (
        f"{side}: {r.run_id}",
        [
            ("suite", m.get("suite_name")),
            ("started", H.when(m.get("first_started_at") or m.get("started_at"))),
            ("harness", m.get("harness_version")),
            ("git", m.get("git_sha")),
            ("CPU", f"{m.get('cpu_model')} ({m.get('cpu_count')} cores)"),
            ("folder", str(r.dir)),
        ],
    )


def _tables(c: Comparison) -> str:
    """The matched configurations (main metric), then every per-query measure."""
    p = c.pairs.copy()
    p["significant"] = p["significant"].map(lambda v: "yes" if v is True else "")
    t = c.tests.copy()
    t["significant"] = t["significant"].map(lambda v: "yes" if v else "")
    t["ci"] = [f"[{lo:+.4f}, {hi:+.4f}]" for lo, hi in zip(t["ci_low"], t["ci_high"], strict=True)]
    sig = lambda r: "sig" if r["significant"] == "yes" else ""  # noqa: E731
    return (
        "<h2>Configurations (main metric)</h2>"
        + H.table(p, PAIR_COLS, table_id="pairs", row_class=sig)
        + "<h2>Every per-query measure</h2>"
        + H.table(t, TEST_COLS, table_id="tests", row_class=sig)
    )
