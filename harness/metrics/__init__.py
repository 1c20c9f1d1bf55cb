"""Per-query metrics: IR metrics against qrels, recall against exact kNN, latency statistics."""
