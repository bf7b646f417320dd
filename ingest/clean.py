"""Cleaning: turn a scraped web page into the text of the source it wraps.

Cleaning is a list of small named rules, each a function from text to text with a docstring saying
what junk it removes or what damage it repairs. `clean()` runs them in order and records, rule by rule,
what each one took out or changed, so the Sources page can show a teacher exactly what was removed.

Rules are written for the kinds of furniture essay sites wrap around text (adverts, cut marks, related
essay teasers, chat widgets ...) and the damage PDF extraction does (split words, broken lines), never
for one line of one file. Junk-removal rules (`@rule`) run on every document and must leave a clean
article untouched; repairs (`@repair`) guess at damage, so they run only for a source that declares them
(`repairs = [...]` in corpus/sources.toml). Every rule and the report are linear in the text's size (or
n log n): a 20 MB file must clean in seconds, not hours. This module does not split text into passages
(see passages.py) and does not know about the index.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache


@dataclass(frozen=True)
class Rule:
    name: str
    fn: Callable[[str], str]
    repair: bool = False  # a repair runs only for a source that declares it (sources.toml `repairs`)

    @property
    def description(self) -> str:
        return " ".join((self.fn.__doc__ or "").split())

    def __call__(self, text: str) -> str:
        return self.fn(text)


RULES: list[Rule] = []


def rule(fn: Callable[[str], str]) -> Callable[[str], str]:
    """A junk-removal rule: it runs on every document, so it must leave a clean article as it is."""
    RULES.append(Rule(fn.__name__, fn))
    return fn


def repair(fn: Callable[[str], str]) -> Callable[[str], str]:
    """A repair of extraction damage. Repairs guess (is 'a bout' a split 'about'?), and a guess that is
    right on a damaged PDF is wrong on a clean article ('a knight winning a bout'), so a repair runs only
    for a source that declares it in corpus/sources.toml."""
    RULES.append(Rule(fn.__name__, fn, repair=True))
    return fn


# Site furniture is a short line (the longest advert or banner in the corpus is 135 characters); a longer
# line is a paragraph of text that happens to mention cookies or prices, and is never dropped whole.
_FURNITURE_MAX = 300


def _drop_lines(text: str, pattern: re.Pattern[str]) -> str:
    return "".join(line for line in text.splitlines(keepends=True)
                   if len(line) > _FURNITURE_MAX or not pattern.search(line))


# --- normalisation ---------------------------------------------------------------------------------


@rule
def normalize_text(text: str) -> str:
    """Unify line endings and spaces, and end the text with a newline, so the last line can never run
    into whatever is appended after it (the mind map's last line ran into the next document's header)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ").replace("\ufeff", "")
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    return text.rstrip("\n") + "\n"


# --- site furniture --------------------------------------------------------------------------------

_JS = re.compile(r"(?i)(please enable javascript|enable javascript in your browser|requires javascript to (display|run|view))")


@rule
def javascript_notices(text: str) -> str:
    """Removes 'Please enable JavaScript' and '... requires JavaScript to display documents' notices."""
    return _drop_lines(text, _JS)


_COOKIE = re.compile(
    r"(?i)\b(we|this (web)?site|our (web)?site) uses? cookies\b|\bcookie (policy|settings|consent|preferences)\b"
    r"|\baccept (all )?cookies\b"
)


@rule
def cookie_banner(text: str) -> str:
    """Removes cookie banners ('We use cookies to give you the best experience ...')."""
    return _drop_lines(text, _COOKIE)


_HEADER_FIELD = re.compile(r"(?i)^(submitted by|views|words|pages|category|date submitted)\s*:\s*(.*)$")


@rule
def submission_header(text: str) -> str:
    """Removes an essay site's submission header (submitted by, views, words, pages, category, date)
    from the top of the text. `metadata()` keeps the submitter and date as metadata."""
    lines = text.split("\n")
    i = 0
    while i < len(lines) and (not lines[i].strip() or _HEADER_FIELD.match(lines[i].strip())):
        i += 1
    return "\n".join(lines[i:])


_CHAT = re.compile(
    r"(?im)^[^\n]{1,40}\n\s*\n(?:online|offline|away)\s*\n\s*\n(?:hi|hello|hey)\b[^\n]*\n(?:[^\n]+\?[ \t]*\n)*"
)


@rule
def chat_widget(text: str) -> str:
    """Removes a sales chat widget: an agent's name, 'online', 'Hi there!' and its sales questions."""
    return _CHAT.sub("", text)


