"""Who argues what: the historians and writers the sources name, what each argues or reports, and the
schools (readings) the sources group them into. Every claim is a sentence of the sources, cited.

There is no tagger here, so this reads the sources' own reporting language: a capitalised name (with
initials: 'J. P. Taylor', 'C. Kennedy-Pipe') that is the subject of a reporting verb (argues, claims,
wrote, believes, suggests, contends, pointed out ...) or follows 'according to' is a writer, and the
sentence is what they argue. A school is what the sources name as one: "'Collective security'
historians", "(germanist view)", "historians stress the importance of 'internal politics'". A writer
belongs to the school named in their own sentence, else in the sentence just before or after theirs in
the same paragraph (where the sources introduce a school and then its members). The word lists are
general English, not knowledge of one corpus. This module reads the library; it decides nothing about a
question and prints nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from app.engine.library import Library
from app.engine.mentions import ADJECTIVES, COUNTRIES, EVENT_NOUNS, FUNCTION_WORDS, GROUP_WORDS, MONTHS
from app.engine.sentences import depends_on_previous, next_in_paragraph, prev_in_paragraph

HISTORIAN, WRITER, CONTEMPORARY = "historian", "writer", "contemporary"

# Reporting verbs: how English prose says that someone holds or states a view.
_VERB = re.compile(
    r"\b(argue[sd]?|argued|argues|claim(?:s|ed)?|wr(?:ote|ites)|believe[sd]?|suggest(?:s|ed)?|contend(?:s|ed)?|"
    r"maintain(?:s|ed)|insist(?:s|ed)?|point(?:s|ed)(?: out)?|stress(?:es|ed)?|emphasi[sz](?:es|ed)|"
    r"assert(?:s|ed)|makes? a (?:strong |good )?point|reported|reports|states that|stated that|warn(?:s|ed))\b",
    re.IGNORECASE)
# "could be argued", "to believe": the name before it is not the one who argues
_NOT_ACTIVE = re.compile(r"\b(to|be|been|being|is|was|were|are)\s*$", re.IGNORECASE)
# A name: initials and capitalised words ('J. P. Taylor', 'Christian Rakovsky', 'C. Kennedy-Pipe').
_NAME = re.compile(r"(?<![\w’'])((?:[A-Z]\.\s?)*[A-Z][a-z]+(?:-[A-Z][a-z]+)?(?:\s(?:[A-Z]\.\s?)*[A-Z][a-z]+"
                   r"(?:-[A-Z][a-z]+)?)*)(?:[’']s)?")
_ACCORDING = re.compile(r"\baccording to\s+$", re.IGNORECASE)
# Between a name and its verb: no pronoun that would be the verb's subject instead ('Germany he argues').
_OTHER_SUBJECT = re.compile(r"\b(he|she|they|it|we|i|one)\b", re.IGNORECASE)
_PARENS = re.compile(r"\([^()]*\)")
MAX_GAP_WORDS = 16  # 'William Shirer, whose credentials as a journalist ..., nevertheless makes a strong point': 14

# How the sources name a school or reading: "'Collective security' historians", "(germanist view)",
# "historians stress the importance of 'internal politics'". Quotation marks around the label, or an
# -ist/-ian word before view/school/interpretation: general English, not this corpus's.
_Q = "[‘'\"“]"
_UQ = "[’'\"”]"
_SCHOOL = [
    re.compile(_Q + r"([^’'\"”]{3,40})" + _UQ + r"\s+(?:historians|school|view|interpretation|reading)\b"),
    re.compile(r"\b([A-Za-z]+(?:ist|ian|ic))\s+(?:view|school|interpretation|reading)\b", re.IGNORECASE),
    re.compile(r"historians\s+(?:\w+\s+){0,3}(?:the\s+)?importance\s+of\s+" + _Q + r"([^’'\"”]{3,40})" + _UQ),
]
# Historians the writer does not name: "Some historians argue", "Historians have argued", "the other view
# states". Their claims are kept, as the writers report them.
_UNNAMED = re.compile(r"\b(?:some|many|most|other|these|revisionist|traditional)?\s*historians\s+(?:have\s+)?(?:been\s+)?"
                      r"(?:argue|argued|argueing|arguing|claim|claimed|believe|believed|suggest|suggested|contend|"
                      r"interpret)|\b(?:one side|the other view|one view|the other side)\s+(?:describes|states|"
                      r"argues|claims|sees)", re.IGNORECASE)
_NOT_A_CLAIM = re.compile(r"\bwhether\b", re.IGNORECASE)  # "Historians have been arguing whether ...": a question

_JOURNALIST = re.compile(r"\b(journalist|reporter|novelist|writer|author)\b", re.IGNORECASE)
_OFFICE = re.compile(r"\b(ambassador|commissar|comissar|minister|diplomat|president|chancellor|general|"
                     r"secretary|leader|serving as|headed by)\b", re.IGNORECASE)
_HISTORIAN = re.compile(r"\b(historians?|historiograph\w*|views?|school|interpretation|archives|book|study)\b|"
                        r"\([A-Z][^()]{6,}\)")
_YEAR = re.compile(r"\b(1[5-9]\d\d|20\d\d)\b")
_WORK_CUE = re.compile(r"\b(the above|the following|as follows)\b", re.IGNORECASE)
_QUOTE_OPEN = re.compile(r"^\s*[\"“]")

NOT_NAMES = COUNTRIES | GROUP_WORDS | ADJECTIVES | FUNCTION_WORDS | MONTHS | {
    "soviet", "nazi", "nazis", "union", "league", "nations", "west", "western", "east", "eastern", "war",
    "treaty", "pact", "conference", "crisis", "army", "red", "government", "party", "comintern",
} | EVENT_NOUNS | {"letter", "manifesto", "report", "memorandum", "article", "speech"}


@dataclass
class Claim:
    """One sentence of the sources (a row of the library) that states what someone argues or reports."""

    row: int
    doc_id: str
    text: str


@dataclass
class Writer:
    name: str  # as the sources first write it ('J. P. Taylor'); `key` is the surname
    key: str
    role: str  # historian, writer (a journalist, an author) or contemporary (someone of the time)
    claims: list[Claim] = field(default_factory=list)
    school: str | None = None


@dataclass
class School:
    label: str  # as the sources name it, capitalised ('Collective security', 'Germanist')
    claims: list[Claim] = field(default_factory=list)  # the sentences that state the school's reading
    members: list[str] = field(default_factory=list)  # writer keys


@dataclass
class Debate:
    writers: dict[str, Writer]
    schools: list[School]
    unnamed: list[Claim]  # what "some historians" argue, as the sources report it

    def groups(self) -> list[tuple[str, list[Writer], list[Claim]]]:
        """The readings in the order the sources give them, each with its writers and its own claims;
        then the writers of no school, historians first, then contemporaries."""
        out = [(s.label, [self.writers[k] for k in s.members], s.claims) for s in self.schools]
        rest = [w for w in self.writers.values() if w.school is None]
        for role, label in ((HISTORIAN, "Other historians"), (WRITER, "Other writers"),
                            (CONTEMPORARY, "People of the time")):
            ws = [w for w in rest if w.role == role]
            if ws:
                out.append((label, ws, []))
        if self.unnamed:
            out.append(("Historians the sources do not name", [], self.unnamed))
        return out

    def rows_of(self, key: str) -> list[int]:
        return [c.row for c in self.writers[key].claims] if key in self.writers else []

    def holders(self, row: int) -> list[str]:
        """The writers whose claim this sentence is (their display names)."""
        return [w.name for w in self.writers.values() if any(c.row == row for c in w.claims)]


def _clean_name(name: str) -> str:
    return re.sub(r"[’']s$", "", name).strip()


def _surname(name: str) -> str:
    return name.split()[-1]


def _is_person(name: str) -> bool:
    """A name that could be a person's: no word of it a country, group, adjective or function word."""
    parts = [p.strip(".").lower() for p in name.replace("-", " ").split()]
    full = [p for p in parts if len(p) > 1]
    return bool(full) and not any(p in NOT_NAMES for p in full)


