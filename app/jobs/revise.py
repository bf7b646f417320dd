"""Revise: flashcards and a short quiz made from the sources, each card footnoted to its verbatim sentence.

A card is a sentence of the sources with one thing blanked out, or a question about who argued what:
- when: a sentence the timeline dates (app/engine/events.py), its year blanked ("In _____ Stalin joined
  the League of Nations");
- who / where / term: a sentence whose reading (ingest/reading.py) names a person doing something, a place,
  or a treaty, organisation or event, that name blanked;
- argued: "Who argued that ...?" for a sentence whose reading gives its speaker (a named person, not
  "historians" or "he").
The answer is always the sources' own words, inside the sentence the card cites, so a card is as true as
its source; no model writes anything. Choices for the quiz are other answers of the same kind. Cards are
spread over kinds and documents, the same deck for the same sources (a fixed seed); a session's "hardest
first" order is the page's (app/pages/views/revise.py).

This module decides and holds data; it prints nothing and draws nothing.
"""

from __future__ import annotations

import csv
import io
import random
import re
import unicodedata
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from itertools import zip_longest

from app.engine.answer import Citation
from app.engine.compose import cite
from app.engine.speakers import VAGUE_SPEAKERS

KINDS = ("when", "who", "where", "term", "argued")
BLANK = "_____"
MAX_SENTENCE = 260  # characters: a card is read at a glance
MIN_SENTENCE = 40
CHOICES = 4  # the answer and three others of its kind
# Entity types of the parse (spaCy's) that each kind blanks.
_KIND_OF_LABEL = {"PERSON": "who", "GPE": "where", "LOC": "where", "LAW": "term", "ORG": "term", "EVENT": "term"}


@dataclass
class Card:
    kind: str
    prompt: str
    answer: str
    citation: Citation
    choices: list[str] = field(default_factory=list)

    def check(self, given: str) -> bool:
        """Whether a student's answer is right: the same words, case, accents and punctuation aside; a
        person's surname alone; a year as its digits; one slip of the keyboard in a long name."""
        g, a = _norm(given), _norm(self.answer)
        if not g:
            return False
        if g == a:
            return True
        if self.kind == "when":
            return bool(re.search(r"\d{4}", a)) and re.findall(r"\d{4}", g) == re.findall(r"\d{4}", a)
        if self.kind in ("who", "argued") and len(g) >= 3 and g == a.split()[-1]:
            return True
        return len(a) >= 6 and SequenceMatcher(None, g, a).ratio() >= 0.9

    def to_json(self) -> dict:
        return {"kind": self.kind, "prompt": self.prompt, "answer": self.answer, "choices": self.choices,
                "citation": self.citation.to_json()}


def _norm(text: str) -> str:
    t = unicodedata.normalize("NFKD", text.lower().replace("’", "'"))
    t = "".join(c for c in t if not unicodedata.combining(c))
    t = re.sub(r"^(the|a|an|in|on)\s+", "", re.sub(r"[^\w\s]", " ", t).strip())
    return " ".join(t.split())


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _blanked(text: str, start: int, end: int) -> str | None:
    """The sentence with [start, end) blanked, or None when the answer also shows elsewhere in it."""
    answer = text[start:end]
    rest = text[:start] + text[end:]
    if _norm(answer) and _norm(answer) in _norm(rest):
        return None
    return _one_line(text[:start] + BLANK + text[end:])


def _when_cards(engine) -> list[tuple[int, Card]]:
    from app.engine.events import timeline

    lib, out = engine.library, []
    for entry in timeline(engine):
        for m in entry.mentions:
            s = lib.sentences[m.row]
            year = re.search(r"\b(1\d{3}|20\d{2})\b", m.written)
            if m.resolved_from or not year or not (MIN_SENTENCE <= len(s.text) <= MAX_SENTENCE):
                continue
            at = m.start - s.start
            if not (0 <= at and m.end - s.start <= len(s.text)) or s.text[at: m.end - s.start] != m.written:
                continue
            prompt = _blanked(s.text, at, m.end - s.start)
            if prompt and re.search(r"[A-Za-z]{3}", prompt.replace(BLANK, "")):
                out.append((m.row, Card("when", prompt, m.written, cite(lib, 0, m.row))))
    return out


