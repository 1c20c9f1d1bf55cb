"""Section "At a glance": per dataset and backend, the best queries/s at a quality bar, with
the bytes per document at that point (ann-benchmarks' "qps at recall 0.9", plus the task bar).

The bars are knn_recall@10 >= 0.9 / 0.95 / 0.99 (against exact search on the same vectors)
and the task metric within 1% of the exact float32 reference: the best main-metric value of
exact search on float32 vectors of the same model (over its distances and dims) in this run.
That reference is fixed per model on purpose: a wrong distance does not lower the bar.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from harness.analysis.rules import exact_reference
from harness.report import html as H
from harness.report.data import config_label
from harness.report.sections.base import ReportContext

RECALL = "knn_recall@10"
RECALL_BARS = (0.9, 0.95, 0.99)
TASK_TOLERANCE = 0.01  # within 1% (relative) of the reference


def _ref_value(rows: pd.DataFrame, main: str) -> float | None:
    """The exact float32 reference of one dataset x model (None when the run has none)."""
    ref = exact_reference(rows, main)
    return float(ref.iloc[0]) if len(ref) else None


def _best(rows: pd.DataFrame, mask: pd.Series) -> dict[str, Any]:
    """The fastest row of the mask: its qps, bytes per document and configuration."""
    sel = rows[mask.fillna(False).to_numpy(bool)]
    qps = pd.to_numeric(sel.get("qps", pd.Series(dtype=float)), errors="coerce")
    if qps.dropna().empty:
        return {"qps": np.nan, "bytes": np.nan, "config": ""}
    row = sel.loc[qps.idxmax()]
    return {"qps": float(qps.max()), "bytes": row.get("bytes_per_doc", np.nan),
            "config": config_label(row)}


def bars(main: str | None) -> list[tuple[str, str]]:
    """(key, header) of each quality bar, in page order."""
    out = [(f"recall{t:g}", f"knn@10 ≥ {t:g}") for t in RECALL_BARS]
    if main:
        out.append(("task", f"{main} ≥ {1 - TASK_TOLERANCE:.0%} of exact"))
    return out


def headline(ok: pd.DataFrame, main: str | None) -> pd.DataFrame:
    """One dataset's table: a row per model x backend, per bar its qps, bytes and config."""
    records = []
    for (model, backend), rows in ok.groupby(["model", "backend"], sort=True):
        rec: dict[str, Any] = {"model": model, "backend": backend}
        recall = pd.to_numeric(rows.get(RECALL, pd.Series(np.nan, rows.index)), errors="coerce")
        masks = {f"recall{t:g}": recall >= t for t in RECALL_BARS}
        ref = _ref_value(ok[ok["model"] == model], main) if main and main in ok else None
        if main:
            task = pd.to_numeric(rows.get(main, pd.Series(np.nan, rows.index)), errors="coerce")
            none = pd.Series(False, rows.index)
            masks["task"] = none if ref is None else task >= (1 - TASK_TOLERANCE) * ref
            rec["reference"] = ref
        for key, mask in masks.items():
            best = _best(rows, mask)
            rec.update({f"{key}_qps": best["qps"], f"{key}_bytes": best["bytes"],
                        f"{key}_config": best["config"]})
        records.append(rec)
    return pd.DataFrame(records)


class HeadlineSection:
    anchor = "glance"
    title = "At a glance: queries/s at a quality bar"
    order = 15

    def render(self, ctx: ReportContext) -> str:
        ok = ctx.run.ok
        if ok.empty or "qps" not in ok:
            return H.notice("warn", "No successful rows with a measured queries/s.")
        parts, tables = [], []
        for i, dataset in enumerate(dict.fromkeys(ok["dataset"])):
            main = ctx.mains.get(str(dataset))
            table = headline(ok[ok["dataset"] == dataset], main)
            tables.append(table.assign(dataset=dataset, main_metric=main))
            parts.append(f"<h3>{H.esc(dataset)}</h3>" + _html(table, main, f"glance-{i}"))
        link = ctx.offer("glance.csv", pd.concat(tables, ignore_index=True))
        intro = (
            "<p class='small'>Per backend, the highest single-thread queries/s among its "
            f"configurations that reach the bar, and the bytes per document there. knn@10 = "
            f"{RECALL}, against exact search on the same vectors. The task bar is the "
            f"dataset's main metric within {TASK_TOLERANCE:.0%} of the exact float32 "
            "reference: the best exact search on float32 vectors of the same model (any "
            "distance). — = no configuration of the "
            f"backend reaches the bar. Hover a value for its configuration. <a href='{link}'>"
            "csv</a></p>"
        )
        return intro + "".join(parts)


def _html(table: pd.DataFrame, main: str | None, table_id: str) -> str:
    heads = bars(main)
    multi = table["model"].nunique() > 1
    head = ("<th>model</th>" if multi else "") + "<th>backend</th>"
    head += "".join(f"<th class='num'>{H.esc(h)}</th>" for _, h in heads)
    rows = []
    for _, r in table.iterrows():
        tds = f"<td>{H.esc(r['model'])}</td>" if multi else ""
        tds += f"<td>{H.esc(r['backend'])}</td>"
        for key, _ in heads:
            tds += _value_cell(r[f"{key}_qps"], r[f"{key}_bytes"], r[f"{key}_config"])
        rows.append(f"<tr>{tds}</tr>")
    ref = ""
    if main and "reference" in table and table["reference"].notna().any():
        refs = ", ".join(f"{m}: {H.fmt(main, v)}" for m, v in
                         table.groupby("model")["reference"].first().items() if pd.notna(v))
        ref = f"<p class='small'>Exact float32 reference ({H.esc(main)}): {H.esc(refs)}.</p>"
    elif main:
        ref = ("<p class='small'>No exact float32 search in this run: the task bar has no "
               "reference (add the exact backend).</p>")
    return (f"<div class='scroll'><table class='sortable glance' id='{table_id}'><thead><tr>"
            f"{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>{ref}")


def _value_cell(qps: Any, nbytes: Any, config: str) -> str:
    if H.is_missing(qps):
        return "<td class='num' title='no configuration reaches this bar'>—</td>"
    size = "" if H.is_missing(nbytes) else H.fmt("bytes_per_doc", nbytes) + " B/doc"
    return (f"<td class='num' data-v='{float(qps)!r}' title='{H.esc(config)}'>"
            f"{H.fmt('qps', qps)} qps <span class='ci'>{size}</span></td>")