# Patterns stay inside one line ([ \t], not \s, after ^) so that a run of blank lines is not rescanned
# from every line start: every rule must be linear in the text's size.
_COUNTDOWN = re.compile(r"(?im)^[^\n]*next update will be in:?[ \t]*\n|^[ \t]*\d{1,2}[ \t]*:[ \t]*\d{2}[ \t]*:[ \t]*\d{2}[ \t]*$\n?")


@rule
def countdown(text: str) -> str:
    """Removes countdown timers ('The next update will be in:' and '14 : 59 : 59')."""
    return _COUNTDOWN.sub("", text)


_ADVERT = re.compile(
    r"(?i)("
    r"join over [\d.,]+ (million )?(students|users)"
    r"|accelerate your learning"
    r"|start learning [\d.]+% faster"
    r"|[\d,.]+\+? (documents|essays|samples) available"
    r"|(just|only|from) [£$€]\s?\d+(\.\d\d)? (a|per) month"  # an offer, not a wage
    r"|available only for registered users|only registered users have"
    r"|custom (sample )?essay|customi[sz]ed one|^\W*order (now|an essay)\W*$"
    r"|limited time offer"
    r"|copying text is forbidden"
    r"|by clicking \"?send"
    r"|get access to our"
    r"|free plagiarism|plagiarism[- ](free|check)"
    r"|search for your essay title"
    r"|found what you're looking for"
    r")"
)


@rule
def adverts(text: str) -> str:
    """Removes subscription and paper-mill adverts: 'Join over 1.2 million students', 'just £6.99 a month',
    'registered users only', 'custom essay' offers, a lone 'Order Now', 'copying text is forbidden'."""
    return _drop_lines(text, _ADVERT)


_LABEL = re.compile(r"(?i)^\s*(essay|icon|logo|-|•)\s*$")


@rule
def site_labels(text: str) -> str:
    """Removes lone page labels ('essay', 'icon', 'logo', a bare '-') and a browser-tab title
    ('Title - Site Name') that repeats the title on the next line."""
    lines = [line for line in text.split("\n") if not _LABEL.match(line)]
    kept, following = [], ""  # walking backwards, `following` is the next non-blank line
    for line in reversed(lines):
        if not (" - " in line and following and line.startswith(following + " - ")):
            kept.append(line)
        if line.strip():
            following = line.strip()
    return "\n".join(reversed(kept))


# The lookbehind starts a match only at the first space of a run (else a long run of spaces is rescanned
# from each of its positions); the bound keeps a long run of dots from rescanning what follows.
_CUT_MARK = re.compile(r"(?<![ \t])[ \t]*+(\.\.\.|…)\s{0,40}read more\.?", re.IGNORECASE)
_EXTRACTS = re.compile(r"(?im)^[ \t]*extracts from this document\.*[ \t]*$\n?")


@rule
def preview_cut_marks(text: str) -> str:
    """Removes the cut marks of an essay preview ('...read more.') and its 'Extracts from this
    document...' label. The sentences around a cut are kept."""
    return _EXTRACTS.sub("", _CUT_MARK.sub("", text))


_TEASER_MIN, _TEASER_MAX = 60, 5000  # a teaser is a paragraph, not a phrase and not a whole book
_TEASER_KEY = 50  # characters from a teaser's first word that index it
# Lines sharing their first 50 characters with more than this many others are a list or a table, not a
# teaser copied once: skipping them keeps the rule linear on any input.
_TEASER_BUCKET = 8
_WORD_START = re.compile(r"(?<![^\W\d_])[^\W\d_]|(?<!\d)\d")  # the first letter or digit of a run


@rule
def duplicate_teasers(text: str) -> str:
    """Removes a paragraph that appears again, word for word, inside a later paragraph: previews open
    with a teaser copied from the body. The later copy, in context, is kept."""
    lines = text.split("\n")
    # Instead of searching every later line for every paragraph (quadratic: 27 s at 4 MB), index the
    # candidate teasers by their first characters and look each word start of each line up once.
    by_key: dict[str, dict[str, int]] = {}  # key -> {teaser: offset of its key in it}
    for line in lines:
        s = line.strip()
        m = _WORD_START.search(s) if _TEASER_MIN <= len(s) <= _TEASER_MAX else None
        if m and len(s) - m.start() >= _TEASER_KEY:
            bucket = by_key.setdefault(s[m.start() : m.start() + _TEASER_KEY], {})
            bucket[s] = m.start()
    if not by_key:
        return text
    last_inside: dict[str, int] = {}  # teaser -> the last line that holds it inside a longer text
    for j, line in enumerate(lines):
        if len(line) <= _TEASER_MIN:
            continue
        whole = line.strip()
        for m in _WORD_START.finditer(line):
            bucket = by_key.get(line[m.start() : m.start() + _TEASER_KEY])
            if not bucket or len(bucket) > _TEASER_BUCKET:
                continue
            for s, k in bucket.items():
                if m.start() >= k and last_inside.get(s) != j and s != whole and line.startswith(s, m.start() - k):
                    last_inside[s] = j
    return "\n".join(line for i, line in enumerate(lines) if last_inside.get(line.strip(), -1) <= i)


