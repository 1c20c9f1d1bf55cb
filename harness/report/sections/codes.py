"""At a glance: the best code per byte budget (issue #26): for each model and each code size
the run measured (code_bytes_per_vector / dim: 4, 2, 1, 1/2, ... bytes per dimension), the
precision with the best task metric among the exact backend's cells at that size."""

from __future__ import annotations

from fractions import Fraction

import pandas as pd

from harness.report import html as H
from harness.report.sections.base import ReportContext

NEED = {"code_bytes_per_vector", "dim", "precision", "model", "backend"}


def best_codes(ok: pd.DataFrame, main: str) -> pd.DataFrame:
    """One row per (model, bytes per dimension): the best precision there on exact search,
    its metric, and how many codes of that size were measured."""
    rows = ok[(ok["backend"] == "exact") & ok[main].notna() & (ok["dim"] > 0)].copy()
    if rows.empty:
        return pd.DataFrame()
    # whole bits per dimension: ceil(d * bits / 8) bytes of a short vector round back to bits
    rows["per_dim"] = (8 * rows["code_bytes_per_vector"] / rows["dim"]).round() / 8
    out = []
    for (model, per_dim), g in rows.groupby(["model", "per_dim"], sort=False):
        best = g.loc[g[main].idxmax()]
        out.append({"model": model, "bytes_per_dim": per_dim, "precision": best["precision"],
                    main: float(best[main]), "codes": int(g["precision"].nunique()),
                    "dim": int(best["dim"])})
    return pd.DataFrame(out).sort_values(["model", "bytes_per_dim"], ascending=[True, False])


def _budget(per_dim: float) -> str:
    f = Fraction(per_dim).limit_denominator(16)
    return str(f) if f.denominator > 1 else str(f.numerator)


class CodesSection:
    anchor = "codes"
    title = "At a glance: best code per byte budget"
    order = 16

    def render(self, ctx: ReportContext) -> str:
        ok = ctx.run.ok
        if ok.empty or not set(ok.columns) >= NEED:
            return ""
        parts, tables = [], []
        for dataset in dict.fromkeys(ok["dataset"]):
            main = ctx.mains.get(str(dataset))
            sub = ok[ok["dataset"] == dataset]
            if not main or main not in sub or sub["code_bytes_per_vector"].nunique() < 2:
                continue
            table = best_codes(sub, main)
            if table.empty:
                continue
            tables.append(table.assign(dataset=dataset, main_metric=main))
            body = "".join(
                f"<tr><td>{H.esc(r['model'])}</td><td class='num'>{_budget(r['bytes_per_dim'])}"
                f"</td><td>{H.esc(r['precision'])}</td><td class='num'>{H.fmt(main, r[main])}"
                f"</td><td class='num'>{r['codes']}</td></tr>" for _, r in table.iterrows())
            parts.append(f"<h3>{H.esc(dataset)}</h3><div class='scroll'><table class='sortable'>"
                         "<thead><tr><th>model</th><th class='num'>bytes / dim</th>"
                         f"<th>best code</th><th class='num'>{H.esc(main)}</th>"
                         f"<th class='num'>codes measured</th></tr></thead><tbody>{body}"
                         "</tbody></table></div>")
        if not parts:
            return ""
        link = ctx.offer("best_codes.csv", pd.concat(tables, ignore_index=True))
        intro = ("<p class='small'>Per model and code size (the precision's stored bytes per "
                 "vector over its dimensions), the precision with the best task metric on exact "
                 "search, among the codes of that size the run measured (calibrations, "
                 "thresholds, rotations: see docs/compression.md). One query set: a difference "
                 f"of a point is within sampling noise. <a href='{link}'>csv</a></p>")
        return intro + "".join(parts)
