"""Embedding retrieval benchmark harness: task quality, speed and memory on the same points."""

__version__ = "0.1.0"
