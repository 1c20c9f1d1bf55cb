"""BM25 retrieval over the `bm25s` library, with the harness's (ids, scores) contract.

Scores are bm25s's own: texts are tokenized by `bm25s.tokenize` (its regex, lower-casing,
stopword lists and a PyStemmer stemmer) and each query is scored by the library's
`BM25.get_scores_from_ids` on its eager sparse score matrix. Only the top-k selection is ours,
for two reasons:

- Retrieved means matched. A slot holds a document that contains at least one of the query's
  known tokens (what a postings-based engine such as Lucene returns). bm25s fills k slots
  even when fewer documents match, with score-0 documents in argpartition's arbitrary order;
  counting those would credit lexical retrieval (and any fusion with it) with random hits.
  Rows with fewer than k matches are padded with id -1 and score -inf, so a query with no
  known token (empty, only stopwords, out of vocabulary) returns a row of -1: the metrics
  count -1 as an empty slot (qrels_evaluate scores such a query 0), fusion ignores it.
  For bm25l/bm25+ non-matching documents do get a score from bm25s (its non-occurrence
  term), but they all tie below every matching document, so only that tail is cut.
- Ties are deterministic: score descending, then document index ascending. bm25s's
  argpartition + argsort leaves the order (and, at the k-th score, the choice) of tied
  documents unspecified. Metrics re-sort each row in trec_eval order (score desc, doc id
  string desc: harness.metrics.ir.trec_order), so the order inside a row never changes a
  metric; only which tied documents make the cut at the k-th score can, and there we keep
  the lowest document indexes, like the dense backends (this is not trec_eval's doc-id
  rule, which would need the document id strings).

Search is single-threaded by construction (one query at a time, numpy only; bm25s's thread
pool is not used), so its timing is comparable with the dense backends' single-thread qps.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import numpy as np

METHODS = ("lucene", "robertson", "atire", "bm25l", "bm25+")
_USES_DELTA = ("bm25l", "bm25+")


@dataclass(frozen=True)
class BM25Options:
    """BM25 parameters and text processing; the defaults are bm25s's and BEIR-style English.

    k1 saturates term frequency, b normalises by document length, delta is the lower bound
    added by bm25l/bm25+ (ignored by the other methods). `stemmer` is a PyStemmer algorithm
    name or None; `stopwords` is a bm25s stopword list name ("en", "english", "de", ...) or
    None. Invalid values raise ValueError with one line naming the field.
    """

    k1: float = 1.5
    b: float = 0.75
    delta: float = 0.5
    method: str = "lucene"
    stemmer: str | None = "english"
    stopwords: str | None = "en"
    lower: bool = True

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise ValueError(f"bm25 method {self.method!r}: expected one of {', '.join(METHODS)}")
        if not self.k1 >= 0:
            raise ValueError(f"bm25 k1={self.k1!r}: expected a value >= 0")
        if not 0 <= self.b <= 1:
            raise ValueError(f"bm25 b={self.b!r}: expected a value in [0, 1]")
        if not self.delta >= 0:
            raise ValueError(f"bm25 delta={self.delta!r}: expected a value >= 0")

    def fingerprint(self) -> str:
        """A hash of everything that changes the scores: the options and library versions.

        delta is left out for methods that ignore it, so equal indexes share a fingerprint;
        the bm25s and PyStemmer versions are in because a new release may change scores.
        """
        opts: dict[str, Any] = asdict(self)
        if self.method not in _USES_DELTA:
            opts.pop("delta")
        opts["bm25s"] = _version("bm25s")
        opts["PyStemmer"] = _version("PyStemmer") if self.stemmer else None
        text = json.dumps(opts, sort_keys=True)
        return hashlib.sha256(f"bm25|{text}".encode()).hexdigest()


def _version(dist: str) -> str | None:
    try:
        return version(dist)
    except PackageNotFoundError:
        return None


def _stemmer(name: str | None) -> Any:
    if name is None:
        return None
    import Stemmer

    if name not in Stemmer.algorithms():
        raise ValueError(f"bm25 stemmer {name!r}: expected a PyStemmer algorithm, e.g. english")
    return Stemmer.Stemmer(name)


def _check_stopwords(name: str | None) -> None:
    import bm25s

    try:
        bm25s.tokenize([""], stopwords=name, show_progress=False)
    except ValueError:
        raise ValueError(
            f"bm25 stopwords {name!r}: expected a bm25s stopword list (en, de, fr, ...) or None"
        ) from None


class BM25Index:
    """A BM25 index over document texts; `search` returns (ids, scores) like a backend."""

    def __init__(self, options: BM25Options | None = None) -> None:
        self.options = options or BM25Options()
        self._stem = _stemmer(self.options.stemmer)
        _check_stopwords(self.options.stopwords)
        self._retriever: Any = None
        self._n_docs = 0

    def fingerprint(self) -> str:
        return self.options.fingerprint()

    def tokenize(self, texts: Sequence[str], *, return_ids: bool = False) -> Any:
        """bm25s.tokenize with this index's settings (lists of tokens, or bm25s Tokenized)."""
        import bm25s

        o = self.options
        return bm25s.tokenize(
            list(texts),
            lower=o.lower,
            stopwords=o.stopwords,
            stemmer=self._stem,
            return_ids=return_ids,
            show_progress=False,
        )

    def build(self, doc_texts: Sequence[str]) -> None:
        """Tokenize and index the documents (row i of the corpus is document index i)."""
        import bm25s

        if len(doc_texts) == 0:
            raise ValueError("bm25: the corpus is empty")
        corpus = self.tokenize(doc_texts, return_ids=True)
        if not corpus.vocab:  # bm25s would fail on max() of an empty vocabulary
            raise ValueError(
                "bm25: no document has an indexable token (after lower-casing, stopwords "
                "and stemming)"
            )
        o = self.options
        retriever = bm25s.BM25(k1=o.k1, b=o.b, delta=o.delta, method=o.method)
        retriever.index(corpus, show_progress=False)
        self._retriever = retriever
        self._n_docs = len(doc_texts)

    def search(self, query_texts: Sequence[str], k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top-k per query: (ids int64 [n, k], -1 when empty; scores float32, -inf when empty).

        k may exceed the corpus size: rows then end in -1 slots. Query tokens are mapped to
        the index vocabulary as bm25s does (unknown tokens dropped, repeats kept).
        """
        if self._retriever is None:
            raise RuntimeError("bm25: search before build")
        if k < 1:
            raise ValueError(f"bm25: k={k}, expected k >= 1")
        r = self._retriever
        vocab = r.vocab_dict
        ids = np.full((len(query_texts), k), -1, dtype=np.int64)
        scores = np.full((len(query_texts), k), -np.inf, dtype=np.float32)
        for i, tokens in enumerate(self.tokenize(query_texts)):
            token_ids = [vocab[t] for t in tokens if t in vocab]
            if not token_ids:
                continue
            full = r.get_scores_from_ids(token_ids)
            top, top_scores = _top_k(full, self._matched(token_ids), k)
            ids[i, : len(top)] = top
            scores[i, : len(top)] = top_scores
        return ids, scores

    def _matched(self, token_ids: list[int]) -> np.ndarray:
        """Indexes (ascending) of the documents holding at least one of the tokens."""
        m = self._retriever.scores
        indices, indptr = m["indices"], m["indptr"]
        mask = np.zeros(self._n_docs, dtype=bool)
        for t in set(token_ids):
            mask[indices[indptr[t] : indptr[t + 1]]] = True
        return np.flatnonzero(mask)

    def nbytes(self) -> int:
        """In-memory size of the index: the sparse score matrix (data, indices, indptr),
        bm25l/bm25+'s non-occurrence array and the vocabulary dict (the dict, its key
        strings and value ints, as sys.getsizeof counts them)."""
        if self._retriever is None:
            return 0
        r = self._retriever
        m = r.scores
        total = int(m["data"].nbytes + m["indices"].nbytes + m["indptr"].nbytes)
        if r.nonoccurrence_array is not None:
            total += int(r.nonoccurrence_array.nbytes)
        vocab = r.vocab_dict
        total += sys.getsizeof(vocab)
        total += sum(sys.getsizeof(t) + sys.getsizeof(v) for t, v in vocab.items())
        return total


def _top_k(scores: np.ndarray, candidates: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The k best candidates by score descending, then index ascending (candidates ascending).

    At the k-th score, tied candidates are taken in ascending index order, so the cut is
    deterministic; selection is O(candidates) plus a sort of k items.
    """
    s = scores[candidates]
    if len(candidates) > k:
        kth = np.partition(s, len(s) - k)[len(s) - k]
        above = np.flatnonzero(s > kth)
        tied = np.flatnonzero(s == kth)[: k - len(above)]
        keep = np.sort(np.concatenate([above, tied]))
        candidates, s = candidates[keep], s[keep]
    order = np.lexsort((candidates, -s))
    return candidates[order].astype(np.int64), s[order]
