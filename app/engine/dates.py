"""Dates as history texts write them: a day ("23 August 1939", "May 3rd 1939"), a month ("August, 1939"),
a year ("1922", "[1922]", "mid-1939"), a span ("1936-1939", "1919-20", "between 1935 and 1937", "from 1919 to
1945") or a decade ("the 1920's", "the late 1930s"), and relative dates ("two years later").

This module reads dates in a string; it knows nothing of documents or events (app/jobs/timeline.py).
Dates are found with regular expressions, not python-dateutil or dateparser: dateutil parses one date per
string and fills what the text leaves out from a default (a bare "May" becomes a day of this year), while
a timeline must keep "May 1939" a month and "1922" a year, find several dates in one sentence, and read
spans and decades, which are not dates to either library. The calendar check (no 31 June) is datetime's.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

MONTHS = {m.lower(): i for i, m in enumerate(calendar.month_name) if m}
MONTHS |= {m.lower(): i for i, m in enumerate(calendar.month_abbr) if m} | {"sept": 9}
MONTH_WORDS = set(MONTHS) | {d.lower() for d in calendar.day_name}  # capitalised, but never what an event is about

# "two years later", "the following year", "a decade after": a date relative to one the text just gave.
NUMBER = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
          "eight": 8, "nine": 9, "ten": 10, "twelve": 12}
RELATIVE = re.compile(r"\b(?:(?P<n>a|an|one|two|three|four|five|six|seven|eight|nine|ten|twelve|\d{1,2})\s+"
                      r"(?P<unit>years?|months?|decades?)\s+(?:later|after(?:wards)?)|the\s+(?:following|next)\s+"
                      r"(?P<unit1>year|month|decade))\b", re.IGNORECASE)


# Decades qualified "early", "mid", "late": the first, middle and last four years.
_PART = {"early": (0, 3), "mid": (3, 6), "late": (6, 9)}


@dataclass(frozen=True)
class When:
    """A date as precise as the source gives it: a day, a month, a year, or a span of years."""

    year: int
    month: int | None = None
    day: int | None = None
    end_year: int | None = None  # the last year of a span or decade
    written: str = ""  # "the late 1930s", "1933-1938": how a span or decade is shown

    @property
    def first(self) -> date:
        return date(self.year, self.month or 1, self.day or 1)

    @property
    def last(self) -> date:
        if self.end_year is not None:
            return date(self.end_year, 12, 31)
        if self.month is None:
            return date(self.year, 12, 31)
        return date(self.year, self.month, self.day or calendar.monthrange(self.year, self.month)[1])

    @property
    def precision(self) -> int:
        """3 a day, 2 a month, 1 a year, 0 a span: the more precise date of two that agree is shown."""
        if self.end_year is not None:
            return 0
        return 3 if self.day else 2 if self.month else 1

    def agrees(self, other: When) -> bool:
        """Could both be the same moment? (Their days overlap: 1935 and May 1935 agree, 1922 and 1923 do not.)"""
        return self.first <= other.last and other.first <= self.last

    def iso(self) -> str:
        if self.end_year is not None:
            return self.written or f"{self.year}–{self.end_year}"
        if self.day:
            return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"
        return f"{self.year:04d}-{self.month:02d}" if self.month else f"{self.year:04d}"

    def to_json(self) -> dict:
        return {"date": self.iso(), "first": self.first.isoformat(), "last": self.last.isoformat()}


_MONTH = "(?P<m>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_DAY = r"(?P<d>[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?P<y>1\d{3}|20\d{2})"  # a plausible year, 1000-2099
_APOS = r"['’]?"
_PATTERNS = {  # tried in this order at each position; the first that matches wins
    "day_month": rf"{_DAY}\s+(?:of\s+)?{_MONTH}(?:,?\s+{_YEAR})?",  # 23 August 1939 · 3 September
    "month_day": rf"{_MONTH}\s+{_DAY},?\s+{_YEAR}",  # May 3rd 1939 · August 23, 1939
    "decade": rf"(?:(?P<q>early|mid|late)[\s-]+)?(?P<y>1\d{{2}}0|20\d0){_APOS}s",  # the late 1930s · the 1920's
    "between": rf"between\s+{_YEAR}\s+and\s+(?P<y2>\d{{4}})",  # between 1935 and 1937
    "from": rf"from\s+{_YEAR}\s+to\s+(?P<y2>\d{{4}})",  # from 1919 to 1945
    "span": rf"{_YEAR}\s*[-–—]\s*(?P<y2>\d{{4}}|\d{{2}})(?!\d|{_APOS}s)",  # 1936-1939 · 1919-20 · 1920 - 1925
    "month": rf"{_MONTH}(?:,?\s+{_YEAR})?",  # August, 1939 · May 1939 · (in) September
    "year": rf"(?:(?P<q>early|mid|late)[\s-]+)?{_YEAR}",  # 1922 · [1922] · mid-1939 · early 1945
}
_COMPILED = {k: re.compile(rf"\b{v}\b", re.IGNORECASE) for k, v in _PATTERNS.items()}
_START = re.compile(r"\b(?=\w)")
_ANY = re.compile(r"\d|\b(?:" + "|".join(m.title() for m in MONTHS) + r")\b")  # a date needs a digit or a month
# A month named without a year is a date only after a word that introduces one ("In September the two
# countries invaded"): otherwise "May" is as likely the verb.
_MONTH_CUE = re.compile(r"\b(?:in|by|during|until|from|since|early|late|mid|of|before|after)\s*$", re.IGNORECASE)
# A number in a name or code is not a year: "the MX-1593 program", "Type 1939-A" (after a hyphenated word).
_CODE = re.compile(r"[A-Za-z]-$")
# A four-digit number that counts something is not a year: "1500 men", "2000 tanks", "1200%".
_COUNTS = re.compile(r"\s*%|\s+(?!(?:was|has|this|thus|its|his|as|is|across|towards|afterwards|always|"
                     r"perhaps|unless|whereas|besides)\b)[a-z]{2,}s\b")


def dates_in(text: str) -> list[tuple[int, int, str, dict]]:
    """(start, end, kind, parts) of every date expression in the text, left to right, never overlapping."""
    out, at = [], 0
    if not _ANY.search(text):
        return out
    for w in _START.finditer(text):
        if w.start() < at:
            continue
        for kind, rx in _COMPILED.items():
            m = rx.match(text, w.start())
            if m is None:
                continue
            parts = {k: v for k, v in m.groupdict().items() if v}
            if "m" in parts and not parts["m"][0].isupper():
                continue  # month names are capitalised in English; "may" is the verb
            if kind == "month" and "y" not in parts and not _MONTH_CUE.search(text[: m.start()]):
                continue
            if kind == "year" and (_COUNTS.match(text, m.end()) or _CODE.search(text[: m.start()])):
                continue
            out.append((m.start(), m.end(), kind, parts))
            at = m.end()
            break
    return out


def when_of(kind: str, parts: dict, year: int | None) -> When | None:
    """The When of one date expression; `year` fills a day or month the text gives without one."""
    try:
        y = int(parts["y"]) if "y" in parts else year
        if y is None:
            return None
        if kind == "decade":
            q = (parts.get("q") or "").lower()
            lo, hi = _PART.get(q, (0, 9))
            return When(y + lo, end_year=y + hi, written=f"{q + ' ' if q else ''}{y}s")
        if kind in ("span", "between", "from"):
            y2 = int(parts["y2"]) if len(parts["y2"]) == 4 else (y // 100) * 100 + int(parts["y2"])  # 1919-20
            if not y < y2 <= y + 100:
                return None  # "1945-1939", or not a span of years at all
            return When(y, end_year=y2, written=f"{y}–{y2}")
        if "m" in parts:
            month = MONTHS[parts["m"].lower()]
            day = int(parts["d"]) if "d" in parts else None
            date(y, month, day or 1)  # the calendar's check: no 31 June
            return When(y, month, day)
        return When(y)
    except (ValueError, KeyError):
        return None
