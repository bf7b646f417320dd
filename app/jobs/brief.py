"""The essay question, read: its command words, key terms, the time span it sets, what a good answer must
weigh, and, for 'how far' and 'how successful' questions, the claim it puts (subject and predicate).

Question language only (command words of history exam questions, years), no knowledge of any corpus.
Also what the planner asks the engine (`as_question`: an essay title put as a question) and whether the
sources reach the question's period at all (`outside_span`). This module reads text; it retrieves nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.engine.library import Library
from app.engine.mentions import mentions
from app.engine.retrieve import words

# Command words, what kind of answer each asks for, and what a good answer must weigh: the vocabulary of
# history exam questions, not knowledge of any corpus. The first that matches wins.
COMMANDS = [
    (re.compile(r"\bhow far\b|\bto what extent\b|\bhow much\b|\bhow (important|significant)\b|\bsignifican", re.I),
     "extent", "the case for the claim against the case against it and against other factors, ending in a "
     "judgement of how far it holds"),
    (re.compile(r"\bhow (successful|effective)\b|\b(successful|successes|achievements?)\b", re.I),
     "evaluate", "successes against failures, judged against the aims of the time, and the short term "
     "against the long term, before a judgement on the balance"),
    (re.compile(r"\bwhy\b|\breasons?\b|\bcauses?\b|\bwhat (caused|led)\b|\bmotives?\b|\baccount for\b", re.I),
     "causes", "the causes against one another (long-term and short-term, motives and circumstances) and the "
     "readings of the historians who disagree about them, ending in which mattered most"),
    (re.compile(r"\b(assess|evaluate|discuss|examine|consider|explain|analyse|analyze|compare|describe)\b", re.I),
     "extent", "the evidence on each side and the historians' readings of it, ending in a clear judgement"),
]
_COMMAND_WORDS = re.compile(r"\b(how successful|how effective|how far|to what extent|how much|how important|"
                            r"how significant|why|assess|evaluate|discuss|examine|consider|explain|analyse|analyze|"
                            r"compare|describe|account for|what caused|what led)\b", re.I)
SPAN = re.compile(r"\b(1\d{3})\s*(?:-|–|—|to|and)\s*(\d{2,4})\b")
YEAR = re.compile(r"\b(1\d{3}|20\d{2})(s?)\b")



_PREDICATE_START = re.compile(r"\b(a|an|responsible|successful|effective|important|significant|\w+(?:ful|ible|able|"
                              r"ive|ant|ent)|\w+(?:ed|en) by|due to|owing to|the (?:result|product|consequence) of|"
                              r"a (?:result|response|reaction) (?:of|to)|based on)\b")




@dataclass
class Brief:
    """What the question asks: its command words, terms, time span, and what an answer must weigh."""

    command_words: list[str]
    kind: str  # evaluate, extent or causes
    key_terms: list[str]
    span: str | None
    weigh: str
    topic: str  # the question without its command words, for retrieval
    subject: str | None  # 'Stalin's foreign policy 1928-41' in 'How successful was ...'
    predicate: str | None  # 'responsible for the failure of collective security'


def span_years(question: str) -> tuple[int, int] | None:
    """The first and last year of the span the question sets ('1928-41': 1928, 1941; 'the 1970s': 1970,
    1979; '1939': 1939, 1939), or None."""
    m = SPAN.search(question)
    if m:
        a, b = m.group(1), m.group(2)
        return int(a), int(a[: 4 - len(b)] + b)  # '1928-41' is 1928-1941
    y = YEAR.search(question)
    if not y:
        return None
    return int(y.group(1)), int(y.group(1)) + (9 if y.group(2) else 0)


def span_text(question: str) -> str | None:
    m = SPAN.search(question)
    if m:
        a, b = m.group(1), m.group(2)
        b = a[: 4 - len(b)] + b if len(b) < 4 else b  # '1928-41' is 1928-1941
        return f"{a}–{b}"
    m = YEAR.search(question)
    if m:
        return f"the {m.group(1)}s" if m.group(2) else m.group(1)
    return None


def read_question(question: str) -> Brief:
    q = question.strip().rstrip("?").strip()
    kind, weigh = "extent", COMMANDS[-1][2]
    for pattern, k, w in COMMANDS:
        if pattern.search(q):
            kind, weigh = k, w
            break
    commands = list(dict.fromkeys(m.group(0).lower() for m in _COMMAND_WORDS.finditer(q)))
    topic = " ".join(_COMMAND_WORDS.sub(" ", q).split())
    topic = re.sub(r"^(was|were|did|does|do|is|are|has|had|the reasons for|reasons for)\s+", "", topic, flags=re.I)
    terms = [m.text for m in mentions(q) if m.text.lower() not in {w.lower() for w in commands}]
    terms += [w for w in re.findall(r"[A-Za-z][A-Za-z'’-]+", topic) if w[0].islower() and len(w) > 3
              and w.lower() in set(words(topic)) and not any(w in t for t in terms)]
    subject = predicate = None
    m = re.match(r"^(?:how far|to what extent|how successful|how effective|how important|how significant)\s+"
                 r"(?:was|were|is|are|did|had)\s+(.+)$", q, re.I)
    if m:
        rest = m.group(1)
        if re.match(r"^how (successful|effective|important|significant)", q, re.I):
            subject, predicate = rest, re.match(r"^how (\w+)", q, re.I).group(1).lower()
        else:
            split = next((p for p in _PREDICATE_START.finditer(rest) if p.start() > 0
                          and rest[: p.start()].strip().lower() not in {"the", "a", "an"}), None)
            if split:
                subject, predicate = rest[: split.start()].strip(), rest[split.start():].strip()
    return Brief(commands or ["(no command word: treat it as 'assess')"], kind, list(dict.fromkeys(terms)),
                 span_text(q), weigh, topic or q, subject, predicate)




_COMMAND_START = re.compile(r"^(assess|evaluate|discuss|examine|consider|explain|analyse|analyze|describe|"
                            r"account for|outline|compare)\s+", re.I)


def as_question(question: str) -> str:
    """An essay title put as the question the engine decides coverage for: 'Assess the reasons for X' is
    'What were the reasons for X?', 'Explain why X' is 'Why X?'. The engine's abstention model was fitted on
    questions; a command word it never saw there counts against coverage."""
    m = _COMMAND_START.match(question)
    if not m:
        return question
    rest = question[m.end():].rstrip("?. ")
    if re.match(r"(why|how|what|when|who|whether|to what extent)\b", rest, re.I):
        return rest[0].upper() + rest[1:] + "?"
    plural = re.match(r"the (\w+s)\b", rest, re.I) and not rest.lower().startswith("the us")
    return f"What {'were' if plural else 'was'} {rest}?"


def outside_span(lib: Library, question: str) -> str | None:
    """Why the sources cannot support an essay on the question's period, or None: the question sets a
    time span ('1928-41', 'the 1970s') and no sentence of the sources mentions a year inside it. A plan
    needs dated evidence from its period; an answer to a factual question may not, so Ask does not check."""
    span = span_years(question)
    if span is None:
        return None
    lo, hi = span
    years = {int(y) for s in lib.sentences for y, _ in YEAR.findall(s.text)}
    if any(lo <= y <= hi for y in years):
        return None
    shown = span_text(question) or str(lo)
    return (f"The sources mention no year in {shown} (they run from {min(years)} to {max(years)}), so they "
            "cannot support an essay on it." if years else f"The sources mention no year in {shown}.")
