"""Suggested next questions under an answer, made from the sources, never by a language model.

From the sentences the answer cites, read as the sources were read at ingest (ingest/reading.py):
- why: what the first cited sentence says happened, asked as a why-question ("Why did Hitler cancel the
  Rapallo Treaty?"; a passive as "Why was Litvinov replaced?");
- next: what the timeline dates next after the answer's dated sentence ("What happened after ...?",
  which the engine answers from the timeline);
- a view: a named historian or writer a cited sentence quotes ("What did William Shirer argue?").
Each candidate is asked of the engine before it is offered: one that would be declined, or whose answer
opens with the same footnote as this answer (a repeat), is dropped. So every suggestion, clicked, gets an
answer that says something new.
"""

from __future__ import annotations

import calendar
import re
from itertools import zip_longest

from app.engine.answer import Answer
from app.engine.mentions import lower_article
from app.engine.reasons import gives_reason
from app.engine.speakers import VAGUE_SPEAKERS
from ingest.reading import REPORTING

MAX_SUGGESTIONS = 3
# Questions asked to choose them. A warm ask takes 13-15 ms at the median and about 25 ms at p95 on the
# shipped corpus (`footnote eval`), a why-question's parse a few more: six keep the suggestions to a
# fraction of a second after the answer, and leave room for two or three to survive the checks.
MAX_ASKED = 6
_LIGHT = {"be", "have", "do", "get", "make", "become", "seem", "say", "argue", "write", "think", "believe"}
_PRONOUNS = {"he", "she", "it", "they", "this", "that", "these", "those", "we", "i", "you", "his", "her", "their",
             "its", "our", "my", "your"}
_REFLEXIVE = {"himself", "herself", "itself", "themselves", "ourselves", "myself", "yourself", "yourselves"}
# Reporting verbs that make "What did X <verb>?" a whole question; another verb ("point out") is asked as argue.
_ASKABLE = {"argue", "report", "write", "say", "claim", "suggest", "believe", "think", "conclude", "announce",
            "state", "warn", "propose", "insist", "maintain"}


def _why(engine, row: int) -> str | None:
    return why_question(engine.library.sentences[row].text)


def why_question(sentence: str) -> str | None:
    """A why-question about what a sentence says happened, in the sentence's own words, or None when the
    parse finds no whole event a student could ask about."""
    from ingest.reading import parser

    doc = parser()(" ".join(sentence.split()))
    for t in doc:
        if t.pos_ != "VERB" or t.dep_ not in ("ROOT", "conj") or t.lemma_.lower() in _LIGHT | REPORTING:
            continue
        subj = next((c for c in t.children if c.dep_ in ("nsubj", "nsubjpass")), None)
        if subj is None or subj.lower_ in _PRONOUNS or any(c.dep_ == "neg" for c in t.children):
            continue
        if any(x.dep_ in ("det", "poss") and x.lower_ in _PRONOUNS | {"a", "an"} for x in subj.children):
            continue  # "this view", "our security": whose, the sentence before says; "a good deal": which
        if any(c.dep_ == "ccomp" for c in t.children):
            continue  # "Stalin realised that ...": the question would need the clause
        who = doc.text[min(x.idx for x in subj.subtree): max(x.idx + len(x) for x in subj.subtree)]
        if len(who.split()) > 6 or any(ch.isdigit() for ch in who) or \
                not any(x.pos_ in ("PROPN", "NOUN") for x in subj.subtree):
            continue
        obj = next((c for c in t.children if c.dep_ == "dobj"), None)
        if obj is not None and obj.lower_ in _REFLEXIVE:
            continue  # "found themselves" says nothing without where
        # the object, and a complement the verb needs ("attempted to ...", "was left isolated"): the whole
        # predicate; with neither, its first prepositional phrase ("came to power", "was focused on ...")
        parts = [c for c in t.children if c.dep_ in ("dobj", "xcomp", "oprd", "acomp") and c.i > t.i]
        if not parts:
            parts = [c for c in t.children if c.dep_ == "prep" and c.i > t.i][:1]
        what = " ".join(doc.text[min(x.idx for x in c.subtree): max(x.idx + len(x) for x in c.subtree)]
                        for c in sorted(parts, key=lambda c: c.i))
        what = f" {what}" if what else ""
        if len(what.split()) > 8 or what.count("(") != what.count(")"):
            continue
        if subj.dep_ == "nsubjpass" and t.tag_ == "VBN":
            aux = next((c.lower_ for c in t.children if c.dep_ == "auxpass"), "was")
            return f"Why {'were' if aux in ('were', 'are') else 'was'} {lower_article(who)} {t.text}{what}?"
        particle = next((" " + c.lower_ for c in t.children if c.dep_ == "prt"), "")
        return f"Why did {lower_article(who)} {t.lemma_.lower()}{particle}{what}?"
    return None


_COPULA = re.compile(r"\b(is|are|was|were|seems?|seemed|could|would|might)\b", re.IGNORECASE)


