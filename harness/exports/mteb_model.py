"""A harness configuration as an mteb model: evaluate it with `mteb.evaluate`.

    import mteb
    from harness.exports.mteb_model import Configuration, HarnessModel

    model = HarnessModel("st:sentence-transformers/all-MiniLM-L6-v2",
                         Configuration(dim=128, precision="int8"))
    result = mteb.evaluate(model, mteb.get_tasks(tasks=["SciFact"]), cache=None)

`HarnessModel` implements mteb's `SearchProtocol` (index the corpus, then search): the
corpus and the queries are encoded through the harness's embedding cache (the same entries a
`harness run` on the same texts writes and reads, so nothing is encoded twice), then go
through the harness's own transforms (harness/embeddings/prepared.py: normalise, truncate or
PCA fitted on the corpus, quantizer fitted on the corpus) and are searched with a harness backend
(`exact` unless said otherwise, with its build and search parameters). mteb then scores the
rankings itself, so its nDCG@10 is the harness row's (tests/exports/test_mteb_model.py).

The model may be a harness model reference (any `models:` entry: `hash:64`, `st:NAME`,
`glove:...`), a `ModelRef`, or an object with the `Encoder` protocol
(harness.encoders.base). Documents are `(title + " " + text).strip()`, as in MTEB and in the
harness's `mteb:` datasets. Harness rescoring and hybrid settings are not part of a
configuration here; reranking tasks (top_ranked) are refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from harness.backends.base import backend_class
from harness.datasets.base import fingerprint_texts
from harness.datasets.beir import join_text
from harness.embeddings.cache import EmbeddingCache, default_cache_dir
from harness.embeddings.prepared import dim_problem, prepare
from harness.embeddings.transforms import dim_method
from harness.encoders.base import Encoder, Role
from harness.errors import UserError
from harness.exports.mteb_results import revision
from harness.inputs.cell_inputs import built_index
from harness.plan.refs import build_encoder
from harness.registry import BACKENDS, PRECISIONS
from harness.suite.axes import DEFAULT_TEMPLATE, dim_size
from harness.suite.schema import ModelRef


@dataclass(frozen=True)
class Configuration:
    """One point of a suite's grid: `dim` (None = native, N = first N dims, 'pca:N'),
    `metric` (cosine, ip, l2), `precision` (float32, float16, float8, int8, binary), the
    `backend` with its `build` and `search` parameters, the PCA `seed`, the encoding
    `batch_size`, the embedding `cache_dir` (default: the harness's) and search `threads`."""

    dim: int | str | None = None
    metric: str = "cosine"
    precision: str = "float32"
    backend: str = "exact"
    build: Mapping[str, Any] = field(default_factory=dict)
    search: Mapping[str, Any] = field(default_factory=dict)
    seed: int = 0
    batch_size: int = 64
    cache_dir: Path | None = None
    threads: int = 1

    def problem(self) -> str | None:
        """What is wrong with this configuration (one line), or None."""
        try:
            dim_size(self.dim)
            PRECISIONS.get(self.precision, key="precision")
            BACKENDS.get(self.backend, key="backend")
        except (ValueError, UserError) as exc:
            return exc.one_line() if isinstance(exc, UserError) else str(exc)
        if self.metric not in ("cosine", "ip", "l2"):
            return f"metric: expected cosine, ip or l2, got {self.metric!r}"
        return None


def _texts(table: Any, titled: bool) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(ids, texts) of an mteb corpus or queries dataset; documents joined as MTEB joins them."""
    ids, texts = [], []
    for batch in table.iter(batch_size=4096):
        titles = (batch.get("title") if titled else None) or [""] * len(batch["id"])
        for rid, title, text in zip(batch["id"], titles, batch["text"], strict=True):
            ids.append(str(rid))
            texts.append(join_text(DEFAULT_TEMPLATE, str(title or ""), str(text or ""))
                         if titled else str(text or ""))
    return tuple(ids), tuple(texts)


class HarnessModel:
    """An mteb search model (SearchProtocol) running one harness configuration."""

    def __init__(self, model: str | ModelRef | Encoder, config: Configuration | None = None,
                 *, name: str | None = None) -> None:
        self.config = config or Configuration()
        problem = self.config.problem()
        if problem:
            raise UserError(f"HarnessModel: {problem}")
        ref = ModelRef(ref=model) if isinstance(model, str) else model
        self.encoder: Encoder = build_encoder(ref) if isinstance(ref, ModelRef) else ref
        problem = dim_problem(self.config.dim, self.encoder.spec.dim)
        if problem:
            raise UserError(f"HarnessModel: {problem}")
        self.name = name or (ref.label if isinstance(ref, ModelRef) else self.encoder.spec.name)
        self.cache = EmbeddingCache(self.config.cache_dir or default_cache_dir())
        self._corpus: tuple[tuple[str, ...], np.ndarray] | None = None

    def _encode(self, ids: tuple[str, ...], texts: tuple[str, ...], role: Role) -> np.ndarray:
        out = self.cache.encode(self.encoder, texts, role=role,
                                texts_fingerprint=fingerprint_texts(ids, texts),
                                batch_size=self.config.batch_size)
        return out.vectors

    def index(self, corpus: Any, **kwargs: Any) -> None:
        """Encode the corpus (through the embedding cache); the transforms are fitted on it
        at search time, with the queries."""
        ids, texts = _texts(corpus, titled=True)
        self._corpus = (ids, self._encode(ids, texts, "document"))

    def search(self, queries: Any, *, top_k: int, top_ranked: Any = None,
               **kwargs: Any) -> dict[str, dict[str, float]]:
        """{query id: {document id: score}} of the configuration's top_k (higher is better)."""
        if top_ranked is not None:
            raise ValueError("HarnessModel does not rerank given candidates (top_ranked)")
        if self._corpus is None:
            raise RuntimeError("index() the corpus before search()")
        doc_ids, docs = self._corpus
        q_ids, q_texts = _texts(queries, titled=False)
        c = self.config
        prep = prepare(docs, self._encode(q_ids, q_texts, "query"), dim=c.dim, metric=c.metric,
                       precision=c.precision, matryoshka_dims=self.encoder.spec.matryoshka_dims,
                       seed=c.seed)
        backend, q = built_index(c.backend, c.build, c.search, prep, c.threads)
        found, scores = backend.search(q, min(top_k, len(doc_ids)))
        return {qid: {doc_ids[i]: float(s) for i, s in zip(row, srow, strict=True) if i >= 0}
                for qid, row, srow in zip(q_ids, found, scores, strict=True)}

    @property
    def mteb_model_meta(self) -> Any:
        """mteb's ModelMeta: the model's name, the variant as the revision (the name
        `harness export --format mteb` gives the same configuration's results), and the
        configuration under experiment_kwargs."""
        from mteb.models.model_meta import ModelMeta

        c = self.config
        caps = backend_class(c.backend).capabilities
        dim = dim_size(c.dim) or self.encoder.spec.dim
        method = dim_method(c.dim, self.encoder.spec.dim, self.encoder.spec.matryoshka_dims)
        variant = {"dim": dim, "dim_method": method, "precision": c.precision,
                   "distance": c.metric,
                   "index": c.backend, "build": caps.with_defaults("build", c.build),
                   "search": caps.with_defaults("search", c.search)}
        config = {k: (str(v) if isinstance(v, Path) else v) for k, v in asdict(c).items()}
        return ModelMeta.create_empty({"name": self.name, "revision": revision(variant),
                                       "embed_dim": dim, "framework": [],
                                       "experiment_kwargs": config})
