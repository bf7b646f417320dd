"""Essay plans: thesis options with the writers who hold them, three to five body sections of quoted
evidence with footnotes, a counter-argument and a conclusion, for a question read by brief.py.

Everything quoted is a sentence of the sources with its offsets: the same `Citation` objects answers
carry (app/engine/answer.py), so a page opens the passage with the quote highlighted exactly as for an answer.
Evidence is found through the engine's own retrieval (`Engine.read`), once per facet of the question
(causes, successes, failures, turning points, interpretations, chronology), never through a second
retrieval stack. Whether the sources cover the question at all is the engine's decision (`Engine.ask`):
no plan for a question it declines, nor for a period no sentence of the sources dates (an essay needs
evidence from its period; a factual answer may not). A section whose facet the sources do not speak to
says so instead of being filled. Without an LLM server the points are the sources' own sentences; with
one, a point may be written by the model, and is kept only if it passes the support check generated
answers pass (app/engine/llm.py). This module builds plans; plan_markdown.py writes them out. It prints nothing
and draws nothing.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field

import numpy as np

from app.engine import Engine, check_question
from app.engine.answer import Answer, Citation
from app.engine.argue import NEW_DOC_BONUS
from app.engine.compose import DUPLICATE_SIM, MIN_SUPPORT_SIM, citable, cite, depends_on_previous, display
from app.engine.library import Library
from app.engine.llm import SUPPORT_SIM
from app.engine.mentions import THING, mentions
from app.engine.retrieve import stems, words

from .brief import YEAR, Brief, as_question, outside_span, read_question, span_years
from .debate import Debate, debate
from .points import main_clause
from .sides import Sides, read_sides, verdict

NOT_COVERED = "The sources do not cover this."
MAX_QUOTES = 3  # evidence quotes per section: one to three, as a teacher's plan has
MAX_SECTIONS = 5
# A decade written out ("As the twenties became the thirties"): the last one named sets the date in force.
_DECADES = {"twenties": 20, "thirties": 30, "forties": 40, "fifties": 50, "sixties": 60, "seventies": 70,
            "eighties": 80, "nineties": 90}
_DECADE_WORDS = re.compile(r"\b(?:the\s+)(" + "|".join(_DECADES) + r")\b(?!.*\b(?:" + "|".join(_DECADES) + r")\b)",
                           re.I)
MAX_UNSPANNED = 12
# Fewer sentences than this on the two sides together is too little to weigh: the conclusion says so rather
# than calling two sentences of praise "largely successful". Not fitted: three is the fewest that can lean
# two to one.
MIN_WEIGHED = 3
# A subject named in fewer than this share of the passages is narrow: its evidence is looked for where it is
# named. Not fitted: a quarter separates a subject the sources discuss throughout (Stalin: 37 of 72 passages
# of the shipped corpus) from one they touch on (the Continental System: 7 of 152 of an article on Napoleon).
FOCUS_SHARE = 0.25  # key dates of a question with no span of its own: a page of a student's chronology
MIN_SECTIONS = 3
# Sentences considered per facet beyond the retrieved passages: the closest to the question and to the
# facet query, enough to hold every sentence of a small corpus (the shipped one has 250) and to bound the
# work on a large one.
POOL = 300
# Two leads of one side this similar (cosine of their embeddings) make the same point: one section, not
# two. Not fitted (there are no gold plans to fit it on): compose.DUPLICATE_SIM (0.86) is when two sentences
# say the same thing, and a point is broader; 0.6 was chosen by reading the plans for the three questions
# of tests/test_plan.py and two others, where sentences about one event (the 1935 pacts, Munich) meet.
SAME_POINT_SIM = 0.6
# A quote backs a section's point if it is at least this close to the point's sentence: the support
# check's own bar for a generated sentence and its source (llm.SUPPORT_SIM, calibrated by eval.calibrate).
BACKS_SIM = SUPPORT_SIM

# Facets: the words each adds to the question's topic for the engine's retrieval, and the cue a sentence
# must carry to count as that facet's evidence. General English for causes, success and failure.
FACETS = {
    "causes": ("reasons motives because aimed wanted feared", re.compile(
        r"\b(because|due to|as a result|in order to|so that|led to|lead to|caused|reasons?|motives?|aims?|aimed|"
        r"intended|feared|fearing|fear|wanted|sought|hoped|to avoid|prevent\w*|to buy|designed to|buy time|"
        r"necessary|protect\w*|concluded|only by|danger|threat|refus\w*|rejected|distrust\w*|suspicious|"
        r"lesson|no other choice)\b", re.I)),
    "successes": ("success achieved gained secured", re.compile(
        r"\b(success\w*|succeed\w*|achieved (his|its|their|the) \w*\s?aims?|met (his|its|their) \S*\s?aims?|"
        r"gain(ed|s)|secured|recogni[sz]ed|strengthens?|won|victor\w*|advantages?|boast|removed the danger|"
        r"buy time|more time)\b", re.I)),
    "failures": ("failure failed weakness isolated", re.compile(
        r"\b(fail\w*|weakness(es)? of|isolat\w*|disregarded|left out|not (invited|consulted|successful|recognized|"
        r"recognised)|betray\w*|hurt|losses|refus\w*|rejected)\b", re.I)),
    "turning points": ("turning point change shift", re.compile(
        r"\b(turning|shift\w*|chang\w*|final straw|new (policy|diplomatic)|replaced|dismissal|instead|lesson)\b",
        re.I)),
    "interpretations": ("historians argue interpret view", re.compile(
        r"\b(historians?|argu\w*|view|interpret\w*|claim\w*|believe\w*|suggest\w*|reading|school)\b", re.I)),
    "chronology": ("dates events timeline", YEAR),
    # the other side of a characterisation ('a defensive move'): what the sources set against it
    "contrast": ("however but rather instead", re.compile(
        r"\b(however|but|although|though|whereas|rather|instead|facade|ploy|pretext|in fact|on the other hand|"
        r"opposing|critics?)\b", re.I)),
}
# Predicates that blame an agent: the case against is the other agents ('How far was A responsible for B?').
_BLAME = re.compile(r"^(responsible|to blame|the (main |chief )?(cause|reason))\b", re.I)
# The facets each kind of question is planned from, with the side each supports. 'for' and 'against' are
# the question's claim; 'context' sections set the scene.
PLANS = {
    "evaluate": [("successes", "for"), ("successes", "for"), ("failures", "against"), ("failures", "against"),
                 ("turning points", "context")],
    "causes": [("causes", None), ("causes", None), ("causes", None), ("turning points", None),
               ("interpretations", None)],
    "extent": [("claim", "for"), ("claim", "for"), ("other", "against"), ("other", "against"),
               ("turning points", "context")],
    # a claim that names a driver ("driven by fear of Germany"): the evidence of that factor against the
    # other factors the sources give (sides.py reads which is which)
    "factor": [("factor", "for"), ("factor", "for"), ("other factors", "against"), ("other factors", "against"),
               ("turning points", "context")],
}
_NOT_FAILURE = re.compile(r"\b(is|was)n[’']t a failure|\bnot (a|really a) failure|\bthan a failure", re.I)
# A sentence that gives the other side's verdict belongs to that side, whatever else it mentions.
_SUCCESS_VERDICT = re.compile(r"\b(is|was|be|been|as)( clearly| rather| indeed)? (a |an )?(\w+ )?success(ful)?\b", re.I)
_FAILURE_VERDICT = re.compile(r"\b(is|was|be|been|as)( clearly| rather| indeed)? (a |an )?(\w+ )?(failure|unsuccessful)\b|"
                              r"\bnot (\w+ )?successful", re.I)
_NOT_SUCCESS = re.compile(r"\bnot (\w+ )?(successful|a success)|\bunsuccessful", re.I)
LABELS = {"successes": "A success", "failures": "A failure", "causes": "A cause", "turning points": "A turning point",
          "interpretations": "A reading", "chronology": "Chronology", "claim": "The case for",
          "other": "Another factor", "contrast": "The case against", "answer": "What the sources say",
          "other factors": "Another factor"}
# How far the evidence leans, in the conclusion's words: the share of the sources' sentences on the claim's
# side, in thirds. Not fitted (no marked essays to fit on): thirds are the plainest split into "mostly",
# "partly" and "little".
EXTENT_WORDS = ((2 / 3, "to a large extent"), (1 / 3, "in part"), (0.0, "only to a limited extent"))
VERDICT_WORDS = ((2 / 3, "largely successful"), (1 / 3, "successful in some respects but not in others"),
                 (0.0, "largely unsuccessful"))
_CONCLUDING = re.compile(r"^(in conclusion|overall|ultimately|to conclude|in sum|on balance|thus|therefore)\b|"
                         r"\b(in conclusion|overall|on balance)\b", re.I)
# An evaluative word a thesis turns round for the other side ('successful' -> 'a failure').
OPPOSITES = {"successful": "a failure", "effective": "ineffective", "important": "of limited importance",
             "significant": "of limited significance", "responsible": "not chiefly responsible"}
# ('not mainly' for any other: 'The Nazi-Soviet Pact was not mainly a defensive move.')
# --- the plan ------------------------------------------------------------------------------------


@dataclass
class Section:
    title: str
    stance: str  # for, against or context
    facet: str
    point: str  # one line; the sources' own sentence unless `generated`
    quotes: list[int] = field(default_factory=list)  # footnote numbers
    who: list[str] = field(default_factory=list)
    covered: bool = True
    generated: bool = False
    lead: int | None = None  # the footnote of the sentence that makes the point (after what it leans on)

    def to_json(self) -> dict:
        return {"title": self.title, "stance": self.stance, "facet": self.facet, "covered": self.covered,
                "point": self.point, "generated": self.generated, "quotes": self.quotes, "who": self.who}


@dataclass
class Thesis:
    text: str
    stance: str
    holders: list[str]
    quotes: list[int]

    def to_json(self) -> dict:
        return {"text": self.text, "stance": self.stance, "holders": self.holders, "quotes": self.quotes}


@dataclass
class DebateGroup:
    """One group of 'who argues what': a school the sources name (or writers of no school), each
    writer with the footnotes of what they argue."""

    label: str
    writers: list[tuple[str, str, list[int]]]  # (name, role, footnotes)
    claims: list[int]  # footnotes of the school's own sentences

    def to_json(self) -> dict:
        return {"label": self.label, "claims": self.claims,
                "writers": [{"name": n, "role": r, "quotes": q} for n, r, q in self.writers]}


@dataclass
class KeyDate:
    """An event the sources date inside the question's span (the timeline's entry), with its footnotes.
    No side is given: whether the League or the 1935 pacts bear for "fear of Germany" is what the essay
    argues, and the reading cannot tell it from a sentence that names neither."""

    when: str
    label: str
    quotes: list[int]

    def to_json(self) -> dict:
        return {"when": self.when, "label": self.label, "quotes": self.quotes}


@dataclass
class Plan:
    question: str
    brief: Brief | None
    theses: list[Thesis] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    counter: Section | None = None
    conclusion: str = ""
    conclusion_quotes: list[int] = field(default_factory=list)
    debate: list[DebateGroup] = field(default_factory=list)
    citations: list[Citation] = field(default_factory=list)
    chronology: list[KeyDate] = field(default_factory=list)
    declined: Answer | None = None  # the engine's decline, when the sources cannot support a plan
    mode: str = "extractive"
    warnings: list[str] = field(default_factory=list)
    timings_ms: dict[str, float] = field(default_factory=dict)

    @property
    def abstained(self) -> bool:
        return self.declined is not None

    def quote(self, n: int) -> Citation:
        return self.citations[n - 1]

    def to_json(self) -> dict:
        b = self.brief
        out = {"question": self.question, "abstained": self.abstained, "mode": self.mode, "warnings": self.warnings}
        if self.declined is not None:
            out["declined"] = {"reason": " ".join([self.declined.text, *self.declined.warnings]),
                               "nearest": self.declined.to_json()["nearest"]}
            return out
        out |= {
            "command_words": b.command_words, "kind": b.kind, "key_terms": b.key_terms, "time_span": b.span,
            "weigh": b.weigh,
            "theses": [t.to_json() for t in self.theses],
            "sections": [s.to_json() for s in self.sections],
            "counter_argument": self.counter.to_json() if self.counter else None,
            "conclusion": {"text": self.conclusion, "quotes": self.conclusion_quotes},
            "who_argues_what": [r.to_json() for r in self.debate],
            "chronology": [k.to_json() for k in self.chronology],
            "citations": [c.to_json() for c in self.citations],
            "timings_ms": {k: round(v, 1) for k, v in self.timings_ms.items()},
        }
        return out


class Footnotes:
    """Numbers sentences of the library as citations, in the order they are first cited."""

    def __init__(self, lib: Library):
        self.lib = lib
        self.citations: list[Citation] = []
        self.by_row: dict[int, int] = {}

    def cite(self, row: int) -> int:
        if row not in self.by_row:
            self.by_row[row] = len(self.citations) + 1
            self.citations.append(cite(self.lib, self.by_row[row], row))
        return self.by_row[row]


def holders(lib: Library, d: Debate, row: int) -> list[str]:
    """Who argues what this sentence says: the writers it reports, 'historians the sources do not name',
    or else the writer of the document it is in."""
    # people of the time are what a sentence reports, not who argues its point
    named = [n for n in d.holders(row) if any(w.name == n and w.role != "contemporary" for w in d.writers.values())]
    if any(c.row == row for c in d.unnamed):
        named.append("historians the sources do not name")
    if named:
        return named
    for s in d.schools:
        if any(c.row == row for c in s.claims):
            return [d.writers[k].name for k in s.members] or [f"'{s.label}' historians"]
    doc = lib.docs[lib.sentences[row].doc_id]
    # A kind is a noun ("student essay", "mind map"); an uploaded document's default kind is not
    # ("your document"), so it reads "the writer of 'Title'".
    kind = f"the {doc.kind} " if doc.kind and not doc.kind.lower().startswith(("your ", "my ")) else ""
    return [f"the writer of {kind}'{doc.title}'"]


def _short(lib: Library, row: int, before: int | None = None) -> str:
    """A section's title: what its lead sentence (with the one it leans on) is about: an event or a
    name, and its year."""
    text = lib.sentences[row].text if before is None else f"{lib.sentences[before].text} {lib.sentences[row].text}"
    ms = [m.text for m in mentions(text) if m.kind == THING
          and len([w for w in m.text.split() if w.lower() not in {"the", "a", "an"}]) > 1]
    year = YEAR.search(text)
    head = ", ".join(dict.fromkeys(ms[:2])) if ms else " ".join(display(text).split()[:8]).rstrip(".,;:") + " …"
    return f"{head} ({year.group(0)})" if year and year.group(0) not in head else head


class Planner:
    """Builds one plan; holds what the facets share (the question's reading, the rows already used)."""

    def __init__(self, engine: Engine, question: str, brief: Brief):
        self.engine, self.question, self.brief = engine, question, brief
        self.base = engine.read(as_question(question))  # as the engine decided coverage for it
        self.lib = self.base.library
        self.debate = debate(self.lib)
        self.notes = Footnotes(self.lib)
        self.used: set[int] = set()
        self.leads: list[tuple[int, str | None]] = []  # each section's point sentence and its side
        self.vectors = self.lib.vectors
        subject_words = words(brief.subject or "")
        self.subject_stems = set(stems(subject_words))
        for w in subject_words:  # the sources' other names for it ('USSR' is 'Soviet Union')
            for k, v in engine.retriever.aliases.items():
                if w == k.strip():
                    self.subject_stems |= set(stems(words(v)))
        self._in_force: dict[int, str] | None = None
        # which side of the question's claim each sentence is on, where the claim can be read (sides.py)
        self.in_play = self.documents_about(brief.subject)
        self.focus = self.passages_about(brief.subject)
        # closeness to the question's subject alone ("Napoleon's Continental System"), so that a verdict on
        # the subject outranks one on something else its question shares words with ("so successful at
        # Austerlitz")
        self.subject_sims = self.lib.vectors @ np.asarray(engine.encode(brief.subject), dtype=np.float32) \
            if brief.subject else None
        scope = np.array([x.doc_id in self.in_play for x in self.lib.sentences], dtype=bool)
        relevant = scope & (self.base.sims >= MIN_SUPPORT_SIM)
        self.sides: Sides | None = read_sides(self.lib, engine.encode, brief.kind, brief.predicate, relevant, scope)

    def _named(self, name: str) -> list[set[str]]:
        """The word sets (stemmed) any one of which names this: its own words, or an alias's."""
        own = set(stems(words(name)))
        alts = [set(stems(words(v))) for k, v in self.engine.retriever.aliases.items() if k.strip() in name.lower()]
        return [w for w in [own, *alts] if w]

    def passages_about(self, subject: str | None) -> set[str] | None:
        """Where an essay on a narrow subject finds its evidence: for a subject with a proper name that few
        of the sources' passages name (under `FOCUS_SHARE`: "Napoleon's Continental System" in an article on
        Napoleon), the passages that name it, and every passage of a document whose title names it. None
        (no narrowing) for a subject the sources are mostly about, or one with no proper name ("Stalin's
        foreign policy")."""
        proper = [m.text for m in mentions(subject or "")
                  if all(w[:1].isupper() or not w[:1].isalpha() for w in re.sub(r"^the\s+", "", m.text).split())]
        if not proper:
            return None
        in_play = [p for p in self.lib.passages.values() if p.doc_id in self.in_play]
        best = None
        for name in proper:
            wanted = self._named(name)
            if not wanted:
                continue
            titled = {d for d in self.in_play if any(w <= set(stems(words(self.lib.docs[d].title))) for w in wanted)}
            named = {x.passage_id for x in self.lib.sentences
                     if x.doc_id in self.in_play and any(w <= set(stems(words(x.text))) for w in wanted)}
            named |= {p.id for p in in_play if p.doc_id in titled}
            if named and (best is None or len(named) < len(best)):
                best = named
        if best is None or len(best) >= FOCUS_SHARE * len(in_play):
            return None
        return best

    def documents_about(self, subject: str | None) -> set[str]:
        """The documents an essay on the subject draws on: those that name it (any of its names, in their
        title or a sentence), so that a notebook of several articles keeps one article's evidence out of an
        essay on another's subject. Every document, when none names it. (A narrow subject is narrowed
        further to its passages: `passages_about`.)"""
        docs = set(self.lib.docs)
        found = []
        for name in [m.text for m in mentions(subject or "")]:
            wanted = self._named(name)
            hits = {x.doc_id for x in self.lib.sentences if any(w <= set(stems(words(x.text))) for w in wanted)}
            hits |= {d for d, doc in self.lib.docs.items() if any(w <= set(stems(words(doc.title))) for w in wanted)}
            if hits:
                found.append(hits)
        return set().union(*found) if found else docs

    @property
    def judges(self) -> bool:
        """Does the question ask for a judgement of success ('How successful', '... effective')?"""
        return self.brief.kind == "evaluate" or bool(re.match(r"(successful|effective|a success|a failure)\b",
                                                              self.brief.predicate or "", re.I))

    @property
    def factor(self) -> str | None:
        return self.sides.factor if self.sides is not None else None

    def against_side(self, ix: int, stance: str | None) -> bool:
        """Does this sentence argue the other side from the section's (its reading, sides.py)?"""
        if self.sides is None or stance not in ("for", "against"):
            return False
        return self.sides.of(ix) == (-1 if stance == "for" else 1)

    # -- evidence --

    def candidates(self, facet: str, stance: str | None = None) -> list[tuple[float, int]]:
        """Sentences for one facet, best first: retrieved for the topic plus the facet's words, scored by
        closeness to both the question and the facet query, carrying the facet's cue."""
        b = self.brief
        if facet == "claim":
            query, cue = self.question, None
        elif facet == "factor":
            query, cue = self.question, None
        elif facet == "other factors":
            query, cue = f"{b.subject or b.topic} aims motives reasons policy", None
        elif facet == "other":
            query, cue = b.predicate or b.topic, None
        else:
            query, cue = f"{b.topic} {FACETS[facet][0]}", FACETS[facet][1]
        r = self.engine.read(query)
        rows = set(r.cands) | {ix for h in r.hits for ix, _ in h.sentences}
        # beyond the retrieved passages, the sentences closest to the question or the facet: a facet's
        # evidence ("This is a success, because ...") often shares few words with the question
        rows |= {int(i) for i in np.argsort(-self.base.sims)[:POOL]} | {int(i) for i in np.argsort(-r.sims)[:POOL]}
        out = []
        for ix in rows:
            s = self.lib.sentences[ix]
            if not citable(s.text) or float(self.base.sims[ix]) < MIN_SUPPORT_SIM or s.doc_id not in self.in_play \
                    or self.focus is not None and s.passage_id not in self.focus:
                continue
            if cue is not None and not cue.search(s.text):
                continue
            if facet == "factor" and self.sides.of(ix) != 1 or facet == "other factors" and self.sides.of(ix) != -1:
                continue  # the side comes from what the sentence says about the factor (sides.py)
            if facet == "other factors" and float(self.base.sims[ix]) < BACKS_SIM:
                continue  # another factor bears on the question as closely as a quote bears on its point
            if self.against_side(ix, stance):
                continue  # "a failure" is no evidence of success, whatever words it shares with the facet
            if facet in ("causes", "claim", "other", "contrast") and verdict(s.reading) and not self.judges:
                continue  # "the pact was a stunning success" judges; it gives no cause and argues no other claim
            if facet == "contrast" and float(self.base.sims[ix]) < BACKS_SIM:
                continue  # 'but' and 'however' are everywhere: only a sentence close to the question counts
            if facet == "failures" and (_NOT_FAILURE.search(s.text) or _SUCCESS_VERDICT.search(s.text)) \
                    or facet == "successes" and (_NOT_SUCCESS.search(s.text) or _FAILURE_VERDICT.search(
                        _NOT_FAILURE.sub("", s.text))):
                continue  # "this isn't a failure", "... was a success" argue the other side
            if s.text.rstrip().endswith("?") or cue is not None and facet in ("successes", "failures") \
                    and re.search(r"\bwhether\b", s.text, re.I):
                continue  # a question asks, 'whether it was a success' weighs: neither is evidence for a side
            if not self.row_in_span(ix):
                continue
            if facet == "other" and self.subject_stems and self.subject_stems & set(stems(words(s.text))):
                continue  # another factor: relevant to what happened, not naming the question's subject
            if facet == "claim" and self.subject_stems and not self.subject_stems & set(stems(words(s.text))):
                continue
            score = 0.5 * (float(self.base.sims[ix]) + float(r.sims[ix])) - 0.1 * float(self.lib.generic[ix])
            if self.subject_sims is not None:  # at equal merit, evidence about the subject itself
                score += 0.5 * float(self.subject_sims[ix])
            if s.doc_id not in self.docs_of(stance):
                score += NEW_DOC_BONUS  # at equal merit, another writer's evidence (as argue.py prefers)
            out.append((score, ix))
        return sorted(out, reverse=True)

    def in_span(self, text: str) -> bool:
        """Does the sentence fall in the question's time span: its first year inside it, give or take one,
        or no year at all? The first year is the one the sentence is set in ("In 1934, the USSR joins the
        League ... after being rejected from it in 1920" is 1934, not the 1920s)."""
        span = span_years(self.question)
        first = YEAR.search(text)
        if span is None or first is None:
            return True
        lo = int(first.group(1))
        hi = lo + 9 if first.group(2) else lo  # "the early 1930s" overlaps 1933-41
        return span[0] - 1 <= hi and lo <= span[1] + 1

    def point(self, ix: int) -> str:
        """The sentence's main clause (points.py); of a sentence of several clauses, the clause closest
        to the question."""
        qv = np.asarray(self.engine.encode(self.question), dtype=np.float32)

        def closest(pieces: list[str]) -> int:
            vs = [np.asarray(self.engine.encode(p), dtype=np.float32) for p in pieces]
            return int(np.argmax([float(v @ qv) for v in vs]))

        return main_clause(self.lib.sentences[ix].text, choose=closest)

    def row_in_span(self, ix: int) -> bool:
        """Does the sentence fall in the question's span? Its own first year (or that of the sentence it
        leans on) if it names one, else the date in force where it stands: the latest year any sentence
        before it in its document is set in. Narrative prose carries its date forward ("In 1945 ... Stalin
        was happy to sign ..."), and a look back ("The Rapallo treaty [1922] is an example") does not
        turn the narrative's clock back."""
        s = self.lib.sentences[ix]
        before = self.antecedent(ix)
        text = (self.lib.sentences[before].text + " " if before is not None else "") + s.text
        if YEAR.search(text) or span_years(self.question) is None:
            return self.in_span(text)
        when = self.date_in_force().get(ix)
        return when is None or self.in_span(when)

    def date_in_force(self) -> dict[int, str]:
        """For each sentence, the latest year (or decade, "1930s") a sentence before it in its document is
        set in (computed once per plan, in one pass over the library)."""
        if self._in_force is None:
            self._in_force, latest, doc = {}, None, None
            for s in self.lib.sentences:
                if s.doc_id != doc:
                    latest, doc = None, s.doc_id
                if latest is not None:
                    self._in_force[s.ix] = latest
                first = YEAR.search(s.text)
                decade = _DECADE_WORDS.search(s.text)
                if first is not None or decade is not None:
                    when = first.group(0) if first is not None else f"{1900 + _DECADES[decade.group(1).lower()]}s"
                    latest = max(latest or when, when, key=lambda w: int(w[:4]))
        return self._in_force

    def docs_of(self, stance: str | None) -> set[str]:
        return {self.lib.sentences[r].doc_id for r, st in self.leads if st == stance}

    def fresh(self, ix: int, stance: str | None) -> bool:
        """Not quoted yet, not a near-repeat of a quoted sentence, and not the point of another section
        of the same side."""
        return ix not in self.used \
            and all(float(self.vectors[ix] @ self.vectors[j]) < DUPLICATE_SIM for j in self.used) \
            and all(float(self.vectors[ix] @ self.vectors[j]) < SAME_POINT_SIM for j, st in self.leads if st == stance)

    def antecedent(self, ix: int) -> int | None:
        """The sentence before, which 'This was a failure ...' needs (same document)."""
        if depends_on_previous(self.lib.sentences[ix].text) and ix > 0 \
                and self.lib.sentences[ix - 1].doc_id == self.lib.sentences[ix].doc_id:
            return ix - 1
        return None

    def section(self, facet: str, stance: str) -> Section:
        ranked = self.candidates(facet, stance)
        for _, ix in ranked:
            if not self.fresh(ix, stance):
                continue
            before = self.antecedent(ix)
            if before is not None and (before in self.used or depends_on_previous(self.lib.sentences[before].text)):
                continue  # it leans on a sentence shown elsewhere, or on one that leans further back
            rows = [before, ix] if before is not None else [ix]
            support = [j for _, j in ranked if j not in rows and self.fresh(j, None) and self.antecedent(j) is None
                       and float(self.vectors[ix] @ self.vectors[j]) >= BACKS_SIM]
            rows += support[: MAX_QUOTES - len(rows)]
            self.used |= set(rows)
            self.leads.append((ix, stance))
            who = list(dict.fromkeys(h for r in rows for h in holders(self.lib, self.debate, r)))
            point = self.point(ix)
            if before is not None:
                point = self.point(before) + " " + point
            notes = [self.notes.cite(r) for r in rows]
            label = self.factor[0].upper() + self.factor[1:] if facet == "factor" else LABELS.get(facet, facet)
            return Section(f"{label}: {_short(self.lib, ix, before)}", stance, facet, point, notes, who,
                           lead=self.notes.by_row[ix])
        return Section(LABELS.get(facet, facet.capitalize()), stance, facet, NOT_COVERED, covered=False)

    def from_answer(self, sentence, answer: Answer) -> Section | None:
        """A section made of one sentence of the engine's answer to the question (its citation's sentence
        and what it leans on), when the facets found too little."""
        rows = [self.lib.row_at(c.doc_id, c.start) for c in answer.citations if c.n in sentence.citations]
        rows = [r for r in rows if r is not None and self.fresh(r, "context")]
        if not rows or not citable(self.lib.sentences[rows[0]].text):
            return None
        ix = rows[0]
        before = self.antecedent(ix)
        if before is not None and (before in self.used or depends_on_previous(self.lib.sentences[before].text)):
            return None
        rows = [before, ix] if before is not None else [ix]
        self.used |= set(rows)
        self.leads.append((ix, "context"))
        point = " ".join(self.point(r) for r in rows)
        who = list(dict.fromkeys(h for r in rows for h in holders(self.lib, self.debate, r)))
        return Section(f"What the sources say: {_short(self.lib, ix, before)}", "context", "answer", point,
                       [self.notes.cite(r) for r in rows], who, lead=self.notes.by_row[ix])

    # -- the parts of a plan --

    def schools(self) -> list:
        """The debate's schools whose reading bears on the question (a claim close enough to cite)."""
        out = []
        for s in self.debate.schools:
            best = max(float(self.base.sims[c.row]) for c in s.claims)
            if best >= MIN_SUPPORT_SIM:
                out.append(s)
        return out

    def theses(self, sections: list[Section]) -> list[Thesis]:
        b = self.brief
        out: list[Thesis] = []
        schools = self.schools()
        if b.kind == "causes" and len(schools) >= 2 or b.kind != "evaluate" and len(schools) >= 2 and not b.subject:
            for s in schools[:3]:
                names = [self.debate.writers[k].name for k in s.members] or [f"'{s.label}' historians"]
                lead = s.claims[0].row
                out.append(Thesis(f"{s.label} reading: {display(s.claims[0].text)}", s.label, names,
                                  [self.notes.cite(lead)]))
            return out
        if b.kind == "causes":  # no two readings to set against each other: the main causes, one a thesis
            causes = [x for x in sections if x.covered and x.facet == "causes"][:3]
            for x in causes:
                out.append(Thesis(f"The most important cause: {x.point}", "cause", x.who, [x.lead]))
            return out
        subject = b.subject or b.topic
        subject = subject[0].upper() + subject[1:]
        verb = "were" if re.search(r"\b(were|are)\b", self.question[:40], re.I) else "was"
        pred = b.predicate or ("successful" if b.kind == "evaluate" else "the case")
        head, rest = pred.split()[0].lower(), " ".join(pred.split()[1:])
        opposite = f"{OPPOSITES[head]} {rest}".strip() if head in OPPOSITES else f"not mainly {pred}"
        against = f"{subject} {verb} {opposite}." if opposite.startswith("not") else \
            f"{subject} {verb} largely {opposite}."
        for stance, text in (("for", f"{subject} {verb} largely {pred}."), ("against", against)):
            side = [s for s in sections if s.stance == stance and s.covered]
            if not side:
                continue
            who = list(dict.fromkeys(h for s in side for h in s.who))
            out.append(Thesis(text, stance, who, [s.lead for s in side]))
        both = [h for h in (out[0].holders if out else []) if len(out) == 2 and h in out[1].holders]
        if len(out) == 2:
            if b.kind == "evaluate":
                text = (f"{subject} {verb} {pred} in some respects and {opposite} in others: the judgement turns "
                        "on the aims it is measured against and the date it is judged at.")
            elif _BLAME.match(pred):
                text = (f"{subject} {verb} {pred} to some extent, but not alone: the judgement turns on how much "
                        "the other factors weigh.")
            else:
                text = (f"{subject} {verb} {pred} in part: the judgement turns on which of the motives and readings "
                        "below weighs most.")
            out.append(Thesis(text, "balanced", both or out[0].holders[:1] + out[1].holders[:1],
                              [out[0].quotes[0], out[1].quotes[0]]))
        for s in schools[: 3 - len(out)] if len(out) < 3 else []:
            names = [self.debate.writers[k].name for k in s.members] or [f"'{s.label}' historians"]
            out.append(Thesis(f"{s.label} reading: {display(s.claims[0].text)}", s.label, names,
                              [self.notes.cite(s.claims[0].row)]))
        return out

    def weigh(self) -> tuple[int, int]:
        """How many sentences of the sources bear on the question (close enough to cite, inside its span)
        on each side of its claim, as sides.py reads them."""
        if self.sides is None:
            return 0, 0
        pro = con = 0
        for s in self.lib.sentences:
            side = self.sides.of(s.ix)
            if self.focus is not None and s.passage_id not in self.focus:
                continue
            if side and s.doc_id in self.in_play and float(self.base.sims[s.ix]) >= MIN_SUPPORT_SIM and citable(s.text) and self.in_span(s.text):
                pro, con = pro + (side > 0), con + (side < 0)
        return pro, con

    def _subject(self) -> tuple[str, str]:
        b = self.brief
        subject = b.subject or b.topic
        verb = "were" if re.search(r"\b(were|are)\b", self.question[:40], re.I) else "was"
        return subject[0].upper() + subject[1:], verb

    def _strongest(self, sections: list[Section], stance: str) -> Section | None:
        return next((x for x in sections if x.covered and x.stance == stance), None)

    def conclusion(self, sections: list[Section], theses: list[Thesis]) -> tuple[str, list[int]]:
        """The answer to the question asked, in its own terms: how far its claim holds (or how successful
        its subject was, or what mattered most), from the balance of the evidence, with the strongest
        evidence of each side cited."""
        b = self.brief
        subject, verb = self._subject()
        pro_sec, con_sec = self._strongest(sections, "for"), self._strongest(sections, "against")

        def strongest() -> tuple[str, list[int]]:
            text, quotes = "", []
            if pro_sec is not None:
                text += f" The strongest evidence for: {pro_sec.point}"
                quotes.append(pro_sec.lead)
            if con_sec is not None:
                text += f" The strongest against: {con_sec.point}"
                quotes.append(con_sec.lead)
            return text, quotes

        if b.kind in ("extent", "evaluate") and (pro_sec is not None or con_sec is not None):
            pro, con = self.weigh()
            counted = pro + con > 0
            if not counted:  # no reading of this claim: the balance of the sections
                pro = sum(x.covered for x in sections if x.stance == "for")
                con = sum(x.covered for x in sections if x.stance == "against")
            share = pro / (pro + con) if pro + con else 0.5
            if pro + con < MIN_WEIGHED:
                claim = "successful" if b.kind == "evaluate" else (b.predicate or "the case")
                text, quotes = strongest()
                mid = subject[0].lower() + subject[1:] if subject.split()[0] in ("The", "A", "An") else subject
                return (f"The sources say too little to judge how far {mid} {verb} "
                        f"{claim}: {pro} of their sentences bear for it and {con} against.{text}", quotes)
            if b.kind == "evaluate":
                words = next(w for bar, w in VERDICT_WORDS if share >= bar)
                head = f"{subject} {verb} {words}"
                why = (f"{pro} of the {pro + con} sentences of the sources that judge it call it a success, {con} a "
                       "failure" if counted else f"{pro} sections of evidence for success, {con} against")
            else:
                words = next(w for bar, w in EXTENT_WORDS if share >= bar)
                pred = b.predicate or "the case"
                head = f"{subject} {verb} {pred} {words}"
                why = (f"{pro} of the {pro + con} sentences of the sources that bear on it point to {self.factor}, "
                       f"{con} to other factors" if counted and self.factor else
                       f"{pro} of the {pro + con} sentences of the sources that bear on it support the claim, {con} "
                       "argue otherwise" if counted else f"{pro} sections of evidence for the claim, {con} against")
            text, quotes = strongest()
            return f"{head}: {why}.{text}", quotes
        causes = [x for x in sections if x.covered and x.facet in ("causes", "answer")]
        readings = [t for t in theses if t.stance not in ("for", "against", "balanced", "cause")]
        if causes:
            first = causes[0]
            text = f"The sources' strongest answer to “{self.question.rstrip('?')}?” is this: {first.point}"
            quotes = [first.lead]
            if len(causes) > 1:
                text += f" Weigh it against: {causes[1].point}"
                quotes.append(causes[1].lead)
            if len(readings) >= 2:
                near = max(readings, key=lambda t: sum(x.stance == ("for" if t is readings[0] else "against")
                                                      for x in sections if x.covered))
                text += f" Of the historians' readings, the evidence above sits closer to the {near.stance} one."
            return text, quotes
        return ("The sources state no answer outright: the sections above are the nearest they come, so an "
                "answer must argue from them with care.", [])

    def chronology(self) -> list[KeyDate]:
        """The events the sources date inside the question's span (the timeline's entries), each with its
        footnotes: every one whose sentences bear on the question (close enough to
        cite) or share a word with its topic. A question that sets no span gets the events closest to it
        (`MAX_UNSPANNED`), so a plan still has its chronology."""
        from app.engine.events import select, timeline

        span = span_years(self.question)
        entries = select(timeline(self.engine), *span) if span else timeline(self.engine)
        topic = set(stems(words(self.brief.topic))) | self.subject_stems
        scored = []
        for e in entries:
            rows = [r for c in e.citations if c.doc_id in self.in_play and (r := self.lib.row_at(c.doc_id, c.start)) is not None
                    and (self.focus is None or self.lib.sentences[r].passage_id in self.focus)]
            if not rows:
                continue
            sim = max(float(self.base.sims[r]) for r in rows)
            shares = bool(topic & set(stems(words(" ".join([e.label, *(self.lib.sentences[r].text for r in rows)])))))
            if sim >= MIN_SUPPORT_SIM or span and shares:
                scored.append((sim, e, rows))
        if not span:
            scored = sorted(scored, key=lambda x: -x[0])[:MAX_UNSPANNED]
            scored.sort(key=lambda x: x[1].when.first)
        return [KeyDate(e.when.iso(), e.label, [self.notes.cite(r) for r in rows]) for _, e, rows in scored]

    def readings(self) -> list[DebateGroup]:
        docs = self.in_play if self.focus is None else {self.lib.passages[p].doc_id for p in self.focus}
        return readings(self.debate, self.notes, docs)

    def counter(self, sections: list[Section], theses: list[Thesis]) -> Section:
        """The strongest case against the plan's leading side: the other side's best evidence not yet
        used, else its opening section's."""
        lead = theses[0].stance if theses else "for"
        other = "against" if lead == "for" else "for"
        blame = bool(self.brief.predicate and _BLAME.match(self.brief.predicate))
        facet = {"evaluate": "failures", "extent": "other" if blame else "contrast"}.get(self.brief.kind,
                                                                                      "interpretations")
        if self.factor:
            facet = "other factors" if other == "against" else "factor"
        if self.brief.kind == "causes":
            schools = self.schools()
            if len(schools) >= 2:
                s = schools[1]
                rows = [c.row for c in s.claims][:MAX_QUOTES]
                names = [self.debate.writers[k].name for k in s.members] or [f"'{s.label}' historians"]
                return Section(f"The {s.label} reading", "against", "interpretations", display(s.claims[0].text),
                               [self.notes.cite(r) for r in rows], names)
        sec = self.section(facet, other)
        if not sec.covered and self.brief.kind != "causes":  # nothing new on the other side: its strongest section, put as the objection
            side = [s for s in sections if s.stance == other and s.covered]
            if side:
                n = sections.index(side[0]) + 1
                sec = Section(f"{side[0].title} (section {n} again: the sources hold nothing more on this side)",
                              other, side[0].facet, side[0].point, side[0].quotes, side[0].who, lead=side[0].lead)
        sec.title = f"Counter-argument: {sec.title}" if sec.covered else "Counter-argument"
        return sec


def stance_by_school(planner: Planner, sections: list[Section], theses: list[Thesis]) -> None:
    """For a 'why' question, a section is 'for' the first reading or 'against' it, by which reading's
    sentences its evidence is closer to."""
    schools = [t for t in theses if t.stance not in ("for", "against", "balanced", "cause")]
    if len(schools) < 2:
        for s in sections:
            s.stance = s.stance or ("for" if s.covered else "context")
        return
    lib = planner.lib

    def vector(n: int) -> np.ndarray:
        c = planner.notes.citations[n - 1]
        return lib.vectors[lib.row_at(c.doc_id, c.start)]

    vec = {t.stance: vector(t.quotes[0]) for t in schools}
    for s in sections:
        if not s.covered:
            s.stance = s.stance or "context"
            continue
        v = vector(s.lead)
        near = max(vec, key=lambda k: float(vec[k] @ v))
        s.stance = "for" if near == schools[0].stance else "against"


def _generate_points(engine: Engine, planner: Planner, sections: list[Section], warnings: list[str]) -> bool:
    """With an LLM server: each covered section's point rewritten in one line by the model, kept only if
    the same support check as generated answers passes against the section's quoted passages."""
    from ingest.errors import LLMServerError

    llm, lib, used = engine.llm, planner.lib, False
    for s in sections:
        if not s.covered:
            continue
        cits = [planner.notes.citations[n - 1] for n in s.quotes]
        passages = [lib.passages[c.passage_id] for c in cits]
        try:
            text = llm.generate(f"In one sentence, state the point these passages make for an essay answering: "
                                f"{planner.question}", [c.quote for c in cits])
        except LLMServerError as e:
            warnings.append(f"{e} The points are the sources' own sentences.")
            return used
        text = re.sub(r"\s*\[\d+\]", "", text).strip().split("\n")[0]
        if not text or text.upper().startswith("NOT COVERED"):
            continue
        checks = [llm.check(engine, text, i + 1, passages) for i in range(len(passages))]
        if any(c.supported for c in checks):
            s.point, s.generated, used = text, True, True
        else:
            warnings.append(f"A generated point for '{s.title}' was not supported by its quotes; the source's own "
                            "sentence is shown instead.")
    return used


def make_plan(engine: Engine, question: str, progress=None) -> Plan:
    """The essay plan for a question, or a Plan whose `declined` holds the engine's decline."""
    t0 = time.perf_counter()
    step = progress or (lambda *_: None)
    q = check_question(question)
    step("Checking the sources cover the question", 0.1)
    answer = engine.ask(as_question(q))
    answer.question = q
    if answer.abstained:
        return Plan(q, None, declined=answer, warnings=list(answer.warnings),
                    timings_ms={"total": (time.perf_counter() - t0) * 1000})
    brief = read_question(q)
    outside = outside_span(engine.library, q)
    if outside:
        answer.abstained, answer.sentences, answer.citations = True, [], []
        from app.engine.compose import nearest

        answer.nearest = nearest(engine.library, engine.read(q).hits)
        answer.warnings.append(outside)
        return Plan(q, None, declined=answer, warnings=list(answer.warnings),
                    timings_ms={"total": (time.perf_counter() - t0) * 1000})
    planner = Planner(engine, q, brief)
    sections: list[Section] = []
    facets = PLANS["factor" if planner.factor else brief.kind]
    if brief.kind == "causes" and len(planner.schools()) >= 2:
        # the readings are the theses and the counter-argument already: a dated section instead
        facets = [(f if f != "interpretations" else "chronology", st) for f, st in facets]
    for i, (facet, stance) in enumerate(facets):
        step(f"Finding evidence: {facet}", 0.2 + 0.12 * i)
        if facet == "claim" and not brief.subject:
            facet = "interpretations"
        if facet == "other" and not (brief.predicate and _BLAME.match(brief.predicate)):
            facet = "contrast"  # a characterisation: what the sources set against it, not other agents
        sections.append(planner.section(facet, stance))
    covered = [s for s in sections if s.covered]
    if len(covered) < MIN_SECTIONS:  # fill from the facets this kind of question does not list first
        for facet in ("causes", "interpretations", "chronology", "successes", "failures"):
            if len(covered) >= MIN_SECTIONS:
                break
            extra = planner.section(facet, "context")
            if extra.covered:
                sections.append(extra)
                covered.append(extra)
        # then from the engine's own answer to the question: its sentences are cited already
        for sentence in answer.sentences:
            if len(covered) >= MIN_SECTIONS:
                break
            extra = planner.from_answer(sentence, answer)
            if extra is not None:
                sections.append(extra)
                covered.append(extra)
    # the uncovered keep their place (they tell the student where the sources run out), within five
    sections = (covered + [s for s in sections if not s.covered])[:MAX_SECTIONS]
    sections.sort(key=lambda s: {"for": 0, "against": 1}.get(s.stance, 2))
    if not covered:  # the engine found the topic, but no facet of an essay on it: no plan, as a decline
        answer.abstained, answer.sentences, answer.citations = True, [], []
        from app.engine.compose import nearest

        answer.nearest = nearest(planner.lib, planner.base.hits)
        answer.warnings.append("The sources mention this, but hold no evidence for any section of an essay on it "
                               "(no successes, failures, causes or readings close enough to quote).")
        return Plan(q, None, declined=answer, warnings=list(answer.warnings),
                    timings_ms={"total": (time.perf_counter() - t0) * 1000})
    step("Weighing the readings", 0.85)
    theses = planner.theses(sections)
    if not theses:  # one side, or none, to set against another: the strongest section's point is the thesis
        best = covered[0]
        theses = [Thesis(f"On the sources' evidence: {best.point}", best.stance, best.who, [best.lead])]
    if brief.kind == "causes":
        stance_by_school(planner, sections, theses)
        sections.sort(key=lambda s: {"for": 0, "against": 1}.get(s.stance, 2))
    counter = planner.counter(sections, theses)
    conclusion, cq = planner.conclusion(sections, theses)
    readings = planner.readings()
    step("Dating the events", 0.9)
    chronology = planner.chronology()
    plan = Plan(q, brief, theses, sections, counter, conclusion, cq, readings, planner.notes.citations,
                chronology, warnings=list(answer.warnings))
    if engine.llm is not None and _generate_points(engine, planner, [*sections, counter], plan.warnings):
        plan.mode = "llm"
    step("Done", 1.0)
    plan.timings_ms = {"total": (time.perf_counter() - t0) * 1000}
    return plan


def debate_citations(engine: Engine) -> tuple[list[DebateGroup], list[Citation]]:
    """Who argues what on its own (`footnote debate`, the page's tab), with its own footnote numbers."""
    notes = Footnotes(engine.library)
    return readings(debate(engine.library), notes), notes.citations


def readings(d: Debate, notes: Footnotes, docs: set[str] | None = None) -> list[DebateGroup]:
    """The debate's groups with footnotes: each school's own sentences first, then its writers'. With
    `docs`, only what those documents say (an essay on one article's subject lists that article's writers)."""
    out = []
    for label, ws, claims in d.groups():
        claims = [c for c in claims if docs is None or c.doc_id in docs]
        writers = [(w.name, w.role, [c.row for c in w.claims if docs is None or c.doc_id in docs]) for w in ws]
        writers = [(n, r, rows) for n, r, rows in writers if rows]
        if not claims and not writers:
            continue
        own = [notes.cite(c.row) for c in claims]
        out.append(DebateGroup(label, [(n, r, [notes.cite(row) for row in rows]) for n, r, rows in writers], own))
    return out


