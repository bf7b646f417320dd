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

import re

from app.engine.answer import Answer
from app.engine.mentions import lower_article
from app.engine.speakers import VAGUE_SPEAKERS

MAX_SUGGESTIONS = 3
_LIGHT = {"be", "have", "do", "get", "make", "become", "seem", "say", "argue", "write", "think", "believe"}
_PRONOUNS = {"he", "she", "it", "they", "this", "that", "these", "those", "we", "i", "you", "his", "her", "their"}


def _why(engine, row: int) -> str | None:
    """A why-question about what a sentence says happened, in the sentence's own words."""
    from ingest.reading import parser

    s = engine.library.sentences[row]
    doc = parser()(" ".join(s.text.split()))
    for t in doc:
        if t.pos_ != "VERB" or t.dep_ not in ("ROOT", "conj") or t.lemma_.lower() in _LIGHT:
            continue
        subj = next((c for c in t.children if c.dep_ in ("nsubj", "nsubjpass")), None)
        if subj is None or subj.lower_ in _PRONOUNS or any(c.dep_ == "neg" for c in t.children):
            continue
        who = doc.text[min(x.idx for x in subj.subtree): max(x.idx + len(x) for x in subj.subtree)]
        if len(who.split()) > 6 or any(ch.isdigit() for ch in who) or \
                not any(x.pos_ in ("PROPN", "NOUN") for x in subj.subtree):
            continue
        if subj.dep_ == "nsubjpass" and t.tag_ == "VBN":
            aux = next((c.lower_ for c in t.children if c.dep_ == "auxpass"), "was")
            return f"Why {'were' if aux in ('were', 'are') else 'was'} {lower_article(who)} {t.text}?"
        obj = next((c for c in t.children if c.dep_ == "dobj"), None)
        what = "" if obj is None else " " + doc.text[min(x.idx for x in obj.subtree): max(x.idx + len(x)
                                                                                          for x in obj.subtree)]
        if len(what.split()) > 8:
            continue
        particle = next((" " + c.lower_ for c in t.children if c.dep_ == "prt"), "")
        return f"Why did {lower_article(who)} {t.lemma_.lower()}{particle}{what}?"
    return None


_COPULA = re.compile(r"\b(is|are|was|were|seems?|seemed|could|would|might)\b", re.IGNORECASE)


def _next(engine, answer: Answer) -> str | None:
    """"What happened after X?" for the timeline entry of the answer's first dated footnote."""
    from app.engine.events import timeline

    cited = {(c.doc_id, c.start) for c in answer.citations}
    for entry in timeline(engine):
        for m in entry.mentions:
            s = engine.library.sentences[m.row]
            # an event ("The USSR joins the League of Nations"), not a judgement the timeline dated
            if (s.doc_id, s.start) in cited and entry.label and len(entry.label.split()) <= 10 \
                    and not _COPULA.search(entry.label):
                return f"What happened after {lower_article(re.sub(r'[.;:,]+$', '', entry.label.strip()))}?"
    return None


def _views(engine, answer: Answer) -> list[str]:
    out = []
    for c in answer.citations:
        rows = engine.library.rows_in(c.doc_id, c.start, c.end)
        for row in rows:
            says = (engine.library.sentences[row].reading or {}).get("says") or []
            if says and says[0].lower() not in VAGUE_SPEAKERS and says[0][:1].isupper() and len(says[0].split()) <= 4:
                out.append(f"What did {says[0]} argue?")
        if c.speaker and c.speaker.lower() not in VAGUE_SPEAKERS and c.speaker[:1].isupper():
            out.append(f"What did {c.speaker} argue?")
    return list(dict.fromkeys(out))


def suggestions(engine, answer: Answer, n: int = MAX_SUGGESTIONS) -> list[str]:
    """Up to n next questions for an answer, each one the engine answers with something new."""
    if answer.abstained or not answer.citations:
        return []
    asked = {(answer.resolved_question or answer.question).strip().lower()}
    first = engine.library.rows_in(answer.citations[0].doc_id, answer.citations[0].start, answer.citations[0].end)
    candidates = [q for q in (_why(engine, first[0]) if first else None, _next(engine, answer), *_views(engine, answer))
                  if q]
    seen_first = (answer.citations[0].doc_id, answer.citations[0].start)
    out = []
    for q in dict.fromkeys(candidates):
        if q.strip().lower() in asked or len(out) >= n:
            continue
        reply = engine.ask(q)
        if reply.abstained or not reply.citations:
            continue
        if (reply.citations[0].doc_id, reply.citations[0].start) == seen_first:
            continue  # it would open with the footnote this answer opened with
        out.append(q)
    return out
