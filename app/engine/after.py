"""'What happened after X?': the events the sources date next after X, from the timeline.

Retrieval alone answers "What happened after Yalta?" with the sentences most like the question, which are
the ones about Yalta itself. The timeline (timeline.py) knows when each event the sources date happened,
so this asks it instead: the entry that names X (its distinctive names, in the entry's own sentences),
then the next few entries after it in time, each cited by its own sentence. A question whose X the
timeline does not date gets None, and the engine answers it as any other. Nothing here knows one corpus.
"""

from __future__ import annotations

import re

from .answer import Answer
from .compose import antecedents_of, footnoted
from .retrieve import STOPWORDS, stems, words

# "What happened after X?", "What happened next after X?", "What followed X?", "What came after X?"
_AFTER = re.compile(r"^\s*what\s+(?:happened|came|followed|occurred)(?:\s+next)?\s+(?:after|following)\s+(?P<x>.+?)"
                    r"\s*[?.!]*\s*$|^\s*what\s+followed\s+(?P<y>.+?)\s*[?.!]*\s*$", re.IGNORECASE)
NEXT_EVENTS = 3  # entries after X: enough to say what came next without retelling the rest of the period


def subject(question: str) -> str | None:
    """The X of "What happened after X?", or None for any other question."""
    m = _AFTER.match(question)
    return (m.group("x") or m.group("y")) if m else None


def answer_after(engine, question: str) -> Answer | None:
    """The next events after X, or None when the question is not of that form or X is not dated."""
    x = subject(question)
    if not x:
        return None
    from .events import NAME_SHARE, timeline

    lib = engine.library
    rows_of = engine.retriever.rows_of
    sentence_stems = engine.features.sent_sets  # each sentence's stems, computed once per index
    limit = max(2.0, NAME_SHARE * len(lib.sentences))
    # X's distinctive words: those the sources use, and not one of the corpus's main actors (timeline.py).
    names = {st for st in stems([w for w in words(x) if w not in STOPWORDS])
             if 0 < len(rows_of.get(st, ())) <= limit}
    if not names:
        return None
    entries = timeline(engine)

    def naming(e) -> int:
        """How many of X's words the entry's own sentences hold between them."""
        held = set().union(*(sentence_stems[m.row] for m in e.mentions))
        return len(names & held)

    best = max((naming(e) for e in entries), default=0)
    if best < max(1, len(names) - len(names) // 3):  # X is not an event the timeline dates
        return None
    anchor = next(e for e in entries if naming(e) == best)  # the earliest entry that names X
    return _after_entry(engine, question, anchor, entries)


def answer_after_rows(engine, question: str, rows: list[int]) -> Answer | None:
    """The next events after the latest one the timeline dates among `rows` (the sentences an earlier
    answer cited: "What happened next?" after an answer about an event the question did not name in the
    timeline's words), or None when none of them is dated or nothing is dated after."""
    from .events import timeline

    entries = timeline(engine)
    wanted = set(rows)
    dated = [e for e in entries if any(m.row in wanted for m in e.mentions)]
    if not dated:
        return None
    return _after_entry(engine, question, max(dated, key=lambda e: e.when.last), entries)


def _after_entry(engine, question: str, anchor, entries) -> Answer | None:
    lib = engine.library
    later = [e for e in entries if e.when.first > anchor.when.last][:NEXT_EVENTS]
    if not later:
        return None
    order: list[list[int]] = []
    used: set[int] = set()
    for e in later:
        row = min((m.row for m in e.mentions), key=lambda r: (lib.sentences[r].doc_id, lib.sentences[r].start))
        chain = antecedents_of(lib, row, used)
        if chain is None or row in used:
            continue
        for j in [*chain, row]:
            order.append([j])
            used.add(j)
    if not order:
        return None
    sentences, citations = footnoted(lib, order)
    return Answer(question, sentences, citations, abstained=False)
