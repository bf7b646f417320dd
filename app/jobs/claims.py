"""What happened, compared: a student's sentence against a source sentence, event by event.

Both sides are read by the same parser (ingest/reading.py: the sources' readings are made at ingest, a
claim's when it is checked). An event is a predicate with its subject, object and passive agent, and
whether it is negated. A claim's event and a source's event are about the same thing when their
arguments name the same people, places or things; then they can disagree in three ways:

- `opposite`: opposite predicates ("renewed" / "cancelled" is not one WordNet knows; "accepted" /
  "refused", "won" / "lost", "joined" / "left" are), or the same predicate negated on one side only;
- `swapped`: the same predicate with its roles reversed ("Litvinov replaced Molotov" against "Litvinov
  was replaced by Molotov");
- `doer`: the same predicate and object with another doer ("Litvinov was replaced by Trotsky");
- `other`: subject and object both the same and the predicate neither the same (nor a synonym) nor an
  opposite ("Hitler renewed the Rapallo Treaty" against "Hitler cancels the Rapallo Treaty").

Opposites and synonyms come from WordNet 3.0 (app/jobs/opposites.json, built by `python -m
eval.build_opposites`), not from a list written for these sources. How much each disagreement counts
towards a "conflicts" verdict is fitted with the rest of the checker (eval/calibrate_check.py).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from app.engine.retrieve import STOPWORDS, stems, words

LEXICON = Path(__file__).with_name("opposites.json")

# Names of one country that the sources and students use interchangeably (general English, like
# check.DEMONYMS): compared as one name.
ALIASES = {"uk": "britain", "united kingdom": "britain", "great britain": "britain", "england": "britain",
           "ussr": "soviet", "soviet union": "soviet", "russia": "soviet", "usa": "america",
           "united states": "america", "us": "america"}
# Words that head an argument without naming anything ("the policy of X", "some of the X").
_LIGHT = frozenset("part parts some many most all one kind sort type lot number policy idea".split())


@dataclass(frozen=True)
class Event:
    pred: str
    subj: frozenset[str]  # the doer (a passive's agent), as compared: stems of its content words
    obj: frozenset[str]  # what is done to (a passive's subject)
    neg: bool
    subj_text: str = ""
    obj_text: str = ""
    verb_text: str = ""


@cache
def lexicon() -> tuple[dict[str, frozenset[str]], dict[str, frozenset[int]]]:
    """WordNet's opposite verbs (lemma -> opposite lemmas) and verb senses (lemma -> synset numbers)."""
    d = json.loads(LEXICON.read_text(encoding="utf-8"))
    return ({w: frozenset(v) for w, v in d["opposites"]["v"].items()},
            {w: frozenset(v) for w, v in d["verb_senses"].items()})


@cache
def _hypernyms() -> dict[int, frozenset[int]]:
    d = json.loads(LEXICON.read_text(encoding="utf-8"))
    return {int(k): frozenset(v) for k, v in d["verb_hypernyms"].items()}


def _up(senses: frozenset[int]) -> frozenset[int]:
    hyper = _hypernyms()
    return frozenset(h for s in senses for h in hyper.get(s, ()))


def _aliased(phrase: str) -> str:
    """The phrase lower-case, spaced, without possessives, a country's other names made one."""
    low = " " + " ".join(phrase.lower().replace("’", "'").replace("'s", "").split()) + " "
    for k, v in ALIASES.items():
        low = low.replace(f" {k} ", f" {v} ")
    return low


def _content_stems(text: str) -> list[str]:
    return stems([w for w in words(text) if w not in _LIGHT and w not in STOPWORDS])


def key(phrase: str) -> frozenset[str]:
    """An argument as compared: its content words stemmed, a country's other names made one."""
    return frozenset(_content_stems(_aliased(phrase)))


def events(reading: dict | None) -> list[Event]:
    """The events of a sentence's reading, each in active voice (the agent as the doer)."""
    out = []
    for e in (reading or {}).get("events", []):
        pred, subj, obj, agent, neg = e[:5]
        passive = bool(e[5]) if len(e) > 5 else bool(agent)
        doer, done = (agent, subj) if passive else (subj, obj)
        out.append(Event(pred, key(doer), key(done), bool(neg), doer, done, pred))
    return out


