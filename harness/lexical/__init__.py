"""Lexical retrieval (BM25 over bm25s) and fusion of a lexical leg with a dense leg.

Self-contained: nothing here imports the runner, the suite or the registry, so the execution
layer can call `BM25Index` and `harness.lexical.fusion.fuse` without a cycle.
"""
