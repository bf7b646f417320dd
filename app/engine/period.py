"""The period a question asks about, and the years each source sentence is about.

"Why was the Soviet state so isolated after the First World War?" asks about the years after 1918, not about
the isolation after Munich in 1938. A question's time words name the period: a date or span it gives ("in
1939", "in the 1920s", "between 1935 and 1937"; app/engine/dates.py reads them), or one of the two world wars
by any of their usual names, with "after", "before", "during" or "by". A sentence is about the years its own
dates name (the reading's `years`), or, when it names none, the years of the last dated sentence before it
in its document: history is written in order, so "The Soviets were isolated and surrounded by enemies" is
about the Munich year its section began with.

What it does not do: read dates a sentence gives relative to another ("two years later" counts as no date),
or know any event's year that is not written in the question (name a year: "the pact of 1939").
"""

from __future__ import annotations

import re

from .dates import dates_in, when_of

# The world wars as history texts name them (general English, not one corpus's): years of each.
WARS = {
    r"(first|1st) world war|world war (one|1|i)|ww ?(1|i)|great war": (1914, 1918),
    r"(second|2nd) world war|world war (two|2|ii)|ww ?(2|ii)": (1939, 1945),
}
_WAR = {re.compile(rf"\b(?:the\s+)?(?:{k})\b", re.IGNORECASE): v for k, v in WARS.items()}
# "After the war" means the years that follow it, not every year since: a decade, as history periods are
# usually told ("the 1920s"). A convention, not fitted; the same span before "before".
SPAN_AFTER = 10
_BEFORE = re.compile(r"\b(before|until|up to|prior to|leading up to|in the run[- ]up to)\s+(the\s+)?$", re.IGNORECASE)
_AFTER = re.compile(r"\b(after|following|since|in the aftermath of|in the wake of)\s+(the\s+)?$", re.IGNORECASE)


def asked(question: str) -> tuple[int, int] | None:
    """(first year, last year) of the period the question's time words name, or None when it names none
    (or names two that do not overlap: "between the wars" is read from its years, not guessed)."""
    found: list[tuple[int, int, int, int]] = []  # (start, end, first year, last year) in the question
    for rx, (a, b) in _WAR.items():
        found += [(m.start(), m.end(), a, b) for m in rx.finditer(question)]
    for start, end, kind, parts in dates_in(question):
        w = when_of(kind, parts, None)
        if w is not None and not any(s <= start < e for s, e, _, _ in found):
            found.append((start, end, w.first.year, w.last.year))
    if len(found) != 1:
        return None
    start, _, a, b = found[0]
    before = question[:start]
    if _AFTER.search(before):
        return b, b + SPAN_AFTER
    if _BEFORE.search(before):
        return a - SPAN_AFTER, a
    return a, b


def sentence_years(lib, ix: int) -> tuple[int, int] | None:
    """The years a sentence is about: its own dates, else those of the last dated sentence before it in the
    same document; None when nothing before it is dated."""
    return _dated(lib)[ix]


def _dated(lib) -> list[tuple[int, int] | None]:
    """sentence_years of every row, made in one pass the first time a question names a period (a walk back
    per candidate could cross thousands of undated sentences in a large document)."""
    table = getattr(lib, "_years_by_row", None)
    if table is None or len(table) != len(lib.sentences):
        table, last, doc = [], None, None
        for s in lib.sentences:
            if s.doc_id != doc:
                last, doc = None, s.doc_id
            years = (s.reading or {}).get("years")
            if years:
                last = (int(years[0]), int(years[1]))
            table.append(last)
        lib._years_by_row = table
    return table


def within(lib, ix: int, period: tuple[int, int]) -> bool | None:
    """Whether the sentence is about the period (its years overlap it); None when it is not dated."""
    years = sentence_years(lib, ix)
    if years is None:
        return None
    return years[0] <= period[1] and period[0] <= years[1]
