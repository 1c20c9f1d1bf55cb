#!/usr/bin/env bash
# Tutorial: your own model as an ONNX folder (docs/tutorials/own-model.md).
set -euo pipefail

# 1. An ONNX folder: model.onnx (token states out) and tokenizer.json. Here it is assembled
#    from the files of the packaged all-MiniLM-L6-v2 int8 model; an `optimum-cli export onnx`
#    folder of your model has the same two files.
python - <<'PY'
import shutil
from pathlib import Path
from harness.encoders.packaged import minilm_int8_options

opts = minilm_int8_options()
Path("my-model").mkdir(exist_ok=True)
shutil.copy(opts.model_path, "my-model/model.onnx")
shutil.copy(opts.tokenizer_path, "my-model/tokenizer.json")
PY
ls my-model

# 2. Your folder beside the packaged model, on the same data: equal rows mean the folder
#    is read as intended (same pooling, same normalisation, same truncation).
harness export bbc-news data/bbc
cat > my-model.yaml <<'YAML'
schema_version: 1
name: my-model
k: 10
datasets:
  - {ref: "beir:data/bbc", max_queries: 100, max_docs: 300}
models:
  - {ref: "onnx:my-model", name: my-model, max_length: 256}
  - minilm-l6-int8
dims: [null, 128]
evaluate: [ndcg@10, mrr@10]
YAML
harness run my-model.yaml --output results --no-progress