def _same(a: frozenset[str], b: frozenset[str], strict: bool = False) -> bool:
    """Two arguments name the same thing: they share half the words of the shorter ("the rights" and "the
    rights to the asiento"), or, `strict`, of the longer ("the Rapallo Treaty" and "the Rapallo Treaty with
    the USSR"; not "the USSR" and "its policy on Soviet aid"). Strict where nothing else ties the two events
    together: another action by the same doer on the same thing."""
    if not a or not b:
        return False
    shared = len(a & b)
    return shared > 0 and shared >= 0.5 * (max(len(a), len(b)) if strict else min(len(a), len(b)))


# Where a noun phrase's head ends: a preposition, a relative pronoun or punctuation ("the rights | to the
# film", "statehood | (excluding ...").
_AFTER_HEAD = re.compile(r"\s(?:of|to|in|on|at|for|with|by|from|which|who|that|whose|including|excluding)\s|[,;:(—–]")


def _head(phrase: str) -> str | None:
    """The head word of an argument, stemmed: the last content word before its first modifier."""
    kept = _content_stems(_AFTER_HEAD.split(_aliased(phrase), maxsplit=1)[0])
    return kept[-1] if kept else None


def _same_thing(a: frozenset[str], b: frozenset[str], a_text: str, b_text: str) -> bool:
    """Two arguments are one thing, strictly (`_same(..., strict=True)`), or one is the other with more said
    about it: the same head and nothing in the shorter that the longer lacks ("the rights" and "the rights
    to the film, its outtakes and ..."; not "the Treaty of Rapallo" and "the Treaty of Versailles")."""
    if _same(a, b, True):
        return True
    return bool(a and b) and (a <= b or b <= a) and _head(a_text) is not None and _head(a_text) == _head(b_text)


@lru_cache(maxsize=65536)
def same_pred(a: str, b: str) -> bool:
    """The same predicate: one verb, two of one WordNet sense, or one a way of doing the other ("term" a
    way to "call")."""
    if a == b:
        return True
    _, senses = lexicon()
    sa, sb = senses.get(a, frozenset()), senses.get(b, frozenset())
    if sa & sb or _up(sa) & sb or _up(sb) & sa:
        return True
    return _back_again(a, b) or _back_again(b, a)


def _back_again(a: str, b: str) -> bool:
    """A phrasal verb with "back" and a verb with the prefix "re-" on a synonym, that WordNet files as sister
    senses (one hypernym): "win back" / "regain" (both ways to "get"), "get back" / "regain". WordNet links
    few such pairs by a shared sense, so the prefix is read as English forms it; the shared hypernym keeps
    out pairs the prefix does not make ("move back" / "remove")."""
    if not a.endswith(" back") or not b.startswith("re") or len(b) < 5:
        return False
    senses = lexicon()[1]
    verb, stem = a.removesuffix(" back"), b[2:]
    if " " in verb or stem not in senses or not same_pred(verb, stem):
        return False
    return bool(_up(senses.get(a, frozenset())) & _up(senses.get(b, frozenset())))


def opposite_pred(a: str, b: str) -> bool:
    opposites, _ = lexicon()
    return b in opposites.get(a, ()) or a in opposites.get(b, ())


# Verbs that carry no event of their own ("be", "have", "do"): never compared.
_LIGHT_VERBS = frozenset("be have do get make become seem".split())


@dataclass(frozen=True)
class Disagreement:
    kind: str  # "opposite", "swapped", "doer" or "other"
    claim: Event
    source: Event

    def describe(self) -> str:
        """The sources' version in a few words (lemmas): “cancel”, not “renew”."""
        s, c = self.source, self.claim
        if self.kind == "swapped":
            return "the other way round"
        if self.kind == "doer":
            return f"{s.subj_text}, not {c.subj_text}"
        if s.neg != c.neg:
            return f"“{s.pred}” is negated" if s.neg else f"“{s.pred}”, not negated"
        return f"“{s.pred}”, not “{c.pred}”"