_TRAILER = re.compile(
    r"(?im)^[ \t]*("
    r"the above preview is unformatted text"
    r"|see related essays"
    r"|related(?:[ \t]+(?-i:[A-Z0-9]\S*|[a-z]{1,3}\b)){0,12}[ \t]+essays\s*$"  # a title: 'Related GCSE Russia essays'
    r"|you may also find these documents helpful"
    r"|related topics\s*$"
    r")"
)


@rule
def trailing_site_sections(text: str) -> str:
    """Cuts everything from the first trailer heading to the end: 'The above preview is unformatted
    text', a 'Related GCSE Russia essays' title (not a sentence that mentions related essays), 'You May
    Also Find These Documents Helpful', 'Related Topics', with every unrelated essay preview, word count
    and grade after them."""
    m = _TRAILER.search(text)
    return text[: m.start()] if m else text


_QUESTIONS_HEADING = re.compile(r"(?m)^[A-Z][A-Z0-9 ’'&,-]*\bQUESTIONS\s*$")
_QUESTION_LINE = re.compile(r"^\s*(\d+[.)]\s+.+|[^.!?]{1,40}[–—:-]\s*)$")


def _question_block(text: str) -> tuple[int, int] | None:
    m = _QUESTIONS_HEADING.search(text)
    if not m:
        return None
    end = m.end()
    for line in text[m.end() :].split("\n")[1:]:
        if line.strip() and not _QUESTION_LINE.match(line):
            break
        end += len(line) + 1
    return m.start(), min(end + 1, len(text))


@rule
def analysis_questions(text: str) -> str:
    """Removes a block of study questions (a capitalised '... QUESTIONS' heading and the numbered
    questions under it). Questions are not evidence; `questions()` keeps them for the evaluation set."""
    span = _question_block(text)
    return text if span is None else text[: span[0]] + text[span[1] :]


# --- repairs ---------------------------------------------------------------------------------------

# Possessive: a cell runs to the next bar and never gives characters back, so a line of many bars
# that is not a header fails in one pass instead of trying every split of its spaces.
_TABLE_HEADER = re.compile(r"(?m)^(?P<cols>(?:[^|\n]++\|){2,}+)[ \t]*$")


@repair
def flattened_table(text: str) -> str:
    """Repairs a table flattened into text: a header row of '|'-terminated column names followed by
    cells separated by '|'. Each cell becomes a section headed by its column name."""
    m = _TABLE_HEADER.search(text)
    if not m:
        return text
    cols = [c.strip() for c in m.group("cols").split("|") if c.strip()]
    cells = text[m.end() :].split("|", len(cols) - 1)
    if len(cells) < len(cols):
        return text
    sections = [f"{col}:\n{cell.strip()}" for col, cell in zip(cols, cells, strict=True)]
    return text[: m.start()] + "\n\n".join(sections) + "\n"


_GLUED_FOOTNOTE = re.compile(
    r"(?P<pre>(?:[A-Za-z\]\)]|\b\d{4})[.!?][\"”’']?)(?P<num>\d{1,2})(?=\s+[\"“‘'A-Z(\[]|[ \t]*$)", re.MULTILINE
)


@repair
def glued_footnote_numbers(text: str) -> str:
    """Removes footnote numbers glued to the end of a sentence or quotation: 'powers.1 Christian' becomes
    'powers. Christian', 'Stalin."11 William' becomes 'Stalin." William'. A decimal such as '3.5' is
    untouched: the number must follow sentence punctuation and precede a new sentence."""
    return _GLUED_FOOTNOTE.sub(lambda m: m.group("pre"), text)


_NO_SPACE = re.compile(r"(?<=[a-z]{2}[.!?])(?=[A-Z][a-z])")


