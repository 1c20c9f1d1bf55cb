"""A result row's memory columns, from the built index and what the search setting adds.

`bytes_per_doc` is what the row's search holds per document: the index's own figure
(Backend.memory: codes, links, list entries, ids), plus the document vectors rescoring keeps
(`rescore: N` with `rescore_with` float32 or int8), plus a hybrid setting's lexical index per
document. `rescore_bytes_per_doc` is the part of it that is vectors kept only to re-rank
(the harness's rescoring, IndexRefineFlat's copy, ScaNN's reorder dataset).
`index_fixed_bytes` does not grow with the corpus: training data and fixed tables (and the
int8 rescoring's per-dimension ranges).
"""

from __future__ import annotations

from typing import Any

from harness.backends.base import IndexMemory
from harness.execution.lexical_leg import HybridSearcher
from harness.execution.searcher import Searcher

#: the memory columns of a result row, in the order they are written
MEMORY_COLUMNS = ("bytes_per_doc", "index_fixed_bytes", "rescore_bytes_per_doc")


def memory_columns(index: IndexMemory, searcher: Any, n_docs: int) -> dict[str, Any]:
    """The row's memory columns for one search setting (a Searcher or a HybridSearcher)."""
    dense = searcher.dense if isinstance(searcher, HybridSearcher) else searcher
    rescore = dense.rescore_memory() if isinstance(dense, Searcher) else IndexMemory(0.0)
    lexical = searcher.leg.nbytes / max(1, n_docs) if isinstance(searcher, HybridSearcher) else 0.0
    return {
        "bytes_per_doc": index.per_doc + rescore.per_doc + lexical,
        "index_fixed_bytes": int(index.fixed + rescore.fixed),
        "rescore_bytes_per_doc": index.rescore_per_doc + rescore.per_doc,
    }
