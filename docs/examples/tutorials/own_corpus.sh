#!/usr/bin/env bash
# Tutorial: your own corpus as a BEIR folder (docs/tutorials/own-corpus.md).
set -euo pipefail

# 1. A BEIR folder: corpus.jsonl, queries.jsonl, qrels/test.tsv. Here one is exported from
#    a shipped dataset; yours has the same three files.
harness export bbc-news data/my-corpus
head -c 200 data/my-corpus/corpus.jsonl; echo
head -3 data/my-corpus/qrels/test.tsv

# 2. A suite over it: one model, exact search and an HNSW index at two settings.
cat > my-corpus.yaml <<'YAML'
schema_version: 1
name: my-corpus
k: 100
datasets:
  - {ref: "beir:data/my-corpus", max_queries: 200, max_docs: 600}
models: [minilm-l6-int8]
backends:
  - exact
  - {name: hnswlib, build: {M: 16}, search: {ef: [16, 64]}}
evaluate: [ndcg@10, recall@100]
YAML

# 3. Check it (every mistake is one line, before anything is encoded), then run it.
harness validate my-corpus.yaml
harness run my-corpus.yaml --output results --no-progress
run=$(ls -d results/my-corpus-*)

# 4. What to choose: the best configuration under a memory budget.
harness best "$run" --max-bytes-per-doc 2000
