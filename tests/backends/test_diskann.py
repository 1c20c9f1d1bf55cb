"""DiskANN (in-memory Vamana) on small clustered data: recall against exact search,
exact-scale scores, parameters reaching the library, empty slots, its files and their
removal, and its memory per document against the RSS growth of loading the index."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
from test_backends import clustered, make
from test_faiss_rabitq_nsg import recall_of

pytest.importorskip("diskannpy")


@pytest.mark.parametrize("metric", ["ip", "l2"])
def test_recall_and_scores_against_exact(metric):
    docs, queries = clustered()
    be = make("diskann", metric, {"graph_degree": 32}, {"complexity": 100}, docs=docs)
    rec, scores, found = recall_of(be, docs, queries, metric)
    assert rec >= 0.97, rec
    np.testing.assert_allclose(scores, found, atol=1e-4)
    low = make("diskann", metric, {"graph_degree": 2, "complexity": 4}, {"complexity": 1},
               docs=docs)
    assert recall_of(low, docs, queries, metric)[0] < rec  # the parameters reach the library


def test_fewer_documents_than_k_files_and_cleanup():
    docs, queries = clustered(n=5, nq=3)
    ids, scores = make("diskann", "ip", docs=docs).search(queries, 10)
    assert (ids[:, 5:] == -1).all() and np.isneginf(scores[:, 5:]).all()
    be = make("diskann", "l2", {"graph_degree": 16}, docs=clustered()[0])
    files = {f: os.path.getsize(be.scratch.file(f)) for f in os.listdir(be.scratch.path)}
    # the index's vectors: an 8-byte header (n, d) and 2000 x 32 float32
    assert files["ann.data"] == 8 + 2000 * 32 * 4
    assert "ann_vectors.bin" not in files  # the build's input copy, not the index
    assert be.nbytes() == be.disk_bytes() == sum(files.values())
    # vectors + the graph file (a count and <= 16 int32 ids a node) + the node's bookkeeping
    per_doc = be.memory().per_doc
    assert 32 * 4 + 4 + 125 < per_doc <= (8 + 24 + 2000 * (32 * 4 + 4 + 16 * 4)) / 2000 + 125
    path = be.scratch.path
    be.scratch.close()
    assert not os.path.exists(path)


# The load's growth of anonymous RSS: the index lives on the heap. Total RSS also counts the
# library's code pages the load faults in (6.5 MB here whatever n, so 324 bytes a document at
# n = 20,000 on a fresh machine, less where the page cache already held them).
LOAD = """
import sys, diskannpy
def anon():
    for line in open("/proc/self/status"):
        if line.startswith("RssAnon:"):
            return int(line.split()[1]) * 1024
before = anon()
index = diskannpy.StaticMemoryIndex(sys.argv[1], num_threads=1, initial_search_complexity=64)
print(anon() - before)
"""


@pytest.mark.parametrize(("d", "degree"), [(64, 32), (128, 64)])
def test_memory_per_doc_within_10_percent_of_the_load_rss(d, degree):
    # the load's heap growth in a fresh process (no freed build memory to reuse), n = 20,000
    n = 20_000
    x = np.random.default_rng(0).standard_normal((n, d)).astype(np.float32)
    be = make("diskann", "l2", {"graph_degree": degree, "complexity": degree}, docs=x,
              threads=2)
    out = subprocess.run([sys.executable, "-c", LOAD, be.scratch.path], capture_output=True,
                         text=True, check=True).stdout
    measured = int(out.split()[-1]) / n
    assert measured == pytest.approx(be.memory().per_doc, rel=0.10)
    # the brief formula (graph_degree int32 ids + the vector) is below it, and further off
    brief = degree * 4 + d * 4
    assert brief < measured and measured - brief > abs(be.memory().per_doc - measured)


@pytest.mark.parametrize("metric", ["ip", "l2"])
def test_disk_index_recall_scores_and_files(metric):
    docs, queries = clustered()
    be = make("diskann-disk", metric, {"graph_degree": 32, "pq_bytes": 8},
              {"complexity": 100, "beam_width": 4}, docs=docs)
    rec, scores, found = recall_of(be, docs, queries, metric)
    assert rec >= 0.95, rec  # full vectors re-rank the PQ-guided walk
    np.testing.assert_allclose(scores, found, atol=1e-4)
    assert recall_of(be, docs, queries, metric)[0] == rec  # same answers again
    be.prepare({"complexity": 10, "beam_width": 1})
    assert recall_of(be, docs, queries, metric)[0] < rec  # the parameters reach the library
    files = set(os.listdir(be.scratch.path))
    assert "ann_disk.index" in files and "ann_vectors.bin" not in files
    # 8 PQ bytes a document in memory (its compressed file: 8-byte header + n x 8)
    assert os.path.getsize(be.scratch.file("ann_pq_compressed.bin")) == 8 + 2000 * 8
    mem = be.memory()
    assert mem.per_doc == 8 and mem.fixed > 0
    # on disk: at least each node's full vector (4 x 32 bytes)
    assert be.disk_bytes() / 2000 > 4 * 32


def test_disk_index_cache_nodes_and_few_documents():
    docs, queries = clustered(n=5, nq=3)
    ids, scores = make("diskann-disk", "l2", {"pq_bytes": 4}, docs=docs).search(queries, 10)
    assert (ids[:, 5:] == -1).all() and np.isneginf(scores[:, 5:]).all()
    assert sorted(ids[0, :5]) == list(range(5))
    be = make("diskann-disk", "l2", {"graph_degree": 16, "pq_bytes": 8, "cache_nodes": 100},
              docs=clustered()[0])
    # 100 cached nodes of a 128-byte vector, a count and 16 ids, spread over 2000 documents
    assert be.memory().per_doc == 8 + 100 * (128 + 4 + 64) / 2000


def loop_rate_while(call) -> float:
    """Iterations a second of a Python loop in this thread while `call` runs in another."""
    import threading
    import time

    th = threading.Thread(target=call)
    t0 = time.perf_counter()
    th.start()
    n = 0
    while th.is_alive():
        n += 1
    return n / (time.perf_counter() - t0)


def test_batch_search_holds_the_gil_so_load_clients_are_processes():
    import time

    docs, queries = clustered()
    be = make("diskann", "l2", {"graph_degree": 32}, {"complexity": 200}, docs=docs)
    many = np.repeat(queries, 20, axis=0)
    free = loop_rate_while(lambda: time.sleep(0.5))  # a thread that releases the GIL
    held = loop_rate_while(lambda: be.search(many, 10))
    # measured 0.008 of a free rate (0.4 against a sleeping thread): the GIL is held
    assert held < 0.25 * free, (held, free)
    assert be.concurrency.mode == "processes" and "GIL" in be.concurrency.why
