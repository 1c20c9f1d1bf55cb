"""What a faiss index holds, read from its structures (never from its serialized size).

Per document: the codes (`code_size` bytes: 4d for float32, d for SQ8, m * nbits / 8 for PQ,
d / 8 for binary), an inverted-list entry's 8-byte id (IVF), HNSW's neighbour slots (int32;
2M on level 0 and M per upper level, allocated whether filled or not) with its level (int32)
and offset (size_t) per node, NSG's R int32 links. Fixed: IVF centroids (the coarse
quantizer's vectors), PQ codebooks and IVF-PQ's precomputed tables, SQ ranges, RaBitQ's
centre. IndexRefineFlat's float32 copy is counted per document and as `rescore_per_doc`.
"""

from __future__ import annotations

from typing import Any

from harness.backends.base import IndexMemory

#: faiss's idx_t: the id stored beside every inverted-list entry
ID_BYTES = 8
#: HNSW per node: its level (int32) and its offset into the neighbour table (size_t)
HNSW_NODE_BYTES = 4 + 8
LINK_BYTES = 4  # a neighbour id (int32), in HNSW and NSG


def faiss_memory(index: Any) -> IndexMemory:
    """IndexMemory of a faiss index (float or binary), wrappers unwrapped."""
    import faiss

    index = _downcast(index)
    n = max(1, int(index.ntotal))
    if isinstance(index, faiss.IndexRefine):
        base, refine = faiss_memory(index.base_index), faiss_memory(index.refine_index)
        return IndexMemory(base.per_doc + refine.per_doc, base.fixed + refine.fixed,
                           base.rescore_per_doc + refine.per_doc)
    if isinstance(index, faiss.IndexHNSW | faiss.IndexBinaryHNSW):
        h = index.hnsw
        links = h.neighbors.size() * LINK_BYTES + h.levels.size() * 4 + h.offsets.size() * 8
        return _plus(faiss_memory(index.storage), links / n)
    if isinstance(index, faiss.IndexNSG):
        return _plus(faiss_memory(index.storage), index.nsg.R * LINK_BYTES)
    if isinstance(index, faiss.IndexIVF | faiss.IndexBinaryIVF):
        inv = index.invlists
        entries = sum(inv.list_size(i) for i in range(inv.nlist))
        quantizer = faiss_memory(index.quantizer)
        centroids = int(quantizer.per_doc * index.quantizer.ntotal) + quantizer.fixed
        return IndexMemory(entries * (inv.code_size + ID_BYTES) / n,
                           centroids + _training_bytes(index))
    if isinstance(index, faiss.IndexFlatCodes | faiss.IndexBinaryFlat):
        return IndexMemory(float(index.code_size), _training_bytes(index))
    raise TypeError(f"no memory accounting for faiss {type(index).__name__}")


def _downcast(index: Any) -> Any:
    import faiss

    if isinstance(index, faiss.IndexBinary):
        return faiss.downcast_IndexBinary(index)
    return faiss.downcast_index(index)


def _plus(inner: IndexMemory, per_doc: float) -> IndexMemory:
    return IndexMemory(inner.per_doc + per_doc, inner.fixed, inner.rescore_per_doc)


def _training_bytes(index: Any) -> int:
    """Trained tables whose size does not depend on N (float32 each)."""
    import faiss

    floats = 0
    if isinstance(index, faiss.IndexScalarQuantizer | faiss.IndexIVFScalarQuantizer):
        floats += index.sq.trained.size()
    if isinstance(index, faiss.IndexPQ | faiss.IndexIVFPQ):
        floats += index.pq.centroids.size()
    if isinstance(index, faiss.IndexIVFPQ):
        floats += index.precomputed_table.size()
    if isinstance(index, faiss.IndexRaBitQ):
        floats += index.center.size()
    return 4 * int(floats)
