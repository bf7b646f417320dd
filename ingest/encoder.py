"""The query encoder: the same embedding model, exported once to ONNX, so that answering a question
needs neither torch nor sentence-transformers.

Why: importing sentence-transformers (and with it transformers and torch) takes 7-9 s on a 2-core
laptop, most of the wait before the first answer. ONNX Runtime and the `tokenizers` library import in
a fraction of a second and embed a question in a few milliseconds. Ingest exports the model (mean
pooling and normalisation included, exactly as the sentence-transformers model does) into the index
folder; `query_encoder()` uses it when it is there and falls back to the full model when it is not.
A test checks that both give the same vectors.
"""

from __future__ import annotations

import json
import os
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np

from .settings import Settings


def onnx_file(settings: Settings) -> Path:
    return settings.index_root / "encoder" / f"{settings.model_name}.onnx"  # one export serves every notebook


def _max_length(model_path: str) -> int:
    cfg = Path(model_path) / "sentence_bert_config.json"
    return int(json.loads(cfg.read_text()).get("max_seq_length", 256)) if cfg.exists() else 256


INPUTS = ("input_ids", "attention_mask", "token_type_ids")


def to_onnx(module, path: Path, output: str) -> None:
    """Trace a BERT-style torch module that takes INPUTS to ONNX at `path`, with batch size and length left
    free (the query encoder here; the rereader, app/engine/reread.py, too)."""
    import torch

    ids = torch.tensor([[101, 7592, 2088, 102]])
    dims = {0: "batch", 1: "tokens"}
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer chatter about shapes, irrelevant to a fixed graph
        torch.onnx.export(
            module, (ids, torch.ones_like(ids), torch.zeros_like(ids)), str(path),
            input_names=list(INPUTS), output_names=[output],
            dynamic_axes={**{name: dims for name in INPUTS}, output: {0: "batch"}}, opset_version=17, dynamo=False,
        )


def one_thread_session(path: Path):
    """An ONNX Runtime session on one thread: one short text at a time, where a second thread costs more
    than it gives."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def feed(encoding) -> dict[str, np.ndarray]:
    """One `tokenizers` encoding as a batch of one, in INPUTS."""
    return {name: np.asarray([values], dtype=np.int64)
            for name, values in zip(INPUTS, (encoding.ids, encoding.attention_mask, encoding.type_ids), strict=True)}


def export(settings: Settings) -> Path:
    """Export the embedding model with mean pooling and L2 normalisation to ONNX (atomically)."""
    import torch
    from transformers import AutoModel

    target = onnx_file(settings)
    target.parent.mkdir(parents=True, exist_ok=True)
    model = AutoModel.from_pretrained(settings.embed_model).eval()

    class Pooled(torch.nn.Module):
        def __init__(self, m):
            super().__init__()
            self.m = m

        def forward(self, input_ids, attention_mask, token_type_ids):
            h = self.m(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(h.dtype)
            v = (h * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(v, dim=-1)

    tmp = target.with_suffix(".tmp")
    to_onnx(Pooled(model), tmp, "embedding")
    os.replace(tmp, target)
    return target


class OnnxEncoder:
    """Embeds one question with ONNX Runtime on one thread."""

    def __init__(self, model_path: str, path: Path):
        from tokenizers import Tokenizer

        self.session = one_thread_session(path)
        self.tokenizer = Tokenizer.from_file(str(Path(model_path) / "tokenizer.json"))
        self.tokenizer.enable_truncation(_max_length(model_path))
        self.tokenizer.no_padding()

    def __call__(self, text: str) -> np.ndarray:
        return self.session.run(None, feed(self.tokenizer.encode(text)))[0][0]


def query_encoder(settings: Settings) -> Callable[[str], np.ndarray]:
    """The fastest encoder available for questions: the exported ONNX model, else the full model."""
    path = onnx_file(settings)
    if path.exists():
        try:
            return OnnxEncoder(settings.embed_model, path)
        except Exception:  # a damaged or incompatible export: the full model still works
            pass
    from .embed import embed_query, embedder

    model = embedder(settings.embed_model)
    return lambda text: np.asarray(embed_query(model, text), dtype=np.float32)
