"""BM25 in the harness (harness.lexical.bm25.BM25Index) vs bm25s called directly, single thread.

On the bbc-news collection exported as a BEIR folder (or --beir FOLDER), interleaved in
shuffled order over several repeats, under the runner's thread_limit(1):

* build: tokenize the corpus (bm25s.tokenize, English stopwords, PyStemmer english) + index,
* search: tokenize the queries + top-10 for every query (bm25s: retrieve(n_threads=0)).

Prints speed ratios harness/bare (bare seconds / harness seconds; > 1 means the harness is
faster) as the ratio of medians and the median of paired repeats, and checks that both give
the same top-10 scores. Results go to bench/out/bm25.txt.

    python bench/bm25.py [--beir FOLDER] [--k 10] [--repeats 7]
"""

from __future__ import annotations

import argparse
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from overhead import OUT

from harness.datasets.beir import load_beir
from harness.execution.timing import thread_limit
from harness.lexical.bm25 import BM25Index, BM25Options


def _bare(docs, queries, k):
    import bm25s
    import Stemmer

    stemmer = Stemmer.Stemmer("english")
    t0 = time.perf_counter_ns()
    retriever = bm25s.BM25()
    tokens = bm25s.tokenize(docs, stopwords="en", stemmer=stemmer, show_progress=False)
    retriever.index(tokens, show_progress=False)
    t1 = time.perf_counter_ns()
    q = bm25s.tokenize(queries, stopwords="en", stemmer=stemmer, show_progress=False)
    _, scores = retriever.retrieve(q, k=k, n_threads=0, show_progress=False)
    t2 = time.perf_counter_ns()
    return (t1 - t0) / 1e9, (t2 - t1) / 1e9, scores


def _harness(docs, queries, k):
    t0 = time.perf_counter_ns()
    index = BM25Index(BM25Options())
    index.build(docs)
    t1 = time.perf_counter_ns()
    _, scores = index.search(queries, k)
    t2 = time.perf_counter_ns()
    return (t1 - t0) / 1e9, (t2 - t1) / 1e9, scores


def _folder(arg: str | None, tmp: str) -> Path:
    if arg:
        return Path(arg)
    from harness.datasets.export import export
    from harness.errors import UserError
    from harness.plan.refs import load_dataset
    from harness.suite.schema import DatasetRef

    out = Path(tmp) / "bbc-beir"
    try:
        export(load_dataset(DatasetRef(ref="bbc-news")), out)
    except UserError as exc:
        raise SystemExit(f"could not export bbc-news: {exc.one_line()}") from None
    return out


def main() -> None:
    import bm25s

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--beir", help="a BEIR folder (default: bbc-news exported to a temp folder)")
    ap.add_argument("--k", type=int, default=10)
    ap.add_argument("--repeats", type=int, default=7)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        ds = load_beir(_folder(args.beir, tmp))
    docs, queries = list(ds.docs), list(ds.queries)

    runs = {"harness": _harness, "bare": _bare}
    build: dict[str, list[float]] = {w: [] for w in runs}
    search: dict[str, list[float]] = {w: [] for w in runs}
    rng = np.random.default_rng(0)
    with thread_limit(1):
        h_scores, b_scores = _harness(docs, queries, args.k)[2], _bare(docs, queries, args.k)[2]
        full = np.isfinite(h_scores).all(axis=1)  # rows where every slot matched
        same = bool(np.array_equal(h_scores[full], b_scores[full]))
        for _ in range(args.repeats):
            for who in rng.permutation(list(runs)):
                b, s, _ = runs[who](docs, queries, args.k)
                build[who].append(b)
                search[who].append(s)
    lines = [
        f"bm25 (lucene, k1=1.5, b=0.75, en stopwords, english stemmer): {ds.n_docs} docs, "
        f"{ds.n_queries} queries, k={args.k}, single thread, {args.repeats} interleaved "
        f"repeats ({platform.processor() or platform.machine()}, bm25s {bm25s.__version__})",
        f"{'':<8} {'harness s':>10} {'bare s':>10} {'ratio':>7} {'paired':>7}",
    ]
    for name, t in (("build", build), ("search", search)):
        h, b = np.median(t["harness"]), np.median(t["bare"])
        paired = np.median(np.array(t["bare"]) / np.array(t["harness"]))
        lines.append(f"{name:<8} {h:>10.3f} {b:>10.3f} {b / h:>7.2f} {paired:>7.2f}")
    lines.append(f"ratio = bare/harness seconds (> 1: harness faster); same top-{args.k} "
                 f"scores on fully matched rows: {same}")
    print("\n".join(lines))
    OUT.mkdir(exist_ok=True)
    (OUT / "bm25.txt").write_text("\n".join(lines) + "\n")
    print(f"written: {OUT / 'bm25.txt'}")


if __name__ == "__main__":
    main()