def _spans(text: str) -> list[tuple[int, int, str]]:
    """(start, end of the verb, name) for each name that is the subject of a reporting verb."""
    out = []
    flat = _PARENS.sub(lambda m: " " * len(m.group()), text)  # '(such as G. Roberts) argued' still counts
    for m in _NAME.finditer(text):
        name = _clean_name(m.group(1))
        before = text[: m.start()]
        if not _is_person(name) or re.search(r"(\bthe|[‘'\"“])\s*$", before, re.IGNORECASE):
            continue  # 'the Baltic states', a quoted label ("'Collective security' historians")
        if _ACCORDING.search(before):
            out.append((m.start(), m.end(), name))
            continue
        inside = not flat[m.start():m.end()].strip()  # the name is inside parentheses
        rest = text[m.end():] if inside else flat[m.end():]
        lead = len(rest) - len(rest.lstrip(") "))
        after = rest[lead:]
        verb = _VERB.search(after)
        if verb is None:
            continue
        gap = after[: verb.start()]
        names = [n for n in _NAME.finditer(gap) if _is_person(_clean_name(n.group(1)))]
        bare = _NAME.sub("N", gap)  # initials are not full stops
        if _NOT_ACTIVE.search(gap) or len(gap.split()) > MAX_GAP_WORDS or _OTHER_SUBJECT.search(bare) \
                or re.search(r"[.;:!?]", bare):
            continue
        # another person's name between this one and the verb takes the verb, unless joined by 'and'
        if names and not re.fullmatch(r"\s*and\s+N\s*", bare):
            continue
        out.append((m.start(), m.end() + lead + verb.end(), name))
    return out


