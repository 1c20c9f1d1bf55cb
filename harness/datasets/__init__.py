"""Datasets: text retrieval collections with qrels, and labelled text or vector sets."""
