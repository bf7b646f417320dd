"""The fast query encoder (ONNX, exported by ingest) gives the same vectors as the full model."""

from __future__ import annotations

import numpy as np

from ingest.embed import embed_query, embedder
from ingest.encoder import OnnxEncoder, onnx_file, query_encoder

SENTENCES = [
    "Why did Litvinov's dismissal matter?",
    "May 1939 Litvinov replaced as commissar for foreign affairs by Molotov, instructed to pursue new diplomatic policy.",
    "What is photosynthesis?",
    "x " * 400,  # longer than the model's 256 tokens: both truncate the same way
]


def test_ingest_exports_the_query_encoder_and_the_engine_uses_it(corpus_index, engine):
    assert onnx_file(corpus_index.settings).exists()
    assert isinstance(engine.encode, OnnxEncoder)


def test_onnx_and_sentence_transformers_give_the_same_vectors(corpus_index):
    fast = query_encoder(corpus_index.settings)
    full = embedder(corpus_index.settings.embed_model)
    for s in SENTENCES:
        a, b = np.asarray(fast(s)), np.asarray(embed_query(full, s))
        assert a.shape == b.shape == (384,)
        assert float(a @ b) > 0.9999, s
        assert np.allclose(a, b, atol=1e-4), s


def test_without_an_export_the_full_model_answers(corpus_index, tmp_path):
    from dataclasses import replace

    settings = replace(corpus_index.settings, index_dir=tmp_path / "no-export")
    encode = query_encoder(settings)
    assert not isinstance(encode, OnnxEncoder)
    assert np.asarray(encode("Rapallo")).shape == (384,)
