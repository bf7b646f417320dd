"""The timeline: every dated event the indexed sources mention, in time order, each with the sentence it
comes from as a citation, the same event in several documents merged into one entry, and dates the
sources give differently for the same event flagged as conflicts.

What it does: finds dates in every indexed sentence (a day, a month, a year, a span "1933-1938",
a decade "the 1920s", "the late 1930s"), resolves a relative date ("two years later") or a month without
a year ("In September") against a date the text has just given, and leaves it out when it has none;
labels each date with the clause around it; merges mentions across documents; numbers citations.
What it does not do: number footnotes or write Markdown / CSV / JSON (app/jobs/timeline.py), print or draw
(app/cli.py and app/pages/views/timeline.py), or know any corpus: every threshold is one the engine already
uses for the same judgement, and says so where it is set. How dates are read is app/engine/dates.py.
It lives in the engine because the engine answers "What happened after X?" from it (app/engine/after.py).
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Callable, Collection
from dataclasses import dataclass, field, replace

import numpy as np

from .answer import Citation
from .compose import DUPLICATE_SIM, cite, depends_on_previous
from .dates import MONTH_WORDS, MONTHS, NUMBER, RELATIVE, When, dates_in, when_of
from .library import Library
from .llm import SUPPORT_SIM
from .retrieve import stems, words

# "After the failure at Munich, one year later": the date counts from the event named, not from a date
# read earlier, so the anchor is that event's date in the timeline, or nothing.
_AFTER_EVENT = re.compile(r"\b(?:after|since|following)\s+(?P<event>[^,;]+)[,;]", re.IGNORECASE)
# A relative date leans on the date given just before it: in the same sentence, or within the three
# sentences before (about one paragraph of the shipped essays, one branch of the mind map); further back,
# the reader could not tell either, so the date is left out.
LOOKBACK = 3

# Clause boundaries for labels: a date's event is the clause around it, not the whole sentence. A clause
# opening with "which" holds the date only as an afterthought ("sub-aims which have been met by 1941"),
# so it is read with the clause before it.
_CLAUSE = re.compile(r"\s*(?:[;:\[\]–—]|\s-\s|,\s+(?=(?:which|while|whereas|but|although)\b)|\s(?=which\b|while\b|"
                     r"whereas\b))\s*", re.IGNORECASE)
_PAREN = re.compile(r"\([^()]*\)")
_DATE_MARK = "\x00"
# The words that attached a date to its clause go with it: "the Munich Conference of 1938 was" reads
# "the Munich Conference was"; "before" and "after" stay, since they change what is said.
_DATE_WORDS = re.compile(r"(?:\b(?:(?:up\s+)?until|in|on|by|of|from|during|throughout|around|since|as\s+of)\s+)?"
                         r"(?:the\s+)?\x00+", re.IGNORECASE)
_LEADING = re.compile(r"^(?:[\s,.\-–—'\"‘“()]+|(?:thus|however|finally|also|then|in addition|as a result|and|but|so|"
                      r"most notably|as|in|on|by|of|at|from|during|since|until|while|which)\b)+[\s,]*", re.IGNORECASE)
_TRAILING = re.compile(r"(?:[\s,.\-–—'\"‘“”’(]+|\b(?:and|or|but|in|of|on|by|to|the|a|an|from)\b)+$", re.IGNORECASE)
# "the Franco-Soviet Pact of 1935" in a sentence about 1938: the date names the pact, so that is its event.
_NAMED = re.compile(r"((?:[A-Z][\w’'-]*\s+)*[A-Z][\w’'-]*)\s+of\s+(?:the\s+)?\x00+\s*$")
LABEL_WORDS = 16  # a line of the terminal or the page; the footnote holds the whole sentence


@dataclass
class Mention:
    """One date in one sentence."""

    row: int  # the sentence's row in the library
    doc_id: str
    when: When
    written: str  # the date as the text gives it ("May 3rd 1939", "two years later")
    start: int  # the date's offsets in the clean text
    end: int
    label: str  # the clause around the date, cleaned
    quote_end: int  # where the citation ends (a mind-map date on a line of its own cites the next line too)
    resolved_from: str = ""  # for a relative date or a month without a year: the date it was read against


@dataclass
class Conflict:
    """Another document's date for the same event, which does not agree with the entry's."""

    when: When
    mentions: list[Mention]
    citations: list[Citation] = field(default_factory=list)


@dataclass
class Entry:
    when: When
    label: str
    mentions: list[Mention]  # the agreeing mentions, every document's
    citations: list[Citation] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)

    @property
    def doc_ids(self) -> list[str]:
        return sorted({m.doc_id for m in self.mentions} | {m.doc_id for c in self.conflicts for m in c.mentions})

    def to_json(self) -> dict:
        return {**self.when.to_json(), "label": self.label,
                "citations": [c.n for c in self.citations], "documents": self.doc_ids,
                "given": {str(c.n): given(self, c) for c in self.citations + [c for k in self.conflicts for c in k.citations]},
                "conflicts": [{**c.when.to_json(), "citations": [x.n for x in c.citations]} for c in self.conflicts]}


# --- labels ------------------------------------------------------------------------------------------


def label_of(sentence: str, start: int, end: int, others: list[tuple[int, int]]) -> str:
    """The clause around the date at sentence[start:end], without its date(s), cleaned and shortened."""
    masked = sentence
    for a, b in [*others, (start, end)]:  # dates are never cut by a clause boundary and never shown in labels
        masked = masked[:a] + _DATE_MARK * (b - a) + masked[b:]
    inside = next((m for m in _PAREN.finditer(masked) if m.start() < start < m.end()), None)
    if inside is None:  # an aside in brackets is not the date's clause: "Litinov (Soviet commissar) argued"
        masked = _PAREN.sub(lambda m: " " * len(m.group(0)), masked)
    else:
        masked = " " * (inside.start() + 1) + masked[inside.start() + 1: inside.end() - 1] + " " * (len(masked) - inside.end() + 1)
    if not others and masked[:start].strip() == "The" and re.match(r"\s+[a-z]", masked[end:]):
        masked = masked[:start] + sentence[start:end] + masked[end:]  # "The 1920's witnessed": the date is the subject
    if others:
        named = _NAMED.search(masked[:end])
        if named and named.end() == end:
            return named.group(1)
    cuts = [0] + [x for m in _CLAUSE.finditer(masked) for x in (m.start(), m.end())] + [len(masked)]
    bounds = [(a, b) for a, b in zip(cuts[::2], cuts[1::2], strict=True)]
    here = next((i for i, (a, b) in enumerate(bounds) if a <= start < b), 0)
    if here and re.match(r"\s*(which|who)\b", masked[bounds[here][0]:], re.IGNORECASE):
        bounds[here - 1: here + 1] = [(bounds[here - 1][0], bounds[here][1])]
        here -= 1

    def clean(a: int, b: int) -> str:
        # "lost to Poland in the 1920-21 war": a date naming the noun after it goes alone
        text = re.sub(r"(\bthe\s+)\x00+\s+([a-z]+)(?=\s*(?:[.,;]|$))", r"\1\2", masked[a:b])
        text = _DATE_WORDS.sub(" ", text)
        text = re.sub(r"\s+([,.;:!?])", r"\1", " ".join(text.replace(_DATE_MARK, " ").split()))
        text = _LEADING.sub("", text)
        return _TRAILING.sub("", text)

    label = clean(*bounds[here])
    # A clause that was only its date ("Operation Barbarossa (June, 1941)") takes the clause before it.
    if len(re.findall(r"[A-Za-z]{2,}", label)) < 2:
        if inside is not None:
            return label_of(sentence[: inside.start()], start, start, [])
        for j in (here - 1, here + 1):
            if 0 <= j < len(bounds) and len(re.findall(r"[A-Za-z]{2,}", clean(*bounds[j]))) >= 2:
                label = clean(*bounds[j])
                break
    ws = label.split()
    if len(ws) > LABEL_WORDS:
        label = _TRAILING.sub("", " ".join(ws[:LABEL_WORDS])) + "…"
    return label[:1].upper() + label[1:]


# --- mentions ----------------------------------------------------------------------------------------


def _has_words(text: str, spans: list[tuple[int, int]]) -> bool:
    """Does the text say anything besides the dates at these spans?"""
    for a, b in sorted(spans, reverse=True):
        text = text[:a] + " " + text[b:]
    return bool(re.search(r"[A-Za-z]{2,}", text))


def mentions(lib: Library, anchor_of: Callable[[str], int | None] | None = None) -> list[Mention]:
    """Every date in every sentence of the library, in document order. A month or day without a year and
    a relative date are read against the last explicit date in the same sentence or the LOOKBACK
    sentences before it in the same document; `anchor_of(text)` gives the year of an event a relative date
    counts from ("after the failure at Munich, barely one year later"), or None. Unresolved: left out."""
    found: list[Mention] = []
    last: dict[str, tuple[int, When, str]] = {}  # doc -> (row, the last explicit moment, as written)
    for s in lib.sentences:
        prev = last.get(s.doc_id)
        context = (prev[1], prev[2]) if prev is not None and s.ix - prev[0] <= LOOKBACK else None
        here: list[Mention] = []

        def add(w: When, a: int, b: int, resolved: str = "", s=s, here=here) -> None:
            here.append(Mention(s.ix, s.doc_id, w, s.text[a:b], s.start + a, s.start + b, "", s.end, resolved))

        explicit: list[tuple[int, When, str]] = []  # (end offset, moment, as written) in this sentence
        for a, b, kind, parts in dates_in(s.text):
            if "y" in parts:
                w = when_of(kind, parts, None)
                if w is not None:
                    add(w, a, b)
                    if w.end_year is None:
                        explicit.append((b, w, s.text[a:b]))
                continue
            base = (explicit[-1][1], explicit[-1][2]) if explicit else context
            month = MONTHS[parts["m"].lower()]
            if base is None or (base[0].month is not None and month < base[0].month):
                continue  # no year to read it with, or 'In May' after 'August 1939': either year; left out
            w = when_of(kind, parts, base[0].year)
            if w is not None:
                add(w, a, b, base[1])
        for m in RELATIVE.finditer(s.text):
            n = m.group("n")
            count = 1 if n is None else NUMBER.get(n.lower()) or int(n)
            unit = (m.group("unit") or m.group("unit1")).lower().rstrip("s")
            before = [(w, t) for b, w, t in explicit if b <= m.start()]
            after = _AFTER_EVENT.search(s.text[: m.start()])
            if before:
                base = before[-1]
            elif after is not None:  # counted from an event the sentence names: its date, or nothing
                year0 = anchor_of(after.group("event")) if anchor_of else None
                base = (When(year0), after.group("event").strip()) if year0 else None
            else:
                base = context
            if base is None or (unit == "month" and base[0].month is None):
                continue
            if unit == "month":
                k = base[0].year * 12 + base[0].month - 1 + count
                w = When(k // 12, k % 12 + 1)
            else:
                w = When(base[0].year + count * (10 if unit == "decade" else 1))
            add(w, m.start(), m.end(), base[1])
        here.sort(key=lambda x: x.start)
        spans = [(x.start - s.start, x.end - s.start) for x in here]
        for x, own in zip(here, spans, strict=True):
            x.label = label_of(s.text, *own, [o for o in spans if o != own])
        # A date on a line of its own (a mind map's "1917" over "Bolshevik Revolution") labels the next line.
        nxt = s.ix + 1
        if here and not _has_words(s.text, spans) and nxt < len(lib.sentences) \
                and lib.sentences[nxt].passage_id == s.passage_id and not dates_in(lib.sentences[nxt].text):
            for x in here:
                x.label = label_of(lib.sentences[nxt].text, 0, 0, [])
                x.quote_end = lib.sentences[nxt].end
        found += [x for x in here if x.label]
        if explicit:
            last[s.doc_id] = (s.ix, explicit[-1][1], explicit[-1][2])
    return found


# --- merging -----------------------------------------------------------------------------------------

# Two mentions with agreeing dates are one event when they paraphrase each other and name the same
# distinctive thing. SUPPORT_SIM is the cosine the engine calibrated for "this sentence says what that
# passage says" (app/engine/llm.py: 72% of true paraphrase pairs pass it, 0.7% of false pairs); the better of the
# labels' and the sentences' cosine counts, since a label drops what its sentence says around the date
# ("reported to Berlin on May 3rd 1939: '...Molotov...'"). Paraphrase alone is not enough in a corpus on one
# subject, where most sentences sound alike ("After Lenin's death in 1924, Soviet foreign policy changed"
# and "the British first recognised the USSR in 1924": 0.45), so the pair must also share a name: a
# capitalised word (or a spelling variant of it, at the retriever's fuzzy-match cutoff) that is not one of
# the corpus's main actors. A main actor is a name in more than NAME_SHARE of the sentences: on the shipped
# corpus Stalin, Germany, the USSR, Soviet, France, Britain (12-30%) against Litvinov, Munich, Poland,
# Rapallo, Molotov (2-5%); the share is of sentences, so it scales to any corpus.
# A conflict, two dates for one event, needs more, because a different date already suggests a different
# event ("1933: Hitler cancels the Rapallo Treaty" is not "1922: the Treaty of Rapallo"): labels that say
# the same thing (compose.DUPLICATE_SIM, the bar at which an answer merges two sources' sentences into
# one) and name exactly the same distinctive things.
SAME_EVENT_SIM = SUPPORT_SIM
SAME_THING_SIM = DUPLICATE_SIM
NAME_SHARE = 0.1
LABEL_IS_SENTENCE = 0.8  # share of a sentence's words its label keeps for the sentence's vector to stand for it
VARIANT_RATIO = 86  # two spellings of one name (Litvinov, Litinov): the retriever's fuzzy-match cutoff
_NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][\w’'-]*")


class _Matcher:
    """How alike two mentions are: their labels' and sentences' embeddings, and the names they share.
    Vectors are compared pair by pair, never as a full matrix, so a large library stays cheap."""

    def __init__(self, lib: Library, found: list[Mention], encode: Callable[[str], np.ndarray],
                 sentence_stems: list[set[str]]):
        df = Counter(st for ss in sentence_stems for st in ss)
        limit = NAME_SHARE * len(lib.sentences)
        per_row = Counter(m.row for m in found)

        expand = expansions([lib.sentences[m.row].text for m in found])

        def spelled_out(text: str) -> str:
            return _ACRONYM.sub(lambda a: expand.get(a.group(), a.group()), text)  # "LoN": League of Nations

        def countries(text: str) -> str:  # for names only: "Franco-Soviet" names France (the label embeds as written)
            return _COMBINING.sub(lambda c: COMBINING_FORMS[c.group(1).lower()] + c.group(2), spelled_out(text))

        def names(m: Mention) -> set[str]:
            ws = set(words(" ".join(_NAME.findall(countries(lib.sentences[m.row].text))))) - MONTH_WORDS
            if per_row[m.row] > 1:  # two dates in one sentence: only the names of this date's clause
                ws &= set(words(countries(m.label)))
            return {st for st in stems(sorted(ws)) if not st.isdigit()}

        raw = [names(m) for m in found]
        canon = _spellings(sorted(set().union(*raw)))
        self.every_name = [frozenset(canon[x] for x in r) for r in raw]
        self.names = [frozenset(canon[x] for x in r if df[x] <= limit) for r in raw]
        # A label that is itself a name ("Franco-Soviet Pact" of 1935) is identified by all its words, the
        # main actors' too: France is in a fifth of the shipped sentences, yet it is what ties that pact to
        # "the Soviet Union signed mutual assistance pacts with France and Czechoslovakia".
        self.named = [bool(_TITLE.fullmatch(m.label)) and len(m.label.split()) > 1 for m in found]
        self.said = [frozenset(stems(words(countries(lib.sentences[m.row].text)))) for m in found]
        self.title = [frozenset(stems([w for w in words(countries(m.label)) if "-" not in w])) if named else frozenset()
                      for m, named in zip(found, self.named, strict=True)]
        self.sentence = lib.vectors[[m.row for m in found]]
        # A label that keeps most of its sentence reads as the sentence does: its stored vector serves, and
        # only the others are embedded (about 9 ms each on a busy 2-core laptop, most of the build's time).
        vecs: dict[str, np.ndarray] = {}
        label = np.empty_like(self.sentence)
        for k, m in enumerate(found):
            said = set(words(lib.sentences[m.row].text)) - set(words(m.written))
            text = spelled_out(m.label)
            if text == m.label and len(set(words(m.label)) & said) >= LABEL_IS_SENTENCE * len(said):
                label[k] = self.sentence[k]
            else:
                if text not in vecs:
                    vecs[text] = np.asarray(encode(text), dtype=np.float32).ravel()
                label[k] = vecs[text]
        self.label = label / (np.linalg.norm(label, axis=1, keepdims=True) + 1e-9)
        # a sentence with two dates tells two events: only each date's own clause speaks for it
        shared = np.array([per_row[m.row] > 1 for m in found])
        self.sentence = np.where(shared[:, None], self.label, self.sentence)

    def names_it(self, x: int, y: int) -> bool:
        """Is one of x and y a named thing whose every word the other's sentence says? ("Franco-Soviet Pact"
        of 1935 and "the Soviet Union signed mutual assistance pacts with France and Czechoslovakia")"""
        return any(self.title[a] and self.title[a] <= self.said[b] for a, b in ((x, y), (y, x)))

    def share_names(self, x: int, y: int) -> bool:
        """Do x and y name something in common? Their distinctive names, or any name when one is a named thing."""
        if self.names[x] & self.names[y]:
            return True
        return (self.named[x] or self.named[y]) and bool(self.every_name[x] & self.every_name[y])

    def sims(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        """For pairs (i[k], j[k]): the better of the labels' and the sentences' cosine (a label drops what
        its sentence says around the date: "reported to Berlin on May 3rd 1939: '...Molotov...'")."""
        return np.maximum(np.einsum("ij,ij->i", self.label[i], self.label[j]),
                          np.einsum("ij,ij->i", self.sentence[i], self.sentence[j]))

    def label_sims(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        return np.einsum("ij,ij->i", self.label[i], self.label[j])


# English combining forms of country names ("Franco-Soviet", "Anglo-German", "Sino-Japanese"): the part before
# the hyphen names the country. A closed class of the language, as dictionaries list it; only a hyphenated
# part is read, so General Franco stays a person.
COMBINING_FORMS = {"anglo": "Britain", "franco": "France", "russo": "Russia", "sino": "China", "italo": "Italy",
                   "austro": "Austria", "germano": "Germany", "hispano": "Spain", "luso": "Portugal",
                   "greco": "Greece", "turco": "Turkey", "indo": "India", "serbo": "Serbia", "polono": "Poland",
                   "nippo": "Japan", "dano": "Denmark"}
_COMBINING = re.compile(r"\b((?i:" + "|".join(COMBINING_FORMS) + r"))([-–])(?=[A-Z])")
_TITLE = re.compile(r"(?:[A-Z][\w’'-]*\s+(?:(?:of|the|and|for)\s+)*)*[A-Z][\w’'-]*")
_ACRONYM = re.compile(r"\b[A-Z][A-Za-z]{1,4}\b")
_LONG_NAME = re.compile(r"\b[A-Z][a-z]+(?:\s+(?:of|the|and|for)?\s*[A-Z][a-z]+)+")


def expansions(texts: list[str]) -> dict[str, str]:
    """Each acronym the texts use ("LoN") -> the one long name among them whose initials it is ("League
    of Nations"), so that a label embeds what it means; an acronym with no such name, or two, is left."""
    longs: dict[str, set[str]] = {}
    for t in texts:
        for m in _LONG_NAME.finditer(t):
            ws = m.group().split()
            for initials in ("".join(w[0] for w in ws).lower(), "".join(w[0] for w in ws if w[0].isupper()).lower()):
                longs.setdefault(initials, set()).add(m.group())
    out = {}
    for t in texts:
        for m in _ACRONYM.finditer(t):
            a = m.group()
            found = longs.get(a.lower(), set())
            if sum(c.isupper() for c in a) >= 2 and len(found) == 1:
                out[a] = next(iter(found))
    return out


def _spellings(names: list[str]) -> dict[str, str]:
    """Each name's canonical spelling: names with the same first letter and a fuzzy ratio of at least
    VARIANT_RATIO are one name (Litvinov, Litinov), as the retriever matches a question's words."""
    from rapidfuzz import fuzz, process

    canon: dict[str, str] = {}
    for i, x in enumerate(names):
        if x in canon:
            continue
        canon[x] = x
        rest = [y for y in names[i + 1:] if y[0] == x[0] and y not in canon]
        for y, _, _ in process.extract(x, rest, scorer=fuzz.ratio, score_cutoff=VARIANT_RATIO, limit=None):
            canon[y] = x
    return canon


def _is_span(m: Mention) -> bool:
    return m.when.end_year is not None


def _overlapping(found: list[Mention]) -> tuple[np.ndarray, np.ndarray]:
    """The pairs (i < j) whose dates could be one event: two points whose dates agree, or the same span.
    Points are swept in date order (a point covers a year at most), spans grouped by their value."""
    pairs: list[tuple[int, int]] = []
    points = sorted((i for i, m in enumerate(found) if not _is_span(m)), key=lambda i: found[i].when.first)
    for k, i in enumerate(points):
        last = found[i].when.last
        for j in points[k + 1:]:
            if found[j].when.first > last:
                break
            pairs.append((min(i, j), max(i, j)))
    spans: dict[When, list[int]] = {}
    for i, m in enumerate(found):
        if _is_span(m):
            spans.setdefault(m.when, []).append(i)
    pairs += [(a, b) for ms in spans.values() for x, a in enumerate(ms) for b in ms[x + 1:]]
    pairs = [(i, j) for i, j in pairs if found[i].row != found[j].row]  # two dates in one sentence: two events
    if not pairs:
        return np.zeros(0, dtype=int), np.zeros(0, dtype=int)
    i, j = np.array(pairs, dtype=int).T
    return i, j


def _groups(found: list[Mention], match: _Matcher) -> list[list[int]]:
    """Mentions merged into events: pairs that are one event (above), most alike first, joined while every
    date in the group agrees with every other (so a bare '1939' cannot bridge August and September)."""
    i, j = _overlapping(found)
    sim = match.sims(i, j)
    keep = [k for k in np.flatnonzero(sim >= SAME_EVENT_SIM) if match.share_names(int(i[k]), int(j[k]))]
    alike = {(int(i[k]), int(j[k])): float(sim[k]) for k in keep}
    # Across documents, each other's best match: a document tells an event once, so of the sentences in
    # another document that could be the same event, only the closest is (a year-level "1939" otherwise
    # joins whichever 1939 event of another document happens to sound alike and share a name).
    best: dict[tuple[int, str], tuple[float, int]] = {}
    for (x, y), c in alike.items():
        for a, b in ((x, y), (y, x)):
            if found[a].doc_id != found[b].doc_id and c > best.get((a, found[b].doc_id), (-1.0, -1))[0]:
                best[(a, found[b].doc_id)] = (c, b)
    def mutual(x: int, y: int) -> bool:
        return best[(x, found[y].doc_id)][1] == y and best[(y, found[x].doc_id)][1] == x

    # A document may tell an event twice, once by its year alone and once dated ("1934 Stalin joined the LoN",
    # "September 1934- Soviet Union attended its first League of Nations"). Another document shows it: the
    # year-level mention's closest there is closest, back in the first document, to the dated mention. That
    # one-way match counts only when it is as alike as the library's typical two-way match (the median): on
    # the tuning articles the weaker ones joined other events ("By mid-1942, the Japanese found themselves
    # holding a vast area" to "In March 1942, Chinese Expeditionary Force started to attack"). Or when the
    # other document says its name: "the Franco-Soviet Pact of 1935" and "the Soviet Union signed mutual
    # assistance pacts with France" (whose closest in the mind map is "May 1935, France signed a treaty with
    # the USSR"). A name alone is not enough within one document: "the California Global Warming Solutions
    # Act of 2006" is not the executive order of October 2006.
    two_way = [c for (x, y), c in alike.items() if found[x].doc_id != found[y].doc_id and mutual(x, y)]
    typical = float(np.median(two_way)) if two_way else 1.0
    echoes: set[tuple[int, int]] = set()
    for (a, _), (c, b) in best.items():
        z = best.get((b, found[a].doc_id), (0.0, a))[1]
        if ((c >= typical or match.names_it(a, b)) and found[a].when.precision == 1 and z != a and found[z].when.precision > 1
                and found[z].when.agrees(found[a].when) and (min(a, z), max(a, z)) in alike):
            echoes.add((min(a, z), max(a, z)))
            echoes.add((min(a, b), max(a, b)))

    # An event called by its name is that event in any document, closest or not.
    keep = [k for k in keep if found[i[k]].doc_id == found[j[k]].doc_id or mutual(int(i[k]), int(j[k]))
            or (int(i[k]), int(j[k])) in echoes or match.names_it(int(i[k]), int(j[k]))]

    def fits(x: int, y: int) -> bool:
        """May x and y sit in one entry? Their dates agree, and two sentences of one document are one
        event only if they say the same thing: a document tells an event once (a mind map's lines are
        different events, though 'September 1938 ... Czechoslovakia' and 'Munich 29 September 1938,
        Czechoslovakia' share a month and a name), or if one dates the other's event by its year alone
        (an echo, above)."""
        if not found[x].when.agrees(found[y].when):
            return False
        pair = (min(x, y), max(x, y))
        return found[x].doc_id != found[y].doc_id or alike.get(pair, 0.0) >= SAME_THING_SIM or pair in echoes

    group = list(range(len(found)))
    members = {x: [x] for x in range(len(found))}
    for k in sorted(keep, key=lambda k: -sim[k]):
        gi, gj = group[i[k]], group[j[k]]
        if gi == gj or not all(fits(x, y) for x in members[gi] for y in members[gj]):
            continue
        for x in members[gj]:
            group[x] = gi
        members[gi] += members.pop(gj)
    return [sorted(ms) for ms in members.values()]


def _conflicting(found: list[Mention], match: _Matcher) -> list[tuple[int, int]]:
    """Pairs of mentions in different documents that give one event dates that do not agree: labels that
    say the same thing (SAME_THING_SIM) and name exactly the same distinctive names. Only mentions that
    share a name are compared."""
    by_name: dict[str, list[int]] = {}
    for x, ns in enumerate(match.names):
        if not _is_span(found[x]):
            for n in ns:
                by_name.setdefault(n, []).append(x)
    pairs = {(a, b) for ms in by_name.values() for k, a in enumerate(ms) for b in ms[k + 1:]
             if found[a].doc_id != found[b].doc_id and match.names[a] == match.names[b]
             and not found[a].when.agrees(found[b].when)}
    if not pairs:
        return []
    i, j = np.array(sorted(pairs), dtype=int).T
    sim = match.label_sims(i, j)
    return [(int(a), int(b)) for a, b, c in zip(i, j, sim, strict=True) if c >= SAME_THING_SIM]


def _citation(lib: Library, m: Mention) -> Citation:
    return cite(lib, 0, m.row, end=m.quote_end)


def _best(ms: list[Mention]) -> Mention:
    """The mention that dates the event most precisely (the earliest-read of equals)."""
    return max(ms, key=lambda m: (m.when.precision, -m.when.first.toordinal(), -m.row))


def _label(idx: list[int], found: list[Mention], match: _Matcher) -> str:
    """The entry's label: the mention label that best describes the other mentions' sentences (on
    average), so "Litvinov replaced by Molotov" names an event that another source dates by "the German
    charge d'affaires reported to Berlin on May 3rd 1939: '...Molotov...'"."""
    if len(idx) == 1:
        return found[idx[0]].label
    describes = match.label[idx] @ match.sentence[idx].T
    score = describes.sum(axis=1) - np.diag(describes)
    # a label that leans on the sentence before it ('The move towards this ...') reads worst out of place
    best = max(range(len(idx)), key=lambda k: (not depends_on_previous(found[idx[k]].label), float(score[k]),
                                               found[idx[k]].when.precision))
    return found[idx[best]].label


def build(lib: Library, encode: Callable[[str], np.ndarray]) -> list[Entry]:
    """The timeline of a library: entries in time order, unnumbered citations (see `numbered`)."""
    sentence_stems = [set(stems(words(s.text))) for s in lib.sentences]
    df = Counter(st for ss in sentence_stems for st in ss)
    explicit = [m for m in mentions(lib) if m.when.end_year is None and not m.resolved_from]

    def anchor_of(event: str) -> int | None:
        """The year of an event a relative date counts from ("after the failure ... at Munich"): the year
        every explicitly dated sentence naming its distinctive names gives, if they agree on one."""
        names = {st for st in stems(words(" ".join(_NAME.findall(" " + event))))
                 if df[st] <= NAME_SHARE * len(lib.sentences)}
        if not names:
            return None
        years = {m.when.year for m in explicit if names <= sentence_stems[m.row]}
        return years.pop() if len(years) == 1 else None

    found = [m for m in mentions(lib, anchor_of) if dates_an_event(lib, m)]
    if not found:
        return []
    match = _Matcher(lib, found, encode, sentence_stems)
    groups = _groups(found, match)
    group_of = {x: g for g, idx in enumerate(groups) for x in idx}
    entries = []
    for idx in groups:
        ms = [found[x] for x in idx]
        entries.append(Entry(_best(ms).when, _label(idx, found, match), ms,
                             [_citation(lib, m) for m in _unique_rows(ms)]))
    # Conflicts: an event another group dates differently. The group with more documents keeps the entry
    # (ties: the more precise date, then the earlier); the other's mentions become its conflict.
    def rank(g: int) -> tuple:
        e = entries[g]
        return (-len(e.doc_ids), -e.when.precision, e.when.first)

    gone: set[int] = set()
    clashes = sorted({tuple(sorted((group_of[a], group_of[b]), key=rank)) for a, b in _conflicting(found, match)},
                     key=lambda p: (rank(p[0]), rank(p[1])))
    for keep, other in clashes:
        if keep in gone or other in gone or entries[keep].when.agrees(entries[other].when):
            continue
        f = entries[other]
        entries[keep].conflicts.append(Conflict(f.when, f.mentions, f.citations))
        gone.add(other)
    kept = [e for g, e in enumerate(entries) if g not in gone]
    kept.sort(key=lambda e: (e.when.first, e.when.last, min(m.start for m in e.mentions)))
    return _one_date_per_sentence(kept)


def _one_date_per_sentence(entries: list[Entry]) -> list[Entry]:
    """A sentence whose two dates gave one clause ("pursued their strategy ... in 1942 and 1943": both
    labelled with the same words) stands under its first date only; a sentence that dates two events
    in two clauses keeps both."""
    seen: set[tuple[int, str]] = set()
    out = []
    for e in entries:
        ms = [m for m in e.mentions if (m.row, m.label) not in seen]
        seen |= {(m.row, m.label) for m in e.mentions}
        if len(ms) == len(e.mentions):
            out.append(e)
        elif ms:
            rows = {m.row for m in ms}
            out.append(Entry(e.when, e.label, ms, [c for c, m in zip(e.citations, _unique_rows(e.mentions), strict=True)
                                                   if m.row in rows], e.conflicts))
    return out


# What a sentence must say for its date to be an event's: an action (a verb that is neither a light one nor
# one of opinion), a named event or treaty, or a short heading with no verb (a mind map's "Bolshevik
# Revolution"). Not: "Soviet foreign policy throughout the period is confusing", "Christian Rakovsky wrote
# the above in 1926", "... could be deemed a success". The verbs are grammatical classes, as the reading's.
_LIGHT_PREDICATES = frozenset("be have seem make become remain appear do get look".split())
_OPINION = frozenset("""write argue claim believe suggest think contend maintain view regard consider describe
    deem judge see feel doubt assume""".split())
HEADING_WORDS = 10
_NAMED_THINGS = frozenset({"EVENT", "LAW", "FAC", "ORG", "GPE"})
# A view as the subject ("This second view", "His argument"): what a writer thinks, not what happened.
_OPINION_NOUNS = re.compile(r"\b(view|argument|interpretation|opinion|theory|explanation|conclusion|essay)s?\b",
                            re.IGNORECASE)


def dates_an_event(lib: Library, m: Mention) -> bool:
    """Whether the sentence a date labels tells an event (its reading, ingest/reading.py); a library
    without readings keeps every date."""
    row = m.row + 1 if m.quote_end > lib.sentences[m.row].end and m.row + 1 < len(lib.sentences) else m.row
    s = lib.sentences[row]
    r = s.reading
    if not r:
        return True
    says = r.get("says") or []
    if says and says[1] in _OPINION:
        return False
    if any(_OPINION_NOUNS.search(e[1]) for e in r.get("events", [])[:1]):
        return False  # "This second view makes more sense ...", "His argument has a basis in fact ..."
    strong = [e[0] for e in r.get("events", []) if e[0].split()[0] not in _LIGHT_PREDICATES | _OPINION]
    if strong:
        return True
    # "The Munich Conference of 1938 was the final straw": the date names a named thing's time
    named = [s.text[a:b] for a, b, label in r.get("ents", []) if label in _NAMED_THINGS]
    for e in r.get("events", []):
        if e[0].split()[0] in _LIGHT_PREDICATES and m.written in e[1] and any(n in e[1] for n in named):
            return True
    if r.get("verdict"):
        return False
    if any(label in ("EVENT", "LAW") for _, _, label in r.get("ents", [])):
        return True
    return not r.get("events") and len(s.text.split()) <= HEADING_WORDS


def _unique_rows(ms: list[Mention]) -> list[Mention]:
    seen, out = set(), []
    for m in sorted(ms, key=lambda m: (m.doc_id, m.start)):
        if m.row not in seen:
            seen.add(m.row)
            out.append(m)
    return out


# --- the timeline of an engine's index, cached per generation ------------------------------------------

_cache: dict[tuple[str, str], list[Entry]] = {}
_cache_lock = threading.Lock()


def timeline(engine) -> list[Entry]:
    """The timeline of the engine's live index: built once per index generation (about a second for
    the shipped corpus: one embedding per label), so an ingest that changes the documents changes it."""
    engine.follow_index()
    lib = engine.library
    key = (engine.settings.where, lib.index.generation)
    with _cache_lock:
        if key not in _cache:
            _cache.clear()  # only the live generation is worth keeping
            _cache[key] = build(lib, engine.encode)
        return _cache[key]


def select(entries: list[Entry], start: int | None = None, end: int | None = None,
           doc: str | Collection[str] | None = None, query: str | None = None) -> list[Entry]:
    """The entries that overlap the years start..end, are dated by the document(s) `doc` (keeping only
    their citations, except in an entry with a conflict, which needs both sides), and whose label or
    quotes contain every word of `query`."""
    wanted = None if doc is None else {doc} if isinstance(doc, str) else set(doc)
    terms = (query or "").lower().split()
    out = []
    for e in entries:
        if (start is not None and e.when.last.year < start) or (end is not None and e.when.first.year > end):
            continue
        if wanted is not None:
            if not wanted & set(e.doc_ids):
                continue
            if not e.conflicts:  # a conflict keeps both sides, whichever document was asked for
                e = replace(e, mentions=[m for m in e.mentions if m.doc_id in wanted],
                            citations=[c for c in e.citations if c.doc_id in wanted])
        text = " ".join([e.label, *(c.quote for c in e.citations),
                         *(c.quote for k in e.conflicts for c in k.citations)]).lower()
        if all(t in text for t in terms):
            out.append(e)
    return out


def given(e: Entry, c: Citation) -> str:
    """How the cited sentence dates the event: '“August, 1939”', or for a date read from an earlier one
    '“two years later” (1941, from 1939)'."""
    ms = [m for m in e.mentions + [m for k in e.conflicts for m in k.mentions]
          if m.doc_id == c.doc_id and c.start <= m.start < c.end]
    return ", ".join(f"“{m.written}”" + (f" ({m.when.iso()}, from {m.resolved_from})" if m.resolved_from else "")
                     for m in ms)
