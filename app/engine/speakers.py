"""Who says a cited sentence: a historian's or writer's claim reads as theirs, not as the sources' fact.

From the readings (ingest/reading.py): a sentence that reports someone's view ("William Shirer argues that
..."), a sentence inside a quotation whose speaker the paragraph named before it ("William Shirer ...
makes a strong point ... "The significance of Litvinov's abrupt dismissal was obvious to all."), and a
claim whose owner is a pronoun ("His argument has a basis in fact") take their speaker from the sentence
that names them, at most LOOKBACK sentences back in the same document. The speaker goes into the
footnote's label ("William Shirer, in The Nazi-Soviet Pact: ..."), so every page and the terminal show
it. A sentence whose speaker cannot be found has none: nothing is guessed past the paragraph.
"""

from __future__ import annotations

import re

from .sentences import prev_in_paragraph

LOOKBACK = 3  # the antecedent walk of compose.py reaches two sentences back; a quotation may run one more
# Speakers that name nobody in particular ("Historians argue ...", "He said ..."): no "Who argued that ...?"
# card, no "What did they argue?" suggestion (app/jobs/revise.py, app/jobs/suggest.py).
VAGUE_SPEAKERS = frozenset({"historians", "some historians", "many historians", "others", "some", "people",
                            "critics", "it", "this", "they", "he", "she", "we", "one", "i", "many", "most", "his",
                            "her", "their"})
_PRONOUNS = {"he", "she", "they", "his", "her", "their", "him", "them", "it", "its", "this", "these", "that"}
_OWNED = re.compile(r"^[\"“'‘(]*(his|her|their) (argument|view|point|claim|case|thesis|interpretation|opinion|"
                    r"account|position|conclusion)s?\b", re.IGNORECASE)


def _named(says: list) -> str | None:
    if not says:
        return None
    first = says[0].split()[0].lower() if says[0].split() else ""
    return None if first in _PRONOUNS else says[0]


def _subject_person(s) -> str | None:
    """A person the sentence names inside the subject of one of its verbs."""
    r = s.reading or {}
    people = [s.text[a:b] for a, b, label in r.get("ents", []) if label == "PERSON"]
    for event in r.get("events", []):
        for person in people:
            if person in event[1]:
                return person
    return None


def _inside_quotation(lib, row: int) -> bool:
    """Whether the sentence starts inside a quotation opened earlier in its paragraph, or opens one."""
    s = lib.sentences[row]
    if s.text.lstrip()[:1] in "\"“":
        return True
    first = row
    while (p := prev_in_paragraph(lib, first)) is not None:
        first = p
    before = lib.docs[s.doc_id].text[lib.sentences[first].start : s.start]
    return before.count('"') % 2 == 1 or before.count("“") > before.count("”")


def speaker_of(lib, row: int) -> str | None:
    """The person or group whose words or view the sentence at `row` gives, when the sources say so."""
    s = lib.sentences[row]
    r = s.reading or {}
    named = _named(r.get("says") or [])
    if named:
        return named
    pronoun_claim = bool(r.get("says")) or bool(_OWNED.match(s.text))
    quoted = _inside_quotation(lib, row)
    if not (pronoun_claim or quoted):
        return None
    cur = row
    for _ in range(LOOKBACK):
        cur = cur - 1 if cur > 0 and lib.sentences[cur - 1].doc_id == s.doc_id else None
        if cur is None:
            return None
        before = lib.sentences[cur]
        named = _named((before.reading or {}).get("says") or [])
        if named:
            return named
        if (quoted or pronoun_claim) and not _inside_quotation(lib, cur) and (person := _subject_person(before)):
            return person
    return None
