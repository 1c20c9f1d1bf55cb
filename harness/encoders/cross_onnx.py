"""An ONNX cross-encoder folder: `model.onnx` (or `onnx/model.onnx`), `tokenizer.json` and the
transformers `config.json`, run with onnxruntime on (query, document) pairs.

The score is the graph's first logit per pair, through the activation sentence-transformers'
CrossEncoder applies (`config.json`'s sentence_transformers.activation_fn; by default a
sigmoid for one label), so a folder exported from a CrossEncoder scores as it does.
onnxruntime and tokenizers are imported when the model is loaded.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from harness.errors import UserError

INSTALL = "pip install onnxruntime tokenizers"


def onnx_model_file(folder: Path) -> Path | None:
    """The folder's ONNX graph, if it holds one."""
    for p in (folder / "model.onnx", folder / "onnx" / "model.onnx"):
        if p.is_file():
            return p
    return None


def _sigmoid_output(folder: Path) -> bool:
    config_file = folder / "config.json"
    config = json.loads(config_file.read_text()) if config_file.is_file() else {}
    activation = str((config.get("sentence_transformers") or {}).get("activation_fn") or "")
    if activation:
        return activation.endswith("Sigmoid")
    return len(config.get("id2label") or {"0": ""}) == 1


class OnnxCrossEncoder:
    """Scores (query, document) pairs with an exported cross-encoder graph."""

    def __init__(self, folder: str | Path, batch_size: int = 32, max_length: int = 512) -> None:
        folder = Path(folder)
        model = onnx_model_file(folder)
        if model is None or not (folder / "tokenizer.json").is_file():
            raise UserError(f"{folder}: an ONNX cross-encoder needs model.onnx and "
                            "tokenizer.json")
        try:
            import onnxruntime as ort
            from tokenizers import Tokenizer
        except ImportError as exc:
            raise UserError(f"the ONNX cross-encoder needs {exc.name}",
                            suggestion=INSTALL) from exc
        self.tokenizer: Any = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_length)
        self.tokenizer.enable_padding()
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        self.session: Any = ort.InferenceSession(str(model), options,
                                                 providers=["CPUExecutionProvider"])
        self.inputs = {i.name for i in self.session.get_inputs()}
        self.batch_size = batch_size
        self.sigmoid = _sigmoid_output(folder)
        self.model_file = model

    def score(self, pairs: Sequence[tuple[str, str]]) -> np.ndarray:
        out = [self._batch(pairs[i : i + self.batch_size])
               for i in range(0, len(pairs), self.batch_size)]
        return np.concatenate(out) if out else np.zeros(0, dtype=np.float32)

    def _batch(self, pairs: Sequence[tuple[str, str]]) -> np.ndarray:
        enc = self.tokenizer.encode_batch([(q, d) for q, d in pairs])
        feed = {"input_ids": [e.ids for e in enc],
                "attention_mask": [e.attention_mask for e in enc],
                "token_type_ids": [e.type_ids for e in enc]}
        arrays = {n: np.asarray(v, dtype=np.int64) for n, v in feed.items() if n in self.inputs}
        logits = np.asarray(self.session.run(None, arrays)[0], dtype=np.float32)
        first = logits.reshape(len(pairs), -1)[:, 0]
        return (1.0 / (1.0 + np.exp(-first)) if self.sigmoid else first).astype(np.float32)

    def nbytes(self) -> int:
        """The graph file's size: its weights are what a deployment keeps in memory."""
        data = self.model_file.with_name(self.model_file.name + "_data")
        return self.model_file.stat().st_size + (data.stat().st_size if data.is_file() else 0)
