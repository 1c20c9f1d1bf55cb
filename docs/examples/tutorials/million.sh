#!/usr/bin/env bash
# Tutorial: choosing an index for a million documents (docs/tutorials/million.md).
# N is the corpus you will serve; the tests run this script with N=100000.
set -euo pipefail
N=${N:-1000000}

# 1. Measure at growing samples of the corpus, and extrapolate to N: build time, memory,
#    qps and recall each get a power law with a prediction interval.
cat > growth.yaml <<YAML
schema_version: 1
name: growth
k: 10
datasets:
  - {ref: "synthetic:n=$N,dim=64,clusters=50,queries=200,noise=0.3", name: corpus}
models: [vectors]
corpus_sizes: [$((N / 100)), $((N / 30)), $((N / 10))]
extrapolate_to: $N
backends:
  - exact
  - {name: faiss-hnsw, build: {M: 16, efConstruction: 40}, search: {efSearch: [16, 64]}}
  - {name: faiss-ivf, build: {nlist: 256}, search: {nprobe: [4, 16]}}
evaluate: [hit@10]
repeats: 1
YAML
harness run growth.yaml --output results --no-progress --no-report
run=$(ls -d results/growth-*)
python - "$run" <<'PY'
import sys

import pandas as pd
from harness.console import table

fits = pd.read_csv(f"{sys.argv[1]}/scaling.csv")
fits = fits[fits.quantity.isin(["build_s", "index_bytes", "qps", "knn_recall@10"])]
cols = ["backend", "search_params", "quantity", "exponent", "exponent_low", "exponent_high",
        "at_target"]
print(table(fits[cols].fillna(""), lambda v: f"{v:.3f}"))
PY

# 2. The finalists on the whole corpus, and the best of them under the service's budgets.
cat > finalists.yaml <<YAML
schema_version: 1
name: finalists
k: 10
datasets:
  - {ref: "synthetic:n=$N,dim=64,clusters=50,queries=200,noise=0.3", name: corpus}
models: [vectors]
backends:
  - exact
  - {name: faiss-hnsw, build: {M: 16, efConstruction: 40}, search: {efSearch: [64]}}
  - {name: faiss-ivf, build: {nlist: 1024}, search: {nprobe: [16]}}
evaluate: [hit@10]
YAML
harness run finalists.yaml --output results --no-progress --no-report
harness best "$(ls -d results/finalists-*)" --max-p99-ms 5 --max-bytes-per-doc 600
