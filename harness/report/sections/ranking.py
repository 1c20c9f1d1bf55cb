"""Section "Ranking": per dataset, the configurations ranked by the report's rule (--rule,
harness.analysis.rules), and the winner under every named rule side by side (where the rules
disagree, the curves cross)."""

from __future__ import annotations

import pandas as pd

from harness.analysis.rule_names import RULE_NAMES
from harness.analysis.rules import RuleInput, apply_rule, rule_of
from harness.report import html as H
from harness.report.data import config_label
from harness.report.sections.base import ReportContext

ENTRY = ["model", "dim", "precision", "metric", "backend", "build_params"]
SHOWN = 10


def _ranked(rows: pd.DataFrame, rule: str | None, main: str) -> pd.DataFrame:
    got = apply_rule(rows, rule, RuleInput(main), entry=[c for c in ENTRY if c in rows])
    return got.assign(config=[config_label(r, with_dataset=False) for _, r in got.iterrows()])


def _winners(rows: pd.DataFrame, main: str) -> pd.DataFrame:
    out = []
    for name in RULE_NAMES:
        got = _ranked(rows, name, main)
        top = got.iloc[0] if len(got) else None
        out.append({"rule": name, "winner": "" if top is None else top["config"],
                    main: top[main] if top is not None else float("nan"),
                    "qps": top.get("qps") if top is not None else float("nan"),
                    "eligible": len(got), "rule_note": "" if top is None else top["rule_note"]})
    return pd.DataFrame(out)


class RankingSection:
    anchor = "ranking"
    title = "Ranking"
    order = 17

    def render(self, ctx: ReportContext) -> str:
        ok = ctx.run.ok
        if ok.empty or "qps" not in ok:
            return ""
        rule = rule_of(ctx.rule)
        parts = [f"<p>Rule <b>{H.esc(rule.name)}</b>: {H.esc(rule.doc)}. One row per "
                 "configuration (its best row under the rule); equal values share a rank; "
                 "`harness report RUN_DIR --rule NAME` picks another rule "
                 "(docs/tails.md).</p>"]
        ranked, winners = [], []
        for i, dataset in enumerate(dict.fromkeys(ok["dataset"])):
            main = ctx.mains.get(str(dataset))
            if not main or main not in ok:
                continue
            rows = ok[ok["dataset"] == dataset]
            got, win = _ranked(rows, rule.name, main), _winners(rows, main)
            ranked.append(got.assign(dataset=dataset, main_metric=main))
            winners.append(win.assign(dataset=dataset, main_metric=main))
            cols = [H.Col("rule_rank", "rank", highlight=False), H.Col("config", wrap=True),
                    H.Col(main), H.Col("knn_recall@10"), H.Col("qps"),
                    H.Col("rule_note", "note", wrap=True)]
            parts.append(f"<h3>{H.esc(dataset)} — rule {H.esc(rule.name)}</h3>" + H.table(
                got.head(SHOWN), [c for c in cols if c.key in got], table_id=f"rank-{i}",
                filter_box=False, caption=f"{len(got)} configurations the rule admits; the "
                f"first {SHOWN} shown."))
            parts.append(H.table(
                win, [H.Col("rule"), H.Col("winner", wrap=True), H.Col(main), H.Col("qps"),
                      H.Col("eligible"), H.Col("rule_note", "note", wrap=True)],
                table_id=f"rank-rules-{i}", filter_box=False,
                caption="The winner under each named rule."))
        if not ranked:
            return ""
        link = ctx.offer("ranking.csv", pd.concat(ranked, ignore_index=True))
        link2 = ctx.offer("ranking_rules.csv", pd.concat(winners, ignore_index=True))
        return "".join(parts) + (f"<p class='small'><a href='{H.esc(link)}'>ranking.csv</a> "
                                 f"<a href='{H.esc(link2)}'>ranking_rules.csv</a></p>")
