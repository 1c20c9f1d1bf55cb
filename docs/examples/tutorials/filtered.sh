#!/usr/bin/env bash
# Tutorial: filtered search (docs/tutorials/filtered.md).
set -euo pipefail

# 1. A BEIR folder whose documents and queries carry metadata. BBC News is exported and each
#    document gets its topic (from its id, "business/001") and its length in words; each
#    query its topic too. Yours: a "metadata" object on each line of corpus.jsonl.
harness export bbc-news data/news
python - <<'PY'
import json
for name, words in (("corpus", True), ("queries", False)):
    path = f"data/news/{name}.jsonl"
    rows = [json.loads(line) for line in open(path)]
    for r in rows:
        r["metadata"] = {"topic": r["_id"].removeprefix("q:").split("/")[0]}
        if words:
            r["metadata"]["words"] = len(r["text"].split())
    open(path, "w").write("".join(json.dumps(r) + "\n" for r in rows))
PY
head -c 120 data/news/corpus.jsonl; echo " ..."

# 2. Filters are an axis: every cell runs unfiltered (none) and once per filter x strategy.
cat > filtered.yaml <<'YAML'
schema_version: 1
name: my-filters
k: 10
datasets:
  - {ref: "beir:data/news", max_queries: 200, max_docs: 600}
models: [{ref: minilm-l6-int8, max_length: 128}]   # headlines and article openings
backends:
  - exact
  - {name: hnswlib, build: {M: 16}, search: {ef: [64]}}
evaluate: [ndcg@10]
repeats: 1                         # quality is the point here: one timed pass a setting
filters:
  - none
  - {name: long, where: {words: {gte: 500}}}                  # a static filter on a number
  - {name: same-topic, where: {topic: {eq: $query.topic}}}    # the query's own topic
  - {selectivity: [0.01, 0.1]}                                # the harness's uniform field
filter_strategy: [pre, in, post]   # pre: exact search over passing documents (ground truth)
filter_oversample: 10              # post: fetch k x 10, drop the failing ones
YAML

# 3. Check it, run it.
harness validate filtered.yaml
harness run filtered.yaml --output results --no-progress
run=$(ls -d results/my-filters-*)

# 4. The filtered rows: how many documents pass, how well each strategy finds the passing
#    neighbours (knn_recall@10 against pre) and how often it returns fewer than k.
python - "$run" <<'PY'
import sys
import pandas as pd
rows = pd.read_csv(f"{sys.argv[1]}/results.csv")
rows = rows[rows["filter"].notna()].sort_values(["filter", "backend", "filter_strategy"])
cols = ["filter", "backend", "filter_strategy", "selectivity", "ndcg@10", "knn_recall@10",
        "short_of_k_share"]
print(rows[cols].to_string(index=False, float_format=lambda v: f"{v:.4f}"))
PY
