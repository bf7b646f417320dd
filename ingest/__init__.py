"""Footnote's ingest layer: read, clean, split into passages, embed, store in Chroma.

It knows nothing of `app` or `eval`; they build on it.
"""