def subjects(text: str) -> list[str]:
    """The names that are subjects of a reporting verb in this sentence ('J. Haslam and C. Kennedy-Pipe
    pointed ...' gives both; 'Germany he argues' and 'it could be argued' none)."""
    return list(dict.fromkeys(name for _, _, name in _spans(text)))


def reporters(text: str, reading: dict | None) -> list[str]:
    """The subjects of a reporting verb (`subjects`) who argue this sentence: not a name inside what the
    sentence's own speaker says. The ingest's reading (ingest/reading.py) parsed who says the sentence
    ("Historians have argued that ..., however, Hitler stated that ...": the historians); a name after the
    end of that speaker is reported by them, not the sentence's writer ("who" or "which" as the speaker
    stands for the name before it, so it rules out no one)."""
    says = (reading or {}).get("says") or []
    out = []
    for start, _, name in _spans(text):
        if says and says[0].lower() not in _RELATIVE and start >= says[3]:
            continue
        out.append(name)
    return list(dict.fromkeys(out))


_RELATIVE = {"who", "which", "that", "whom", "whose"}


def school_label(text: str) -> str | None:
    for pattern in _SCHOOL:
        m = pattern.search(text)
        if m:
            label = " ".join(m.group(1).split())
            return label[0].upper() + label[1:]
    return None


ROLE_WINDOW = 60  # characters either side of a name and its verb that describe the person


def _role(lib: Library, key: str, rows: list[int]) -> str:
    """Historian, writer or contemporary, from the words around the name where it argues ('as a
    journalist', '(The Origins of the Second World War)', 'serving as the Soviet ambassador') and, for a
    person of the time, a year or an office beside any mention of the name ('headed by G.V. Chicherin
    from 1918 to 1930')."""
    windows = []
    for r in rows:
        text = lib.sentences[r].text
        for a, b, name in _spans(text):
            if _surname(name) == key:
                windows.append(text[max(0, a - ROLE_WINDOW): b + ROLE_WINDOW])
    near = " ".join(windows)
    if _JOURNALIST.search(near):
        return WRITER
    if _OFFICE.search(near):
        return CONTEMPORARY
    if _HISTORIAN.search(near):
        return HISTORIAN
    pattern = re.compile(r"\b" + re.escape(key) + r"\b")
    for s in lib.sentences:
        for m in pattern.finditer(s.text):
            window = s.text[max(0, m.start() - ROLE_WINDOW): m.end() + ROLE_WINDOW]
            if _OFFICE.search(window) or _YEAR.search(window):
                return CONTEMPORARY
    return WRITER