def _next(engine, answer: Answer) -> str | None:
    """"What happened after X?" for the latest timeline entry among the answer's footnotes: its label when
    the label tells an event, else its date ("What happened after 23 August 1939?", which the engine
    answers from the timeline just as well)."""
    from app.engine.events import timeline

    cited = {(c.doc_id, c.start) for c in answer.citations}
    for entry in reversed(timeline(engine)):  # the latest event the answer cites: what came next is after it
        for m in entry.mentions:
            s = engine.library.sentences[m.row]
            if (s.doc_id, s.start) not in cited:
                continue
            label = re.sub(r"[.;:,]+$", "", (entry.label or "").strip())
            if _tells_event(label):
                return f"What happened after {lower_article(label)}?"
            return f"What happened after {_spoken(entry.when)}?"
    return None


def _tells_event(label: str) -> bool:
    """A label that reads as an event after "What happened after": short, no be/seem/modal (a judgement the
    timeline dated), and no date or decade as its subject ("The 1930's witnessed a distinct shift")."""
    ws = label.split()
    return 0 < len(ws) <= 10 and not _COPULA.search(label) and not any(ch.isdigit() for w in ws[:3] for ch in w)


def _spoken(when) -> str:
    """A date as a student writes it: "23 August 1939", "May 1935", "1934"; a span by its end ("1937")."""
    if when.end_year is not None:
        return str(when.end_year)
    if when.month and when.day:
        return f"{when.day} {calendar.month_name[when.month]} {when.year}"
    return f"{calendar.month_name[when.month]} {when.year}" if when.month else str(when.year)


def _views(engine, answer: Answer) -> list[str]:
    """"What did <writer> argue?" (or report, write ...: the reading's own reporting verb) for each named
    writer a cited sentence reports."""
    out: dict[str, str] = {}  # one question per writer
    for c in answer.citations:
        for row in engine.library.rows_in(c.doc_id, c.start, c.end):
            says = (engine.library.sentences[row].reading or {}).get("says") or []
            if len(says) == 4 and _named_writer(says[0]):
                out.setdefault(_balanced(says[0]).lower(), f"What did {lower_article(_balanced(says[0]))} "
                                                           f"{says[1] if says[1] in _ASKABLE else 'argue'}?")
        if c.speaker and _named_writer(c.speaker):
            out.setdefault(_balanced(c.speaker).lower(), f"What did {lower_article(_balanced(c.speaker))} argue?")
    return list(out.values())


def _balanced(who: str) -> str:
    """A name whose opening quotation mark the parse left out gets it back ("‘Collective security’ historians")."""
    for a, b in (("‘", "’"), ("“", "”")):
        if b in who and a not in who:
            who = a + who
    return who


def _named_writer(who: str) -> bool:
    """A writer a student can ask about: named (a capital first letter, quotation marks aside), at most six
    words, not "some historians", no date ("23 August 1939")."""
    ws = who.replace("‘", " ").replace("“", " ").split()
    return (who.lower() not in VAGUE_SPEAKERS and 0 < len(ws) <= 6 and not any(ch.isdigit() for ch in who)
            and ws[0][:1].isupper())


def _rows(engine, answer: Answer) -> list[int]:
    return [r for c in answer.citations for r in engine.library.rows_in(c.doc_id, c.start, c.end)]


def _gives_new_reason(engine, rows: list[int], source: int, cited: set[int]) -> bool:
    """Does a why-question's answer cite, besides the sentence the question was made from, a sentence this
    answer did not that gives a reason (the reading's causes)? An answer that only restates the event would
    teach nothing."""
    new = [r for r in rows if r != source and r not in cited]
    return any(gives_reason(engine.library.sentences[r].reading) for r in new)


def suggestions(engine, answer: Answer, n: int = MAX_SUGGESTIONS) -> list[str]:
    """Up to n next questions for an answer, each one the engine answers with something new: a why-question
    about what a cited sentence says happened, what happened next, and what a named writer argued, taken in
    turn. A why-question is kept only when its answer cites a reason this answer did not."""
    if answer.abstained or not answer.citations:
        return []
    asked = {(answer.resolved_question or answer.question).strip().lower()}
    rows = list(dict.fromkeys(_rows(engine, answer)))  # footnote order; a footnote may quote two
    cited = set(rows)
    whys = [(q, row) for row in rows if (q := _why(engine, row))]
    others = [(q, None) for q in (_next(engine, answer), *_views(engine, answer)) if q]
    queue = [x for pair in zip_longest(whys, others) for x in pair if x]
    seen_first = (answer.citations[0].doc_id, answer.citations[0].start)
    out: list[str] = []
    tries = 0
    for q, source in dict.fromkeys(queue):
        if len(out) >= n or tries >= MAX_ASKED:
            break
        if q.strip().lower() in asked or q in out:
            continue
        tries += 1
        reply = engine.ask(q)
        if reply.abstained or not reply.citations:
            continue
        if (reply.citations[0].doc_id, reply.citations[0].start) == seen_first:
            continue  # it would open with the footnote this answer opened with
        if source is not None and not _gives_new_reason(engine, _rows(engine, reply), source, cited):
            continue
        out.append(q)
    return out
