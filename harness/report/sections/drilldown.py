"""Section "Per-query drill-down": the configurations that lost the most against a reference,
and for each the queries that lost the most, with their texts and relevant documents when a
TextSource was handed in (harness.report.texts)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from harness.analysis import stats
from harness.metrics.columns import ZERO_MEANS_NONE
from harness.report import html as H
from harness.report.data import RunData, config_label, paired
from harness.report.sections.base import ReportContext
from harness.report.texts import DatasetTexts, TextLoader
from harness.store.row import params as parse_params

DRILL_CONFIGS = 6  # configurations offered in the drill-down
DRILL_QUERIES = 12  # queries shown per configuration
DRILL_DOCS = 5  # relevant documents shown per query
SNIPPET = 320  # characters of a document shown
INTRO = (
    "<p>For each configuration below (largest mean loss first), the queries that lost the "
    "most against the reference: exact float32 search at the model's native dim with the "
    "same distance when the run has it, otherwise the dataset's best configuration. "
    "Difference CI: paired bootstrap 95%; p: paired randomization test.</p>"
)


@dataclass(frozen=True)
class Candidate:
    """A configuration against its reference, on the queries both evaluated."""

    loss: float  # mean over queries of reference - configuration
    row: pd.Series
    ref: pd.Series
    ref_kind: str
    main: str
    ids: np.ndarray
    x_ref: np.ndarray
    x_row: np.ndarray


class DrilldownSection:
    anchor = "drilldown"
    title = "Per-query drill-down"
    order = 60

    def render(self, ctx: ReportContext) -> str:
        run = ctx.run
        if run.ok.empty:
            return H.notice("warn", "No successful rows.")
        cands = _candidates(run, ctx.mains)
        if not cands:
            return H.notice(
                "warn",
                "No configuration to drill into: it needs two configurations of a dataset "
                "with per-query results (one is taken as the reference).",
            )
        loader = TextLoader(run, ctx.texts)
        parts, records = [INTRO], []
        for n, cand in enumerate(cands):
            html, recs = _config(run, cand, loader, opened=n == 0)
            parts.append(html)
            records += recs
        if records:
            ctx.offer("drilldown.csv", pd.DataFrame(records))
        return "".join(parts)


def _candidates(run: RunData, mains: dict[str, str | None]) -> list[Candidate]:
    """The DRILL_CONFIGS configurations with the largest mean loss against their reference."""
    ok = run.ok
    cands = []
    for _, row in ok.iterrows():
        main = mains.get(str(row["dataset"]))
        if not main or main not in row or H.is_missing(row[main]):
            continue
        ref = _reference_for(run, ok, row, main)
        if ref is None:
            continue
        va, vb = run.values(ref[0], main), run.values(row, main)
        if va is None or vb is None:
            continue
        ids, x_ref, x_row = paired(va, vb)
        if len(ids) == 0:
            continue
        loss = float(np.mean(x_ref - x_row))
        cands.append(Candidate(loss, row, ref[0], ref[1], main, ids, x_ref, x_row))
    cands.sort(key=lambda c: -c.loss)
    return cands[:DRILL_CONFIGS]


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


def _reference_for(run: RunData, ok: pd.DataFrame, row: pd.Series, main: str
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
        same = same[same["search_params"].map(lambda s: "rescore" not in parse_params(s))]
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


def _config(
    run: RunData, c: Candidate, loader: TextLoader, *, opened: bool
) -> tuple[str, list[dict]]:
    """One configuration's <details>: the comparison with its reference and the queries that
    lost the most; the drill-down table's records for those queries."""
    res = stats.paired_compare(c.x_ref, c.x_row, n_boot=1000, n_perm=2000, seed=0)
    data = loader.get(c.row)
    order = np.argsort(-(c.x_ref - c.x_row), kind="stable")
    order = [i for i in order if c.x_ref[i] - c.x_row[i] > 0][:DRILL_QUERIES]
    row_ids = run.values(c.row, c.main)
    qpos_of = {q: i for i, q in enumerate(row_ids[0])} if row_ids else {}
    items, records = [], []
    for i in order:
        html, rec = _query(run, c, i, data, qpos_of.get(c.ids[i]))
        items.append(html)
        records.append(rec)
    note = ""
    problem = loader.problem.get(str(c.row["dataset"]))
    if loader.source is not None and problem:
        note = H.notice("warn", f"Texts of {H.esc(c.row['dataset'])} not shown: {H.esc(problem)}.")
    elif loader.source is None:
        note = H.notice("warn", "Texts left out (report built without dataset texts).")
    lost = sum(1 for i in range(len(c.ids)) if c.x_ref[i] > c.x_row[i])
    won = sum(1 for i in range(len(c.ids)) if c.x_ref[i] < c.x_row[i])
    label = config_label(c.row, with_dataset=True)
    summary = (
        f"{H.esc(label)} — {H.esc(c.main)} "
        f"{res.mean_b:.4f} vs {res.mean_a:.4f} (Δ {res.diff.mean:+.4f})"
    )
    body = (
        f"<p>Reference: <b>{H.esc(config_label(c.ref, with_dataset=True))}</b> "
        f"({H.esc(c.ref_kind)}). Over {res.n} queries: {lost} lost, {won} gained, "
        f"{res.n - lost - won} unchanged; mean difference {res.diff.mean:+.4f} "
        f"(95% CI [{res.diff.low:+.4f}, {res.diff.high:+.4f}], p = "
        f"{H.fmt('p_value', res.p_value)}).</p>{note}"
        + ("".join(items) if items else "<p>No query lost anything.</p>")
    )
    html = f"<details{' open' if opened else ''}><summary>{summary}</summary>{body}</details>"
    return html, records