@repair
def missing_sentence_space(text: str) -> str:
    """Puts back the space lost between two sentences when paragraphs were flattened
    ('are now seen.In 1938')."""
    return _NO_SPACE.sub(" ", text)


_SPLIT_YEAR = re.compile(r"\b(1) ([0-9]\d\d)\b|\b(2) (0\d\d)\b")


@repair
def split_numbers(text: str) -> str:
    """Rejoins four-digit years split by PDF extraction ('1 935' becomes '1935')."""
    return _SPLIT_YEAR.sub(lambda m: "".join(g for g in m.groups() if g), text)


@cache
def _zipf(word: str) -> float:
    from wordfreq import zipf_frequency

    return zipf_frequency(word, "en")


# A lookahead so that overlapping pairs are all seen: in "take a ny action" both "take a" and "a ny".
_WORD_PAIR = re.compile(r"\b([A-Za-z]+) (?=([a-z]+)\b)")


@repair
def split_words(text: str) -> str:
    """Rejoins words split by PDF extraction ('Fran ce', 'a ny', 'increasi ngly'). Two pieces are joined
    only when the joined word is common English (wordfreq), clearly more common than the second piece,
    and the second piece occurs nowhere else in the document as a word of its own."""
    counts = Counter(w.lower() for w in re.findall(r"[A-Za-z]+", text))

    def splits(left: str, right: str) -> bool:
        z = _zipf((left + right).lower())
        return (
            counts[right] == 1
            and z >= 3.0
            and z - 1.0 > _zipf(right)
            and (len(left) <= 2 or _zipf(left.lower()) < z)
        )

    # The space after `left` goes where a split is found; the text is rebuilt from the kept pieces.
    out, pos = [], 0
    for m in _WORD_PAIR.finditer(text):
        if splits(m.group(1), m.group(2)):
            out.append(text[pos : m.end(1)])
            pos = m.end(1) + 1
    out.append(text[pos:])
    return "".join(out)


_END_PUNCT = re.compile(r"[.!?:;][\"”’')\]]*$")


def _words(line: str) -> list[str]:
    return re.findall(r"[A-Za-z][A-Za-z'’-]*|\d+", line.lower())


@repair
def broken_lines(text: str) -> str:
    """Rejoins a line broken in two by PDF extraction. Lines are joined when the first leaves a bracket
    open, or when it has no closing punctuation and: it ends with a comma, or the second is a fragment
    that starts in lower case and ends the sentence ('against Nazi' / 'aggression.'), or the two words
    across the break appear side by side elsewhere in the document ('the Soviet' / 'Union offered').
    A line starting with a date starts a new note; a lower-case note that does not end a sentence
    ('not allowed to join LoN') stays a note of its own."""
    lines = text.split("\n")
    words = [_words(line) for line in lines]
    pairs = {p for w in words for p in zip(w, w[1:], strict=False)}
    # A joined line is kept as its pieces, with its bracket balance and last word carried along: looking
    # at the whole joined line again for each join was quadratic in a long run of joined lines.
    out: list[list[str]] = []
    balance, last_word = 0, None  # of out[-1]
    for line, nw in zip(lines, words, strict=True):
        first = line.strip()
        if out and first and out[-1][-1].strip():
            end = out[-1][-1].strip()
            join = balance > 0 or (
                not _END_PUNCT.search(end)
                and (
                    end.endswith(",")
                    or (first[0].islower() and bool(_END_PUNCT.search(first)))
                    or (bool(last_word and nw) and not first[0].isdigit() and (last_word, nw[0]) in pairs)
                )
            )
            if join:
                out[-1][-1] = out[-1][-1].rstrip()
                out[-1].append(first)
                balance += line.count("(") - line.count(")")
                last_word = nw[-1] if nw else last_word
                continue
        out.append([line])
        balance, last_word = line.count("(") - line.count(")"), (nw[-1] if nw else None)
    return "\n".join(" ".join(pieces) for pieces in out)


@rule
def tidy_whitespace(text: str) -> str:
    """Strips indentation and runs of spaces, and collapses runs of blank lines into one."""
    lines = [re.sub(r"[ \t]{2,}", " ", line.strip()) for line in text.split("\n")]
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines))
    return text.strip("\n") + "\n"


# --- the pipeline ----------------------------------------------------------------------------------


@dataclass
class RuleReport:
    """What one rule did to one document: lines it removed and lines it changed (before, after)."""

    rule: str
    removed: list[str] = field(default_factory=list)
    changed: list[tuple[str, str]] = field(default_factory=list)

    @property
    def touched(self) -> bool:
        return bool(self.removed or self.changed)


