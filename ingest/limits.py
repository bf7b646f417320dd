"""Caps on the work one file or one ingest may cost, each with where its number comes from.

Byte caps alone do not bound the work: a 3 MB file of one-word lines is two million texts to embed, a
470 KB Word file can unpack to 150 MB of XML, and 510 KB of "a. a. a. ..." is a thousand sentences of
nothing. So the caps here are on what costs time: the text a Word file unpacks to, how much a text
repeats itself, sentences per file, and texts embedded per ingest. A file over a per-file cap is skipped
with one line and the rest of the folder is ingested; an ingest over the per-ingest cap stops before it
embeds anything, with a message that says how to raise the cap. (The byte caps stay where they are read:
ingest/documents.py and ingest/formats.py.)
"""

from __future__ import annotations

import zlib

# Word's document XML read per file. python-docx reads about 0.7 MB of it a second on two cores (0.8 s
# for a 573 KB document.xml holding 551,120 characters of prose, measured), so 20 MB is about half a
# minute, and the text of several long books: python-docx's own files hold about one byte of XML per
# character of text (1.04 measured), Word's add run markup to that.
MAX_DOCX_XML_BYTES = 20_000_000

# How many times zlib may shrink a document's clean text before it counts as one string repeated rather
# than prose. Measured on all 471 texts of the shipped corpus (raw and clean) and the 460 public
# articles: the most compressible shrinks 3.12 times; "a. " repeated 170,000 times shrinks 920 times
# and a million lines of "ab" 1,022 times. 10 is three times the most repetitive real text.
MAX_COMPRESSION = 10.0
# Below this size the ratio says nothing (a short text barely compresses either way).
COMPRESSION_MIN_BYTES = 20_000

# Sentences per file: about 7 MB of prose at the shipped corpus's 140 characters a sentence, several long
# books, and at ingest's 112 texts a second on two cores (docs/performance.md) about 10 minutes of
# embedding. Lines are counted before the text is split (every non-empty line is at least one sentence),
# so a file of a million short lines is refused before it costs anything.
MAX_SENTENCES_PER_FILE = 50_000

# Texts embedded in one ingest (sentences, passages and one per document), unless FOOTNOTE_MAX_EMBED_TEXTS
# says otherwise: about half an hour at 112 texts a second, and twice what the 20,000-passage bench corpus
# needs (about 4.4 texts a passage: 317 texts for the shipped corpus's 72 passages).
MAX_EMBED_TEXTS = 200_000

# An ingest that will embed more than this many texts says first how long it expects to take.
ANNOUNCE_EMBED_TEXTS = 2_000


def compression(text: str) -> float:
    """How many times zlib shrinks the text (1.0 for a text too short to tell)."""
    data = text.encode("utf-8", "replace")
    if len(data) < COMPRESSION_MIN_BYTES:
        return 1.0
    return len(data) / len(zlib.compress(data, 6))  # level 6, as measured above


def repetitive(text: str) -> str | None:
    """Why the text is not prose (one string repeated), or None."""
    ratio = compression(text)
    if ratio > MAX_COMPRESSION:
        return (f"repeats itself: it compresses {ratio:.0f} times where prose compresses about 3 (the limit "
                f"is {MAX_COMPRESSION:.0f}), so it is not a reading")
    return None


def too_many_lines(text: str) -> str | None:
    """Why the text has too many lines to be one reading, or None (cheap: counts line breaks)."""
    if text.count("\n") <= MAX_SENTENCES_PER_FILE:
        return None
    lines = sum(1 for line in text.split("\n") if line.strip())
    if lines <= MAX_SENTENCES_PER_FILE:
        return None
    return (f"has {lines:,} lines, more sentences than one reading holds (the limit is "
            f"{MAX_SENTENCES_PER_FILE:,}); split it into several files")


def too_many_sentences(n: int) -> str | None:
    if n <= MAX_SENTENCES_PER_FILE:
        return None
    return (f"has {n:,} sentences, more than one reading holds (the limit is {MAX_SENTENCES_PER_FILE:,}); "
            "split it into several files")
