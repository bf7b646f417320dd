"""Extractive answers: compose a short paragraph from the sources' own sentences, every sentence with
its footnote, or decline when the evidence is weak.

Because every answer sentence *is* a source sentence, every citation is true by construction; the
work is choosing: the most direct sentence first, supporting ones after, near-duplicates from different
sources merged into one sentence with both footnotes, and no sentence that leans on a previous one
('This', 'He', 'However') without that sentence before it. A sentence is judged in its paragraph, not
alone: one that follows (or precedes) a relevant sentence inherits part of its score (CARRY), so an
answer reads on through "what Yalta discussed" although those sentences never say "Yalta".
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
OVERRIDE_UNKNOWN_SIM = 0.85  # a name the sources never mention means "not covered", unless the match is this close

MAX_SENTENCES = 6
KEEP_RATIO = 0.6  # a supporting sentence must score at least this share of the best one
CONTINUATION = 3  # sentences that may follow the opening sentence from its own paragraph
CONTINUE_RATIO = 0.35  # ... if they lean on it or score (or inherit) at least this share of it
# Reading on: a sentence next to a relevant one in the same paragraph is relevant by context even when
# it shares no words with the question. "What was discussed at Yalta?" matches "The Big Three met again
# at Yalta"; the sentences after it ("Roosevelt pressed Stalin ... war against Japan", "the question of
# a post-war German occupation") never say "Yalta". A sentence inherits this share of its neighbour's
# score, per sentence of distance (two at most).
CARRY = 0.8
PASSAGE_RANK_STEP = 0.03  # a sentence's score falls by this much per rank of its passage in retrieval
NEW_DOC_BONUS = 0.08  # at equal merit, a sentence from a source not yet cited comes first
# Another source's view is worth a lower bar: corroboration or a different angle. 0.45, not 0.5, since
# the passage-rank step rose to 0.03: at 0.5 the mind map's "May 1939 Litvinov replaced ... by Molotov"
# (0.43 against a bar of 0.47) fell out of the Litvinov answer; key points stated are 75% at 0.4-0.5.
NEW_DOC_RATIO = 0.45
MIN_SUPPORT_SIM = 0.35  # but never a sentence this far from the question
BM25_WEIGHT = 0.25  # share of a sentence's score from BM25 (normalised to the best), beside its cosine similarity
# Sentences close to the centre of the whole corpus ("Historians interpret Stalin's foreign policy in
# two different ways") match almost any question and crowd out specific evidence; they pay for it.
GENERIC_PENALTY = 0.2
OPENING_WEIGHT = 0.8  # similarity to the opening sentence counts at this rate towards a supporting one
GLOBAL_CANDIDATES = 8  # best sentences by similarity and by BM25 considered beyond the top passages
DUPLICATE_SIM = 0.86  # two sentences this similar say the same thing: one sentence, both footnotes

_DEPENDENT = re.compile(
    r"^[\"“'‘(]*(this|that|these|those|it|its|he|she|they|them|his|her|their|there|however|but|also|thus|"
    r"therefore|so|yet|as a result|in addition|furthermore|moreover|meanwhile|then|such|both|one(?! (could|can|may|might|would|should|must)\b)|another|"
    r"instead|nevertheless|consequently|hence|still)\b",
    re.IGNORECASE,
)


# "Hitler gained many of the same advantages", "Stalin also ...": a comparison early in the sentence
# points back to the sentence before it, though the sentence starts with a name.
_COMPARING = re.compile(r"^(\S+\s+){1,4}(also|too|likewise|the same|similar)\b", re.IGNORECASE)


def depends_on_previous(text: str) -> bool:
    """Does this sentence start with a pronoun or connective (or compare with something early on) that
    needs the sentence before it?"""
    text = text.strip()
    return bool(_DEPENDENT.match(text) or _COMPARING.match(text))


def citable(text: str) -> bool:
    """A sentence that can stand in an answer: at least four words (not a bare date or label)."""
    return len(re.findall(r"[A-Za-z]+", text)) >= 4


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
    unknown_names: list[str]

    @property
    def answerable(self) -> bool:
        if self.unknown_names and self.top_sim < OVERRIDE_UNKNOWN_SIM:
            return False
        if self.top_sim >= ANSWER_IF_SIM:
            return True
        return self.top_sim >= MIN_SIM and self.coverage >= MIN_COVERAGE


def evidence(retriever: Retriever, question: str, hits: list[Hit], sims: np.ndarray) -> Evidence:
    rows = [ix for h in hits for ix, _ in h.sentences]
    top = max((float(sims[ix]) for ix in rows), default=0.0)
    return Evidence(top_sim=top, coverage=retriever.coverage(question, rows),
                    unknown_names=retriever.unknown_names(question))


def nearest(lib: Library, hits: list[Hit], n: int = 3) -> list[Nearest]:
    out = []
    for h in hits[:n]:
        p = lib.passages[h.passage_id]
        out.append(Nearest(p.doc_id, lib.docs[p.doc_id].title, p.id, p.text, h.score))
    return out


def _next_in_paragraph(lib: Library, ix: int) -> int | None:
    """The sentence after this one in the same paragraph (same document, no line break between), so
    a quotation split across two passages still reads on."""
    s = lib.sentences[ix]
    if ix + 1 < len(lib.sentences) and lib.sentences[ix + 1].doc_id == s.doc_id \
            and "\n" not in lib.docs[s.doc_id].text[s.end : lib.sentences[ix + 1].start]:
        return ix + 1
    return None


def _prev_in_paragraph(lib: Library, ix: int) -> int | None:
    return ix - 1 if ix > 0 and _next_in_paragraph(lib, ix - 1) == ix else None


def compose(lib: Library, question: str, hits: list[Hit], sims: np.ndarray, bm: np.ndarray,
            naming: set[int] = frozenset()) -> tuple[
        list[AnswerSentence], list[Citation]]:
    """Choose and order sentences from the retrieved passages; number their citations.

    The best sentence opens the answer, followed by what continues it in its own paragraph (a sentence
    that leans on it, or is itself relevant); then the best sentences of other passages, preferring
    documents not yet cited, each with the sentence it leans on if it starts with 'This', 'He' ..."""
    rank_of = {h.passage_id: r for r, h in enumerate(hits)}
    candidates = [ix for h in hits for ix, _ in h.sentences if citable(lib.sentences[ix].text)]
    # Strong single sentences outside the top passages (a mind-map line, say) are candidates too.
    seen = set(candidates)
    for ix in [*np.argsort(-sims)[:GLOBAL_CANDIDATES], *np.argsort(-bm)[:GLOBAL_CANDIDATES], *sorted(naming)]:
        if int(ix) not in seen and citable(lib.sentences[int(ix)].text):
            candidates.append(int(ix))
            seen.add(int(ix))
    bm_max = max((float(bm[ix]) for ix in candidates), default=0.0) or 1.0

    def score(ix: int) -> float:
        s = lib.sentences[ix]
        return (float(sims[ix]) + BM25_WEIGHT * float(bm[ix]) / bm_max - GENERIC_PENALTY * lib.generic[ix]
                - PASSAGE_RANK_STEP * rank_of.get(s.passage_id, len(hits)))

    def near(ix: int) -> list[list[int]]:
        """The sentences one and two steps before and after ix in its paragraph."""
        out, a, b = [], ix, ix
        for _ in range(2):
            a = _prev_in_paragraph(lib, a) if a is not None else None
            b = _next_in_paragraph(lib, b) if b is not None else None
            out.append([j for j in (a, b) if j is not None])
        return out

    def in_context(ix: int) -> float:
        """Its own score, or the share CARRY (per step) of a neighbour's, whichever is higher."""
        return max([score(ix), *(CARRY**d * score(j) for d, js in enumerate(near(ix), start=1) for j in js)])

    for ix in list(candidates):  # the neighbours of candidates are candidates (across a passage boundary too)
        for j in near(ix)[0]:
            if j not in seen and citable(lib.sentences[j].text):
                candidates.append(j)
                seen.add(j)

    scored = sorted(candidates, key=lambda ix: -score(ix))
    if not scored:
        return [], []
    best = score(scored[0])
    groups: list[list[int]] = []  # each: sentence rows cited together (near-duplicates from other sources)
    used: set[int] = set()

    def add(ix: int) -> None:
        groups.append([ix])
        used.add(ix)

    def antecedents(ix: int, depth: int = 2) -> list[int] | None:
        """The sentences ix leans on, earliest first ([] if none); None if they cannot be shown. A
        paragraph that opens with 'Thus ...' leans on the last sentence of the paragraph before, which
        may lean on its own predecessor: up to `depth` steps back."""
        if not depends_on_previous(lib.sentences[ix].text):
            return []
        before = ix - 1 if ix > 0 and lib.sentences[ix - 1].doc_id == lib.sentences[ix].doc_id else None
        if before is None or depth == 0 or not citable(lib.sentences[before].text):
            return None
        if before in used:
            return []
        earlier = antecedents(before, depth - 1)
        return None if earlier is None else [*earlier, before]

    def with_antecedent(ix: int) -> bool:
        """Add ix, preceded by the sentences it depends on; False if it depends on one we cannot show."""
        chain = antecedents(ix)
        if chain is None or (groups and len(groups) + len(chain) + 1 > MAX_SENTENCES):
            return False
        for j in chain:
            add(j)
        add(ix)
        return True

    def duplicate_of(ix: int) -> list[int] | None:
        return next((g for g in groups if float(lib.vectors[g[0]] @ lib.vectors[ix]) >= DUPLICATE_SIM), None)

    # 1. The most direct sentence and its continuation.
    # A question that names something rare ('Haslam', 'Potsdam') is about it: open with a sentence that
    # names it, if one is close enough, rather than a general one the embedding prefers.
    openers = [ix for ix in scored if ix in naming and float(sims[ix]) >= MIN_SUPPORT_SIM]
    first = next((ix for ix in [*openers, *scored] if with_antecedent(ix)), None)
    if first is None:
        return [], []
    cur, run = first, score(first)
    for _ in range(CONTINUATION):
        after = _next_in_paragraph(lib, cur)
        if after is None or after in used:
            break
        run = max(CARRY * run, score(after))  # what it inherits from the sentences before it, or its own
        if not (depends_on_previous(lib.sentences[after].text) or run >= CONTINUE_RATIO * best):
            break
        add(after)
        cur = after

    # 2. Supporting sentences from elsewhere, chosen greedily: a source not yet cited gets a bonus and a
    #    lower bar, so a second source's view of the point comes before a third sentence of the first.
    cited_docs = {lib.sentences[g[0]].doc_id for g in groups}

    # A supporting sentence may also earn its place by bearing on the opening sentence: the mind map's
    # "Litvinov replaced ... by Molotov" says little like "why did his dismissal matter" but much like
    # "the significance of Litvinov's abrupt dismissal".
    opening = lib.vectors @ lib.vectors[first]

    def support(ix: int) -> float:
        return max(in_context(ix), score(ix) - float(sims[ix]) + OPENING_WEIGHT * float(opening[ix]))

    def merit(ix: int) -> float | None:
        new = lib.sentences[ix].doc_id not in cited_docs
        if new and naming and ix not in naming:
            # A question about something rare (Yalta, Haslam): another source speaks to it only if it
            # names it; otherwise its closest sentence is filler ("Germany leaves World disarmament
            # conference" for "What was discussed at Yalta?").
            return None
        if max(float(sims[ix]), OPENING_WEIGHT * float(opening[ix])) < MIN_SUPPORT_SIM \
                or support(ix) < (NEW_DOC_RATIO if new else KEEP_RATIO) * best:
            return None
        return support(ix) + (NEW_DOC_BONUS if new else 0.0)

    pool = [ix for ix in scored if ix not in used]
    while len(groups) < MAX_SENTENCES:
        ranked = [(m, ix) for ix in pool if ix not in used and (m := merit(ix)) is not None]
        # First one sentence from each source not yet cited (best first), then the best of the rest.
        fresh = [(m, ix) for m, ix in ranked if lib.sentences[ix].doc_id not in cited_docs]
        ranked = fresh or ranked
        if not ranked:
            break
        _, ix = max(ranked)
        pool.remove(ix)
        dup = duplicate_of(ix)
        if dup is not None:
            if lib.sentences[ix].doc_id not in {lib.sentences[j].doc_id for j in dup}:
                dup.append(ix)  # the same point in another source: one sentence, both footnotes
            used.add(ix)
            continue
        if with_antecedent(ix):
            cited_docs.add(lib.sentences[ix].doc_id)

    # Reading order: selection order, except that sentences of one paragraph stay together in
    # document order (so a sentence always follows the one it leans on).
    def paragraph(g: list[int]) -> tuple[str, int]:
        s = lib.sentences[g[0]]
        return s.doc_id, lib.docs[s.doc_id].text.count("\n", 0, s.start)

    order: list[list[int]] = []

    def place(g: list[int]) -> None:
        if g in order:
            return
        if depends_on_previous(lib.sentences[g[0]].text):  # its antecedent goes first, wherever it is
            antecedent = next((h for h in groups if h[0] == g[0] - 1), None)
            if antecedent is not None:
                place(antecedent)
        order.append(g)

    for g in groups:
        for h in sorted((h for h in groups if paragraph(h) == paragraph(g)), key=lambda h: lib.sentences[h[0]].start):
            place(h)

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


def abstain(lib: Library, question: str, hits: list[Hit]) -> Answer:
    return Answer(question, [], [], abstained=True, nearest=nearest(lib, hits))

