"""Passages: split a document's clean text into citable pieces with exact character offsets.

A passage is a few consecutive sentences of one paragraph (for notes such as a mind map, a few lines of
one node group), so that a citation shows enough context to read and still points at one place. Every
passage and every sentence inside it carries offsets into the clean text: `text[start:end]` is exactly
the passage, so an answer can highlight exactly the words it quotes.

Headings (short lines without closing punctuation, such as 'Nazi threat' or 'Overall Conclusion:')
open the passage that follows them and are remembered as its heading, but are never cited as evidence.
This module does not clean text (clean.py) and does not embed or store anything (store.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import cache


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    text: str
    heading: bool = False


@dataclass(frozen=True)
class Passage:
    id: str
    doc_id: str
    index: int
    start: int
    end: int
    text: str
    heading: str
    sentences: tuple[Sentence, ...]


_MONTHS = "january|february|march|april|may|june|july|august|september|october|november|december"
_HEADING = re.compile(rf"^(?!\d)(?!(?:{_MONTHS})\b)[A-Z‘'\"“][^.!?]*[^.!?,;\"”’)]$", re.IGNORECASE)


def is_heading(line: str) -> bool:
    """A short line that opens a section rather than saying something: at most six words without
    closing punctuation and not starting with a date (dated notes are content), or a line of at most ten
    words ending with a colon ('Aims and sub-aims of Stalin's foreign policy:')."""
    s = line.strip().rstrip(":")
    if not s or not s[0].isupper() and s[0] not in "‘'\"“":
        return False
    if line.strip().endswith(":"):
        return len(s.split()) <= 10 and not re.search(r"[.!?]", s)
    return len(s.split()) <= 6 and bool(_HEADING.match(s))


@cache
def _tokenizer():
    """NLTK's Punkt sentence tokenizer, untrained (no data download), taught the abbreviations and
    initials that history essays use so that 'G.V. Chicherin' or 'J. P. Taylor' are not split. An acronym
    written without stops ('USSR') is no abbreviation: 'surrounding the USSR. Security ...' is two sentences."""
    from nltk.tokenize.punkt import PunktParameters, PunktSentenceTokenizer

    params = PunktParameters()
    params.abbrev_types = {
        "dr", "mr", "mrs", "st", "vs", "etc", "e.g", "i.e", "u.s", "u.k", "no", "vol", "ed", "c", "ca",
        "gen", "col", "lt", "capt", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct",
        "nov", "dec",
    } | set("abcdefghijklmnopqrstuvwxyz")
    params.abbrev_types |= {"g.v", "j.p", "a.j.p"}
    return PunktSentenceTokenizer(params)


# The longest sentence Footnote may cite. The longest real sentence in the shipped corpus and the 18
# tuning-set articles (6,854 sentences) is 932 characters; 1,000 leaves real prose whole, while a 5 MB
# line with no full stop (a table dump, a scraped script) becomes 1 KB sentences instead of one that a
# question would return whole (15 MB of JSON).
MAX_SENTENCE_CHARS = 1000


def _capped(text: str, s: int, e: int) -> list[tuple[int, int]]:
    """Split text[s:e] into pieces of at most MAX_SENTENCE_CHARS, each ending at the last space before
    the cap (a hard cut only in a run with no space at all), trimmed like sentences."""
    pieces = []
    while e - s > MAX_SENTENCE_CHARS:
        window = text[s : s + MAX_SENTENCE_CHARS + 1]
        cut = max(window.rfind(" "), window.rfind("\t"), window.rfind("\n"))
        cut = cut if cut > 0 else MAX_SENTENCE_CHARS
        end = s + cut
        while text[end - 1].isspace():
            end -= 1
        pieces.append((s, end))
        s += cut
        while text[s].isspace():
            s += 1
    pieces.append((s, e))
    return pieces


# Punkt is fed at most this many characters at a time. NLTK runs every regular expression under a
# wall-clock limit (nltk.redos, 5 s) and raises when it is passed: one 510 KB line of "a. a. a. ..." took
# longer than that on two cores and stopped a whole ingest. Punkt's time grows with the characters it is
# given (0.2 s for 20,000 characters of that line, measured on two cores: 25 times under the limit), so a
# bounded piece bounds each call. The longest paragraph in the shipped corpus and the 460 public articles
# (squad-history, squad-train) is 3,706 characters, so real prose is never cut; a longer run is cut after
# the last full stop, else the last space, in its piece.
PUNKT_CHARS = 20_000
_STOP = re.compile(r"[.!?][\"'”’)\]]*\s")


def _pieces(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """text[start:end] as consecutive pieces of at most PUNKT_CHARS characters."""
    pieces = []
    while end - start > PUNKT_CHARS:
        window = text[start : start + PUNKT_CHARS]
        stops = [m.end() for m in _STOP.finditer(window, PUNKT_CHARS // 2)]
        cut = stops[-1] if stops else max(window.rfind(" "), window.rfind("\n")) + 1 or PUNKT_CHARS
        pieces.append((start, start + cut))
        start += cut
    pieces.append((start, end))
    return pieces


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Sentence spans (absolute offsets) inside text[start:end], trimmed of surrounding spaces; a
    sentence longer than MAX_SENTENCE_CHARS is split at word boundaries. Linear in the length of the
    text: punkt sees it in pieces of at most PUNKT_CHARS."""
    end = len(text) if end is None else end
    spans = []
    for a, b in _pieces(text, start, end):
        spans += _piece_spans(text, a, b)
    return spans


def _piece_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    spans = []
    for s, e in _tokenizer().span_tokenize(text[start:end]):
        s, e = start + s, start + e
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            spans += _capped(text, s, e)
    return spans


def _lines(text: str) -> list[tuple[int, int]]:
    spans, pos = [], 0
    for line in text.split("\n"):
        if line.strip():
            lead = len(line) - len(line.lstrip())
            spans.append((pos + lead, pos + len(line.rstrip())))
        else:
            spans.append((pos, pos))  # a blank line: a paragraph break
        pos += len(line) + 1
    return spans


def _blocks(text: str, notes: bool, headings: frozenset[str] = frozenset()) -> list[tuple[str, list[Sentence]]]:
    """Group sentences into blocks a passage may not cross: a paragraph (prose) or a node group under
    one heading (notes). Each block carries the heading above it. A line in `headings` (the file's own
    headings: Word heading styles, PDF outline entries) is a heading however long it is."""
    blocks: list[tuple[str, list[Sentence]]] = []
    heading, current = "", []

    def flush():
        nonlocal current
        if notes and blocks and current and all(x.heading for x in current):
            # In notes, a heading with nothing under it is a leaf note ('1917' / 'Bolshevik Revolution'):
            # it stays with the notes above it rather than being dropped.
            blocks[-1][1].append(replace(current[0], heading=False))
        elif current:
            blocks.append((heading, current))
        current = []

    for s, e in _lines(text):
        if s == e:
            if not notes:
                flush()
            continue
        line = text[s:e]
        if is_heading(line) or (headings and line.strip() in headings):
            flush()
            heading = line.strip().rstrip(":")
            current = [Sentence(s, e, line, heading=True)]
            continue
        if not notes and any(not x.heading for x in current):
            flush()  # in prose, every line is a paragraph of its own
        spans = [(s, e)] if notes and len(line) < 200 else sentence_spans(text, s, e)
        current += [Sentence(a, b, text[a:b]) for a, b in spans]
    flush()
    return blocks


def _pack(sentences: list[Sentence], max_sentences: int, max_chars: int) -> list[list[Sentence]]:
    """Split a block into near-equal runs of at most max_sentences and about max_chars characters.
    A leading heading rides with the first run and does not count."""
    body = [s for s in sentences if not s.heading]
    if not body:
        return [sentences]
    n_groups = max(1, -(-len(body) // max_sentences), -(-sum(len(s.text) for s in body) // max_chars))
    n_groups = min(n_groups, max(1, len(body)))
    size = -(-len(body) // n_groups)
    groups = [body[i : i + size] for i in range(0, len(body), size)] or [[]]
    heads = [s for s in sentences if s.heading]
    groups[0] = heads + groups[0]
    return [g for g in groups if g]


def split_passages(
    doc_id: str, text: str, *, notes: bool = False, max_sentences: int = 4, max_chars: int = 700,
    headings: frozenset[str] | set[str] = frozenset(),
) -> list[Passage]:
    """Split clean text into passages. `notes=True` for a mind map or other one-line-per-note text;
    `headings`: lines the file itself marks as headings (see formats.py)."""
    passages: list[Passage] = []
    limit = max_sentences + 2 if notes else max_sentences
    for heading, sentences in _blocks(text, notes, frozenset(h.strip() for h in headings)):
        for group in _pack(sentences, limit, max_chars):
            if all(s.heading for s in group):
                continue  # a heading with nothing under it says nothing
            start, end = group[0].start, group[-1].end
            i = len(passages)
            passages.append(
                Passage(
                    id=f"{doc_id}#{i:03d}",
                    doc_id=doc_id,
                    index=i,
                    start=start,
                    end=end,
                    text=text[start:end],
                    heading=heading,
                    sentences=tuple(group),
                )
            )
    return passages