@dataclass
class Cleaned:
    text: str
    reports: list[RuleReport]
    metadata: dict[str, str]
    questions: list[str]


# difflib is quadratic, so it only ever sees this many lines of each side at a time (see _line_diff).
_DIFF_WINDOW = 400


def _line_diff(a: list[str], b: list[str]) -> list[tuple[str, int, int, int, int]]:
    """difflib's opcodes (equal, delete, insert, replace) turning lines a into lines b, in linear time.

    The common head and tail are skipped; what lies between is diffed a window of _DIFF_WINDOW lines at
    a time, keeping each window's opcodes up to its last equal run (a run of changes at a window's end
    may match lines beyond it). A rule's changes are local (a line dropped, a line rewritten), so this is
    what one difflib call over everything gives, without its 27 s at 4 MB."""
    head = 0
    while head < min(len(a), len(b)) and a[head] == b[head]:
        head += 1
    tail = 0
    while tail < min(len(a), len(b)) - head and a[-1 - tail] == b[-1 - tail]:
        tail += 1
    ops = [("equal", 0, head, 0, head)] if head else []
    i, j, i_end, j_end = head, head, len(a) - tail, len(b) - tail
    while i < i_end or j < j_end:
        wa, wb = a[i : min(i_end, i + _DIFF_WINDOW)], b[j : min(j_end, j + _DIFF_WINDOW)]
        window = difflib.SequenceMatcher(None, wa, wb, autojunk=False).get_opcodes()
        last = len(window)
        if i + len(wa) < i_end or j + len(wb) < j_end:  # not the last window: end it at its last equal run
            last = max((n + 1 for n, w in enumerate(window) if w[0] == "equal"), default=len(window))
        for op, i1, i2, j1, j2 in window[:last]:
            ops.append((op, i + i1, i + i2, j + j1, j + j2))
        i, j = i + window[last - 1][2], j + window[last - 1][4]
    if tail:
        ops.append(("equal", len(a) - tail, len(a), len(b) - tail, len(b)))
    return ops


def _report(name: str, before: str, after: str) -> RuleReport:
    report = RuleReport(name)
    if before == after:
        return report
    a, b = before.split("\n"), after.split("\n")
    for op, i1, i2, j1, j2 in _line_diff(a, b):
        if op == "delete":
            report.removed += [s for s in a[i1:i2] if s.strip()]
        elif op == "replace":
            old, new = "\n".join(a[i1:i2]).strip(), "\n".join(b[j1:j2]).strip()
            if old and new:
                report.changed.append((old, new))
            elif old:
                report.removed.append(old)
    return report


def metadata(raw: str) -> dict[str, str]:
    """Submission header fields (submitter, date ...) kept as metadata rather than as text."""
    found = {}
    for line in normalize_text(raw).split("\n")[:15]:
        m = _HEADER_FIELD.match(line.strip())
        if m:
            key = m.group(1).lower().replace(" ", "_")
            value = re.sub(r"(?i)^submitted by\s+", "", m.group(2).strip())
            found[key] = value
    return found


def questions(raw: str) -> list[str]:
    """The study questions a document carries (they are kept out of the evidence)."""
    text = trailing_site_sections(normalize_text(raw))
    span = _question_block(text)
    if span is None:
        return []
    lines = [line.strip() for line in text[span[0] : span[1]].split("\n")[1:] if line.strip()]
    return lines


def clean(raw: str, rules: list[Rule] | None = None, *, repairs: Iterable[str] = ()) -> Cleaned:
    """Run the rules in order: every junk-removal rule, and of the repairs only those named in `repairs`
    (a source's `repairs` list in sources.toml). Return the clean text and what each rule removed or
    changed. An unknown repair name is an error rather than a silently unrepaired document."""
    rules = rules or RULES
    wanted = set(repairs)
    unknown = wanted - {r.name for r in rules if r.repair}
    if unknown:
        known = ", ".join(r.name for r in rules if r.repair)
        raise ValueError(f"unknown repair {', '.join(sorted(unknown))} (the repairs are: {known})")
    text, reports = raw, []
    for r in rules:
        if r.repair and r.name not in wanted:
            continue
        after = r(text)
        reports.append(_report(r.name, text, after))
        text = after
    return Cleaned(text=text, reports=reports, metadata=metadata(raw), questions=questions(raw))