def _entity_cards(engine) -> list[tuple[int, Card]]:
    lib, out = engine.library, []
    for row, s in enumerate(lib.sentences):
        reading = s.reading or {}
        if not (MIN_SENTENCE <= len(s.text) <= MAX_SENTENCE):
            continue
        doers = " ".join(e[1] for e in reading.get("events", []))
        for start, end, label in reading.get("ents", []):
            kind = _KIND_OF_LABEL.get(label)
            start, end = _trimmed(s.text, start, end)
            name = s.text[start:end]
            if kind is None or len(name) < 3 or not name[:1].isupper() or _UNFINISHED.search(name):
                continue
            if kind == "who" and name not in doers:
                continue  # a person who does something in the sentence, not one it only mentions
            prompt = _blanked(s.text, start, end)
            if prompt:
                out.append((row, Card(kind, prompt, name, cite(lib, 0, row))))
                break  # one card a sentence
    return out


_UNFINISHED = re.compile(r"\s(of|the|and|in|on|at|to|for)$", re.IGNORECASE)  # an entity the parser cut short


def _trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    """An entity's span without a possessive "'s" or a leading "The" (the blank keeps "the")."""
    name = text[start:end]
    for tail in ("’s", "'s"):
        if name.endswith(tail):
            end -= len(tail)
    if name.startswith(("The ", "the ")):
        start += 4
    return start, end


def _argued_cards(engine) -> list[tuple[int, Card]]:
    lib, out = engine.library, []
    for row, s in enumerate(lib.sentences):
        says = (s.reading or {}).get("says") or []
        if not says or not (MIN_SENTENCE <= len(s.text) <= MAX_SENTENCE * 1.3):
            continue
        speaker, _, start, end = says
        if speaker.lower() in VAGUE_SPEAKERS or not speaker[:1].isupper() or len(speaker) < 3:
            continue
        rest = _one_line(s.text[end:]).lstrip(" ,")
        claim = re.sub(r"^(argues|argued|says|said|writes|wrote|claims|claimed|believes|believed|suggests|"
                       r"suggested|contends|contended|maintains|maintained|states|stated|thinks|thought)\s+"
                       r"that\s+", "", rest)
        balanced = all(claim.count(a) == claim.count(b) for a, b in ("()", "“”", "[]")) and claim.count('"') % 2 == 0
        if claim == rest or len(claim) < 20 or not balanced:
            continue  # only "X argued that ...", whole
        out.append((row, Card("argued", f"Who argued that {claim.rstrip('.')}?", speaker, cite(lib, 0, row))))
    return out


def make_deck(engine, n: int = 20, seed: int = 0) -> list[Card]:
    """Up to `n` cards from the engine's sources, spread over kinds and documents, each sentence once;
    every card with CHOICES choices (its answer and others of its kind). Numbered footnotes 1..n."""
    engine.follow_index()
    lib = engine.library
    pools: dict[str, list[tuple[int, Card]]] = {k: [] for k in KINDS}
    for row, card in [*_when_cards(engine), *_entity_cards(engine), *_argued_cards(engine)]:
        pools[card.kind].append((row, card))
    rng = random.Random(seed)
    for pool in pools.values():
        rng.shuffle(pool)
        # documents take turns within a kind, so one long document does not fill the deck
        by_doc: dict[str, list[tuple[int, Card]]] = {}
        for item in pool:
            by_doc.setdefault(item[1].citation.doc_id, []).append(item)
        pool[:] = [x for group in zip_longest(*by_doc.values()) for x in group if x is not None]
    picked, used = [], set()
    while len(picked) < n and any(pools.values()):
        for kind in KINDS:
            while pools[kind]:
                row, card = pools[kind].pop(0)
                if row not in used:
                    used.add(row)
                    picked.append((row, card))
                    break
            if len(picked) >= n:
                break
    deck = []
    for i, (row, card) in enumerate(picked, 1):
        card.citation = cite(lib, i, row)
        # other answers of its kind, not another way of writing its own ("Joseph Stalin" for "Stalin")
        last = _norm(card.answer).split()[-1:]
        others = sorted({c.answer for _, c in picked if c.kind == card.kind and _norm(c.answer).split()[-1:] != last})
        rng.shuffle(others)
        card.choices = sorted([card.answer, *others[: CHOICES - 1]], key=_norm)
        deck.append(card)
    return deck


def deck_csv(cards: list[Card]) -> str:
    """The deck as CSV that Anki imports (File > Import: front, back, source; comma separated, with a header
    line to skip)."""
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["front", "back", "source"])
    for c in cards:
        w.writerow([c.prompt, c.answer, f"{c.citation.label}, {c.citation.passage_id}: “{_one_line(c.citation.quote)}”"])
    return out.getvalue()