def _query(
    run: RunData, c: Candidate, i: int, data: DatasetTexts | None, qpos: int | None
) -> tuple[str, dict]:
    """One query that lost: its text, values, and where its relevant documents ended up."""
    qid = str(c.ids[i])
    qtext = data.queries.get(qid) if data else None
    rel = []
    if data:
        rel = sorted(
            ((d, g) for d, g in data.qrels.get(qid, {}).items() if g > 0),
            key=lambda t: (-t[1], t[0]),
        )
    tag_cls, tag_text = ("", "")
    if qpos is not None:
        tag_cls, tag_text = _found_status(run, c.row, qpos, len(rel) or None)
    docs_html = _documents(run, c.row, qid, data, rel) if data else ""
    count = f"{len(rel)} relevant document{'s' if len(rel) != 1 else ''}"
    count = count if rel else "relevant documents"
    tag = f" — with this configuration: <span class='tag {tag_cls}'>{H.esc(tag_text)}</span>"
    tag = tag if tag_text else ""
    docs_html = f"<div class='small'>{count}{tag}</div>{docs_html}"
    rec = {
        "config": config_label(c.row, with_dataset=True),
        "reference": config_label(c.ref, with_dataset=True),
        "metric": c.main,
        "query_id": qid,
        "reference_value": c.x_ref[i],
        "config_value": c.x_row[i],
        "loss": c.x_ref[i] - c.x_row[i],
        "query_text": qtext,
        "relevant_docs": " ".join(d for d, _ in rel) if data else None,
        "found": tag_text,
    }
    html = (
        f"<div class='q'><div><code>{H.esc(qid)}</code> "
        f"<span class='qtext'>{H.esc(qtext if qtext is not None else '')}</span></div>"
        f"<div class='vals'>{H.esc(c.main)}: reference {c.x_ref[i]:.4f} → this "
        f"{c.x_row[i]:.4f} (loss {c.x_ref[i] - c.x_row[i]:.4f})</div>{docs_html}</div>"
    )
    return html, rec


def _documents(
    run: RunData, row: pd.Series, qid: str, data: DatasetTexts, rel: list[tuple[str, float]]
) -> str:
    """The query's relevant documents, each with its rank or as missed, and what was
    retrieved in their place."""
    top = _top_ids(run, row, qid)
    lis = []
    for did, grade in rel[:DRILL_DOCS]:
        text = data.docs.get(did, "")
        snippet = text[:SNIPPET] + ("…" if len(text) > SNIPPET else "")
        where = ""
        if top is not None:
            where = (
                f"<span class='tag found'>rank {top.index(did) + 1}</span>"
                if did in top
                else f"<span class='tag missed'>missed (not in top {len(top)})</span>"
            )
        lis.append(
            f"<li><span class='tag'>grade {int(grade)}</span>{where}"
            f"<code>{H.esc(did)}</code> {H.esc(snippet)}</li>"
        )
    more = len(rel) - DRILL_DOCS
    if more > 0:
        lis.append(f"<li class='small'>… and {more} more relevant documents</li>")
    out = f"<ul>{''.join(lis)}</ul>"
    relevant = {d for d, _ in rel}
    instead = [d for d in (top or []) if d not in relevant][:DRILL_DOCS]
    if instead:
        got = "".join(
            f"<li><span class='tag'>rank {top.index(d) + 1}</span>"
            f"<code>{H.esc(d)}</code> "
            f"{H.esc(data.docs.get(d, '')[:SNIPPET])}…</li>"
            for d in instead
        )
        out += f"<div class='small'>retrieved instead:</div><ul>{got}</ul>"
    return out


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
