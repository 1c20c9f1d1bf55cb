#!/usr/bin/env bash
# Tutorial: hybrid and two-stage retrieval (docs/tutorials/hybrid-two-stage.md).
set -euo pipefail

# 1. One suite: MiniLM (float32 and 48-byte binary codes) and BM25 as first stages, each
#    dense setting alone and fused with BM25 (RRF, convex), and every first stage alone and
#    re-ranked by MiniLM's float32 vectors over its top 20.
cat > hybrid.yaml <<'YAML'
schema_version: 1
name: my-hybrid
k: 10
datasets:
  - {ref: bbc-news, max_queries: 300, max_docs: 600}
models:
  - {ref: minilm-l6-int8, max_length: 128}
  - {ref: bm25, params: {method: lucene, stemmer: english, stopwords: en}}
precisions: [float32, binary]
backends:
  - name: exact
    search: {hybrid: [none, bm25], fusion: [rrf, convex], alpha: 0.5}
rerank:
  - none
  - {model: minilm-l6-int8, candidates: [20]}
evaluate: [ndcg@10, recall@10]
repeats: 1
YAML

# 2. Check it, run it.
harness validate hybrid.yaml
harness run hybrid.yaml --output results --no-progress
run=$(ls -d results/my-hybrid-*)

# 3. Every first stage alone, fused and re-ranked, by nDCG@10 ...
python - "$run" <<'PY'
import json
import sys
import pandas as pd
rows = pd.read_csv(f"{sys.argv[1]}/results.csv")
search = rows["search_params"].map(lambda s: json.loads(s) if isinstance(s, str) else {})
rows["fused"] = search.map(lambda p: p.get("fusion", "-") if p.get("hybrid") else "-")
rows["reranked"] = rows["rerank"].fillna("-") if "rerank" in rows else "-"
rows["bytes_per_doc"] = rows["bytes_per_doc"].round().astype(int)
cols = ["model", "precision", "fused", "reranked", "ndcg@10", "recall@10", "bytes_per_doc"]
rows = rows[cols].sort_values(cols[4:1:-1] + cols[:2])  # by nDCG@10, ties in a fixed order
print(rows.to_string(index=False, float_format=lambda v: f"{v:.4f}"))
PY

# 4. ... what the second stage buys back (the funnel's rerank stage), and what to choose
#    under a memory budget.
harness funnel "$run"
harness best "$run" --max-bytes-per-doc 3000
