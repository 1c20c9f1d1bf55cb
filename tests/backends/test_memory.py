"""Each backend's memory figures against the analytical size of its structures.

Small synthetic corpora (n = 2000, d = 32) keep these fast. Most figures are exact (codes,
list entries, ids, fixed-degree graphs); graphs with random levels (HNSW) are within 2% of
their expectation (level l >= 1 holds a node with probability M^-l: 1 / (M - 1) upper
levels a node on average); annoy's trees within 15% (see ANNOY_NODES_PER_K).
"""

from __future__ import annotations

import numpy as np
import pytest

from harness.backends.base import IndexInput, IndexMemory
from harness.registry import BACKENDS

N, D = 2000, 32
#: annoy stops splitting at K items a node; its leaves end up about 2/3 full, so a tree has
#: about 3 nodes (splits and leaves) per K items (measured 2.7-3.3 at d = 16..128)
ANNOY_NODES_PER_K = 3.0


@pytest.fixture(scope="module")
def data() -> np.ndarray:
    x = np.random.default_rng(0).standard_normal((N, D)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def memory(name: str, build: dict, x: np.ndarray, precision: str = "float32",
           metric: str = "ip") -> IndexMemory:
    cls = BACKENDS.get(name).load()
    backend = cls(metric, build)
    vectors = np.packbits(x > 0, axis=1) if precision == "binary" else x
    if cls.capabilities.input == "raw":
        vectors = x
    search_metric = "hamming" if vectors.dtype == np.uint8 else metric
    backend.build(IndexInput(vectors, search_metric, precision, raw=x, raw_metric=metric))
    return backend.memory()


def upper_links(m: int, slot_bytes: float) -> float:
    """Expected bytes of a node's upper levels: 1 / (M - 1) levels of `slot_bytes` each."""
    return slot_bytes / (m - 1)


def test_flat_codes_exact(data):
    assert memory("exact", {}, data) == IndexMemory(4 * D, 0)
    assert memory("exact", {}, data, "binary") == IndexMemory(D / 8, 0)
    assert memory("faiss-binary", {}, data, "binary") == IndexMemory(D / 8, 0)
    # SQ8: one byte a dimension, and its trained per-dimension range (2 float32) fixed
    assert memory("faiss-sq", {}, data, "int8") == IndexMemory(D, 2 * 4 * D)
    assert memory("faiss-sq", {}, data, "float16") == IndexMemory(2 * D, 0)
    # RaBitQ 1 bit: d / 8 code bytes and two float32 factors; its centre is trained
    assert memory("faiss-rabitq", {}, data) == IndexMemory(D / 8 + 8, 4 * D)
    # extended RaBitQ (nb_bits > 1): nb_bits bits a dimension and 12 more bytes of factors
    assert memory("faiss-rabitq", {"nb_bits": 4}, data) == IndexMemory(D * 4 / 8 + 8 + 12, 4 * D)


def test_inverted_lists_codes_ids_and_centroids(data):
    nlist = 16
    centroids = nlist * 4 * D
    assert memory("faiss-ivf", {"nlist": nlist}, data) == IndexMemory(4 * D + 8, centroids)
    # IVF-PQ m=16 nbits=8: 16 code bytes + an 8-byte id a document; 256 centroids of d/m
    # floats per sub-quantizer; l2 adds the precomputed tables (nlist x m x 256 floats)
    pq = {"nlist": nlist, "m": 16, "nbits": 8}
    codebooks = 2**8 * D * 4
    assert memory("faiss-ivfpq", pq, data) == IndexMemory(16 + 8, centroids + codebooks)
    tables = nlist * 16 * 2**8 * 4
    assert memory("faiss-ivfpq", pq, data, metric="l2") == IndexMemory(
        16 + 8, centroids + codebooks + tables)
    # refine keeps a float32 copy: counted per document and as rescore bytes
    assert memory("faiss-ivfpq", {**pq, "refine": True}, data) == IndexMemory(
        16 + 8 + 4 * D, centroids + codebooks, 4 * D)
    assert memory("faiss-ivf-rabitq", {"nlist": nlist}, data) == IndexMemory(
        D / 8 + 8 + 8, centroids)


@pytest.mark.parametrize("m", [8, 16])
def test_faiss_hnsw_links_levels_offsets(data, m):
    # neighbour slots (int32): 2M on level 0, M per upper level; a level (int32) and an
    # offset (size_t) a node
    links = 4 * 2 * m + upper_links(m, 4 * m) + 4 + 8
    got = memory("faiss-hnsw", {"M": m}, data)
    assert got.per_doc == pytest.approx(4 * D + links, rel=0.02) and got.fixed == 0
    sq = memory("faiss-sq", {"M": m}, data, "int8")
    assert sq.per_doc == pytest.approx(D + links, rel=0.02) and sq.fixed == 2 * 4 * D
    binary = memory("faiss-binary", {"M": m}, data, "binary")
    assert binary.per_doc == pytest.approx(D / 8 + links, rel=0.02)


def test_faiss_nsg_fixed_degree_graph(data):
    assert memory("faiss-nsg", {"R": 16, "GK": 32}, data) == IndexMemory(4 * D + 4 * 16, 0)


@pytest.mark.parametrize("m", [8, 16])
def test_hnswlib_element_layout(data, m):
    # level 0: vector, 2M links + their count, the 8-byte label; upper levels: M links and a
    # count each; per element in memory: its level, a links pointer, a mutex (40 B), a
    # visited-list slot (2 B), its label-map entry (~44 B)
    level0 = 4 * D + 4 * 2 * m + 4 + 8
    expected = level0 + upper_links(m, 4 * m + 4) + 4 + 8 + 40 + 2 + 44
    got = memory("hnswlib", {"M": m}, data)
    assert got.per_doc == pytest.approx(expected, rel=0.02)
    assert got.fixed == 65536 * 40


def test_usearch_nodes_and_vectors(data):
    m = 16
    # vector tape at the dtype's size; per node its key (8), level (2); a count (4) and
    # 2M slots on level 0, M slots and a count per upper level
    graph = 8 + 2 + 4 + 4 * 2 * m + upper_links(m, 4 + 4 * m)
    for precision, vector in (("float32", 4 * D), ("float16", 2 * D), ("binary", D / 8)):
        got = memory("usearch", {"connectivity": m}, data, precision)
        assert got.per_doc == pytest.approx(vector + graph, rel=0.02), precision


@pytest.mark.parametrize(("metric", "node", "k"), [("ip", 12 + 4 * D, D + 2),
                                                   ("l2", 16 + 4 * D, D + 2)])
def test_annoy_nodes(data, metric, node, k):
    # unit vectors under 'ip' index as 'angular' (no extra float a node); l2 as 'euclidean'
    trees = 10
    got = memory("annoy", {"n_trees": trees}, data, metric=metric)
    expected = node * (1 + trees * ANNOY_NODES_PER_K / k)
    assert got.per_doc == pytest.approx(expected, rel=0.15) and got.fixed == 0
    assert round(got.per_doc * N) % node == 0  # the saved node array: whole nodes


def test_scann_codes_tokens_and_reorder_copy(data):
    build = {"num_leaves": 20, "training_sample_size": N}
    # one byte per 2-dimension AH block, an int32 leaf token, the float32 reorder copy
    got = memory("scann", build, data)
    assert got.per_doc == D / 2 + 4 + 4 * D and got.rescore_per_doc == 4 * D
    assert got.fixed > 20 * D * 4  # the tree's centroids and AH codebooks at least
    no_reorder = memory("scann", {**build, "reordering_num_neighbors": 0}, data)
    assert no_reorder.per_doc == D / 2 + 4 and no_reorder.rescore_per_doc == 0