def _claim(lib: Library, row: int) -> Claim:
    s = lib.sentences[row]
    return Claim(row, s.doc_id, s.text)


def _with_context(lib: Library, row: int) -> list[int]:
    """The sentence and what it points to: 'wrote the above' - the paragraph's opening; 'makes a strong
    point' followed by a quotation - the quotation; 'They believe ...' after it - that sentence."""
    rows = [row]
    text = lib.sentences[row].text
    if _WORK_CUE.search(text):
        first = row
        while (p := prev_in_paragraph(lib, first)) is not None:
            first = p
        if first != row:
            rows.insert(0, first)
    nxt = next_in_paragraph(lib, row)
    if nxt is not None and (_QUOTE_OPEN.match(lib.sentences[nxt].text) or depends_on_previous(lib.sentences[nxt].text)) \
            and not subjects(lib.sentences[nxt].text):
        rows.append(nxt)
    return rows


def read_debate(lib: Library) -> Debate:
    """Who argues what, read from every sentence of the library."""
    writers: dict[str, Writer] = {}
    labels: dict[int, str] = {}
    for s in lib.sentences:
        label = school_label(s.text)
        if label:
            labels[s.ix] = label
    found: dict[int, list[str]] = {}
    for s in lib.sentences:
        names = reporters(s.text, s.reading)
        if names:
            found[s.ix] = names
    # one writer per surname, named as fully as the sources ever name them ('G. Roberts', 'Roberts')
    for row, names in found.items():
        for name in names:
            key = _surname(name)
            w = writers.get(key)
            if w is None:
                w = writers[key] = Writer(name, key, WRITER)
            elif len(name) > len(w.name):
                w.name = name
            for r in _with_context(lib, row):
                if all(c.row != r for c in w.claims):
                    w.claims.append(_claim(lib, r))
    for w in writers.values():
        w.claims.sort(key=lambda c: c.row)
        w.role = _role(lib, w.key, [c.row for c in w.claims if c.row in found])

    # schools: the sentences naming one, with what reads on from them in their paragraph until the next
    # writer or school is introduced
    schools: dict[str, School] = {}
    for row, label in labels.items():
        school = schools.setdefault(label.lower(), School(label))
        cur = row
        school.claims.append(_claim(lib, cur))
        while (cur := next_in_paragraph(lib, cur)) is not None and cur not in labels and cur not in found:
            school.claims.append(_claim(lib, cur))

    def label_near(row: int) -> str | None:
        for r in (row, prev_in_paragraph(lib, row), next_in_paragraph(lib, row)):
            if r is not None and r in labels and (r == row or not found.get(r)):
                return labels[r].lower()
        return None

    for w in writers.values():
        votes = [lab for c in w.claims if c.row in found and (lab := label_near(c.row))]
        if votes:
            key = max(set(votes), key=votes.count)
            w.school = schools[key].label
            schools[key].members.append(w.key)
            w.role = HISTORIAN if w.role == WRITER else w.role  # a member of a school of historians

    unnamed = [_claim(lib, s.ix) for s in lib.sentences
               if _UNNAMED.search(s.text) and not _NOT_A_CLAIM.search(s.text) and s.ix not in labels]
    ordered = sorted(schools.values(), key=lambda s: s.claims[0].row)
    return Debate(writers, ordered, unnamed)


_cache: list[tuple[Library, Debate]] = []  # the last library read, and its debate


def debate(lib: Library) -> Debate:
    """The library's debate, read once per library (an ingest makes the engine open a new one)."""
    if not _cache or _cache[0][0] is not lib:
        _cache[:] = [(lib, read_debate(lib))]
    return _cache[0][1]