def compare(claim: list[Event], source: list[Event]) -> list[Disagreement]:
    """Each way a claim's events disagree with a source's events about the same things."""
    out = []
    for c in claim:
        if _says_too(c, source):
            # The sentence says what the claim says; another of its events cannot deny it ("Stalin would
            # regain portions of Poland ... lost in World War One", where the parse gives "lost" Stalin too).
            continue
        for s in source:
            # the same words count as the same argument, a pronoun's too ("he suffered ..." / "he retired ...")
            same_subj = bool(c.subj_text) and c.subj_text.lower() == s.subj_text.lower()
            same_obj = bool(c.obj_text) and c.obj_text.lower() == s.obj_text.lower()
            subj, obj = same_subj or _same(c.subj, s.subj), same_obj or _same(c.obj, s.obj)
            # an argument given on both sides that names another thing: another event
            clash = (c.subj and s.subj and not subj) or (c.obj and s.obj and not obj)
            if c.pred == s.pred and c.neg != s.neg and not clash and (subj or obj or not (c.subj or s.subj)):
                # the same predicate said and denied ("relations did not become strained"; light verbs too);
                # arguments a pronoun leaves unnamed ("it was not used") do not stand in the way
                out.append(Disagreement("opposite", c, s))
                continue
            if "be" in (c.pred, s.pred):
                continue
            if opposite_pred(c.pred, s.pred):  # "have" / "lack" too: WordNet's opposites, light verbs or not
                if (subj or obj) and not clash and c.neg == s.neg:
                    out.append(Disagreement("opposite", c, s))
                continue
            if c.pred in _LIGHT_VERBS or s.pred in _LIGHT_VERBS:
                continue
            if same_pred(c.pred, s.pred):
                if _same(c.subj, s.obj) and _same(c.obj, s.subj) and not subj and not obj:
                    out.append(Disagreement("swapped", c, s))
                elif (subj or obj) and not clash and c.neg != s.neg:
                    out.append(Disagreement("opposite", c, s))
                elif obj and c.subj and s.subj and not subj and not c.neg and not s.neg:
                    out.append(Disagreement("doer", c, s))  # another does it: "Litvinov was replaced by Trotsky"
            elif (same_subj or _same_thing(c.subj, s.subj, c.subj_text, s.subj_text)) \
                    and (same_obj or _same_thing(c.obj, s.obj, c.obj_text, s.obj_text)) \
                    and not c.neg and not s.neg:
                out.append(Disagreement("other", c, s))
    return out


def _says_too(c: Event, source: list[Event]) -> bool:
    """The sentence has the claim's event: the same predicate (or a synonym), said or denied alike, by the
    same doer, on something that shares a word with the claim's ("parts of Poland that Russia had lost" /
    "portions of Poland and Eastern Europe"). Not a WordNet opposite that shares a sense with it too
    ("come" / "go")."""
    if c.pred in _LIGHT_VERBS or not c.subj:
        return False
    for s in source:
        if s.pred in _LIGHT_VERBS and s.pred != c.pred:
            continue  # "embody" is a way to "be" in WordNet; a sentence's "be" does not say it
        if same_pred(c.pred, s.pred) and not opposite_pred(c.pred, s.pred) and c.neg == s.neg \
                and _same(c.subj, s.subj, True) and (not c.obj or not s.obj or c.obj & s.obj):
            return True
    return False


def states(claim: list[Event], source: list[Event]) -> bool:
    """The source sentence states one of the claim's events (`_says_too`): what happened, perhaps in other
    words ("Stalin won back parts of Poland" / "Stalin would regain portions of Poland"). An event without
    an object counts too ("Stalin wanted [to avoid a war]"): held out, requiring objects turned the fitted
    weight of this feature negative."""
    return any(_says_too(c, source) for c in claim)


_WS = re.compile(r"\s+")


@lru_cache(maxsize=2048)
def _read(text: str) -> str:
    from ingest.reading import read

    return json.dumps(read([text])[0])


def read_claim(text: str) -> dict:
    """A claim's reading, made as the sources' were (the parser loads once per process; a claim compared
    again, clause by clause or against key points, is read once)."""
    return json.loads(_read(_WS.sub(" ", text).strip()))
