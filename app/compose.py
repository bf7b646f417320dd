"""Extractive answers: compose a short paragraph from the sources' own sentences, every sentence with
its footnote, or decline when the evidence is weak.

Because every answer sentence *is* a source sentence, every citation is true by construction; the
work is choosing: the most direct sentence first, supporting ones after, near-duplicates from different
sources merged into one sentence with both footnotes, and no sentence that leans on a previous one
('This', 'He', 'However') without that sentence before it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from .answer import Answer, AnswerSentence, Citation, Nearest
from .library import Library
from .retrieve import Hit, Retriever

# Calibrated on eval/questions.yaml (answerable vs out-of-corpus questions); see eval/calibrate.py and
# the closing note of the cited-answers issue. `top_sim` is the cosine between the question and the best
# retrieved sentence; `coverage` the share of the question's content words found in the top passages.
ANSWER_IF_SIM = 0.55  # strong semantic match on its own
MIN_SIM = 0.30  # below this nothing is close enough
MIN_COVERAGE = 0.5  # between the two, at least half the question's words must be in the evidence

MAX_SENTENCES = 5
KEEP_RATIO = 0.72  # a supporting sentence must score at least this share of the best one
DUPLICATE_SIM = 0.86  # two sentences this similar say the same thing: one sentence, both footnotes

_DEPENDENT = re.compile(
    r"^[\"“'‘(]*(this|that|these|those|it|its|he|she|they|them|his|her|their|there|however|but|also|thus|"
    r"therefore|so|yet|as a result|in addition|furthermore|moreover|meanwhile|then|such|both|one|another|"
    r"instead|nevertheless|consequently|hence|still)\b",
    re.IGNORECASE,
)


def depends_on_previous(text: str) -> bool:
    """Does this sentence start with a pronoun or connective that needs the sentence before it?"""
    return bool(_DEPENDENT.match(text.strip()))


def display(quote: str) -> str:
    """The quote as shown in an answer: cut marks, unbalanced quotation marks and a missing full stop
    tidied. The citation keeps the verbatim quote, so highlighting still finds it."""
    s = quote.strip()
    s = re.sub(r"^(\.\.\.|…)\s*", "", s)
    s = re.sub(r"\s*(\.\.\.|…)$", ".", s)
    for a, b in (('"', '"'), ("“", "”")):
        opens, closes = s.count(a), s.count(b) if a != b else 0
        if a == b and opens % 2 == 1:
            s = s[1:] if s.startswith(a) else s[:-1] if s.endswith(a) else s.replace(a, "", 1)
        elif a != b and opens != closes:
            s = s.replace(a, "") if opens > closes else s.replace(b, "")
    s = s.strip()
    if s and s[0].islower():
        s = s[0].upper() + s[1:]
    if s and s[-1] not in ".!?\"”’')":
        s += "."
    return s


@dataclass
class Evidence:
    top_sim: float
    coverage: float

    @property
    def answerable(self) -> bool:
        if self.top_sim >= ANSWER_IF_SIM:
            return True
        return self.top_sim >= MIN_SIM and self.coverage >= MIN_COVERAGE


def evidence(retriever: Retriever, question: str, hits: list[Hit], sims: np.ndarray) -> Evidence:
    rows = [ix for h in hits[:3] for ix, _ in h.sentences]
    top = max((float(sims[ix]) for ix in rows), default=0.0)
    return Evidence(top_sim=top, coverage=retriever.coverage(question, rows))


def nearest(lib: Library, hits: list[Hit], n: int = 3) -> list[Nearest]:
    out = []
    for h in hits[:n]:
        p = lib.passages[h.passage_id]
        out.append(Nearest(p.doc_id, lib.docs[p.doc_id].title, p.id, p.text, h.score))
    return out


def compose(lib: Library, question: str, hits: list[Hit], sims: np.ndarray, bm: np.ndarray) -> tuple[
        list[AnswerSentence], list[Citation]]:
    """Choose and order sentences from the retrieved passages; number their citations."""
    rank_of = {h.passage_id: r for r, h in enumerate(hits)}
    candidates = [ix for h in hits for ix, _ in h.sentences]
    bm_max = max((float(bm[ix]) for ix in candidates), default=0.0) or 1.0

    def score(ix: int) -> float:
        s = lib.sentences[ix]
        return float(sims[ix]) + 0.35 * float(bm[ix]) / bm_max - 0.02 * rank_of[s.passage_id]

    scored = sorted(candidates, key=lambda ix: -score(ix))
    if not scored:
        return [], []
    best = score(scored[0])
    picked: list[list[int]] = []  # each item: the sentence rows cited together (near-duplicates merged)
    used: set[int] = set()
    for ix in scored:
        if len(picked) >= MAX_SENTENCES or score(ix) < KEEP_RATIO * best:
            break
        if ix in used:
            continue
        dup = next((g for g in picked if float(lib.vectors[g[0]] @ lib.vectors[ix]) >= DUPLICATE_SIM), None)
        if dup is not None:
            if lib.sentences[ix].doc_id not in {lib.sentences[j].doc_id for j in dup}:
                dup.append(ix)  # the same point in another source: cite both
            used.add(ix)
            continue
        group = [ix]
        if depends_on_previous(lib.sentences[ix].text):
            prev = lib.previous(ix)
            if prev is None or prev.ix in used:
                if prev is None:
                    continue  # it leans on something we cannot show
            else:
                picked.append([prev.ix])
                used.add(prev.ix)
        picked.append(group)
        used.add(ix)

    # Reading order: keep the best sentence first; sentences of one passage stay together in document order.
    order: list[list[int]] = []
    for g in picked:
        if g in order:
            continue
        same = [h for h in picked if lib.sentences[h[0]].passage_id == lib.sentences[g[0]].passage_id and h not in order]
        order += sorted(same, key=lambda h: lib.sentences[h[0]].start)

    citations: list[Citation] = []
    by_row: dict[int, int] = {}
    sentences = []
    for g in order:
        ns = []
        for ix in g:
            if ix not in by_row:
                s = lib.sentences[ix]
                p = lib.passages[s.passage_id]
                doc = lib.docs[s.doc_id]
                by_row[ix] = len(citations) + 1
                citations.append(Citation(by_row[ix], s.doc_id, doc.title, doc.kind, p.id, s.start, s.end, s.text,
                                          p.text, p.start))
            ns.append(by_row[ix])
        sentences.append(AnswerSentence(display(lib.sentences[g[0]].text), ns))
    return sentences, citations


def abstain(lib: Library, question: str, hits: list[Hit], ev: Evidence) -> Answer:
    return Answer(question, [], [], abstained=True, nearest=nearest(lib, hits),
                  evidence={"top_sim": ev.top_sim, "coverage": ev.coverage})
