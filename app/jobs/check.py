"""Checking a student's answer against the sources: one verdict per sentence, and the key points covered.

Each sentence of the answer is looked up with the engine's own retrieval (`Engine.read`: the same
encoder, BM25 and dense search that answer questions). The best-matching source sentence (with its
paragraph neighbours) is compared with it: how close in meaning (cosine), how many of its words the
source uses, whether its dates, numbers and names are the source's, and whether its events are
(claims.py: the parser's reading of both, compared for opposite or negated predicates, roles reversed,
another doer, another action on the same thing). Two logistic regressions,
fitted on the public tuning set by `python -m eval.calibrate_check` and stored in `app/jobs/check_model.json`,
turn these into a verdict (a compound sentence the sources do not state whole is judged clause by clause):

- `supported`: the sources state it (a paraphrase counts), with the citation;
- `not_in_sources`: nothing in the sources states it;
- `conflicts`: the sources state it with another date, number or name, or say that what happened was
  otherwise; the correction is the sources' version, cited.

Key points come from the teacher (a file, one per line), from the evaluation set when the question is in
it, or else from the sources' reading of the question (`source_points`: the reasons they give for a
why-question, their judgements for "how successful", both for "to what extent"), never from Footnote's
own answer. This module decides and holds data; it
prints nothing and draws nothing (app/cli.py and app/pages/views/check.py render what it returns).
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from functools import cache, lru_cache
from pathlib import Path

import numpy as np

from app.engine.answer import Citation
from app.engine.compose import cite
from app.engine.llm import overlap
from app.engine.ranker import Linear
from app.engine.retrieve import MONTHS, STOPWORDS, stems, words
from app.engine.sentences import next_in_paragraph, prev_in_paragraph
from app.jobs import claims
from ingest.documents import decode, utf16
from ingest.errors import FootnoteError
from ingest.passages import sentence_spans
from ingest.safe_text import printable

MODEL = Path(__file__).with_name("check_model.json")
VERDICTS = ("supported", "not_in_sources", "conflicts")
MAX_ANSWER_CHARS = 20_000  # about 3,000 words: longer than any answer a student hands in for one question
MAX_SENTENCES = 120
MAX_CLAIM_CHARS = 1000  # the engine reads at most this much at once (engine.MAX_QUESTION_CHARS)
STATES_EVENT = 0.1  # added to a sentence that states the claim's event when choosing the match (see best_match);
# held out on squad-train, 0.1 kept 95.6% of supported claims supported, 0.5 kept 95.2%
CANDIDATES = 12  # source sentences compared with each claim: the best by cosine and by BM25

FEATURES = ("cos", "overlap", "window_overlap", "plain_overlap", "rare_overlap", "rare_missing", "date_with_other",
            "date_alone", "name_with_other", "name_alone", "name_swap", "replaced", "negation_changed", "opposite",
            "swapped", "other_doer", "other_predicate", "same_event")


class AnswerCheckError(FootnoteError):
    """A student's answer that cannot be checked: empty, not text, or far too long."""


class CheckModelMissingError(FootnoteError):
    def __init__(self, where: Path):
        super().__init__(f"The answer checker's fitted thresholds are missing ({where.name}). Reinstall Footnote, "
                         "or fit them with `python -m eval.calibrate_check`.")


# --- reading what the teacher gives ------------------------------------------------------------------


def read_answer(data: bytes, name: str = "") -> str:
    """The text of a student's answer: a .docx file's paragraphs, or text in UTF-16, UTF-8 or Windows-1252.
    Raises AnswerCheckError for an empty, binary or oversized file."""
    label = f"“{name}”" if name else "The answer"
    if name.lower().endswith(".docx") or data[:2] == b"PK":
        text = _docx_text(data, label)
    else:
        if utf16(data) is None and b"\x00" in data[:4096]:
            raise AnswerCheckError(f"{label} is not text (it holds binary data). Give a .txt or .docx file.")
        text = decode(data)[0]  # UTF-16 (as Windows Notepad saves), UTF-8, else Windows-1252: as ingest reads
    return check_answer_text(text, label)


def _docx_text(data: bytes, label: str) -> str:
    from docx import Document

    try:
        doc = Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError) as e:
        raise AnswerCheckError(f"{label} is not a Word file Footnote can read ({type(e).__name__}). "
                               "Save it again as .docx, or paste the text.") from e
    return "\n".join(p.text for p in doc.paragraphs)


def check_answer_text(text: str, label: str = "The answer") -> str:
    """The answer as it will be checked (control characters dropped), or AnswerCheckError."""
    text = printable(text or "").strip()
    if not text:
        raise AnswerCheckError(f"{label} is empty: paste the student's answer, or give a .txt or .docx file.")
    if len(text) > MAX_ANSWER_CHARS:
        raise AnswerCheckError(f"{label} is {len(text):,} characters long; Footnote checks answers of up to "
                               f"{MAX_ANSWER_CHARS:,} (about 3,000 words). Check it in parts.")
    letters = sum(c.isalpha() for c in text)
    if letters < 0.4 * len(text.replace(" ", "")):
        raise AnswerCheckError(f"{label} does not look like written text (mostly symbols or digits).")
    return text


def split_sentences(text: str) -> list[str]:
    """The answer's sentences, line breaks inside one collapsed (a pasted answer often wraps)."""
    out = []
    for block in re.split(r"\n\s*\n|\n(?=\s*[-*•]\s)", text):
        block = " ".join(block.split())
        out += [block[s:e].lstrip("-*• ").strip() for s, e in sentence_spans(block)]
    return [s for s in out if any(c.isalpha() for c in s)]


def read_key_points(data: bytes) -> list[KeyPointInput]:
    """A teacher's key points: one a line (a leading "-", "*" or number is dropped)."""
    text = data.decode("utf-8-sig", errors="replace")
    points = [re.sub(r"^\s*(?:[-*•]|\d+[.)])\s*", "", line).strip() for line in text.splitlines()]
    points = [p for p in points if any(c.isalpha() for c in p)]
    if not points:
        raise AnswerCheckError("The key points file is empty: write one key point a line.")
    return [KeyPointInput(p) for p in points]


# --- facts: the dates, numbers and names a claim carries -----------------------------------------------

_NUMBER = re.compile(r"(?<![\w.])\d{1,3}(?:,\d{3})+(?![\w])|(?<![\w.])\d+(?:\.\d+)?(?![\w])")
_NAME = re.compile(r"[A-Z][a-zA-Z'’-]+")
_NUMBER_WORDS = {"two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7", "eight": "8",
                 "nine": "9", "ten": "10", "eleven": "11", "twelve": "12", "twenty": "20", "hundred": "100",
                 "thousand": "1000", "million": "1000000"}


# The two world wars' names in English history writing, made one name each before facts are compared
# ("the First World War" / "World War One" / "WWI" / "the Great War").
_WORLD_WARS = ((re.compile(r"\b(?:First World War|World War (?:One|I|1)|WWI|Great War)\b", re.I), "Worldwarone"),
               (re.compile(r"\b(?:Second World War|World War (?:Two|II|2)|WWII)\b", re.I), "Worldwartwo"))


def facts(text: str) -> set[tuple[str, str]]:
    """(kind, value) for each year, other number, month and name in the text. Names are stemmed and
    lower-case; the sentence's first word counts only if it is not an ordinary word."""
    out: set[tuple[str, str]] = set()
    t = text.replace("’", "'")
    for pattern, name in _WORLD_WARS:
        t = pattern.sub(name, t)
    for m in _NUMBER.finditer(t):
        v = m.group().replace(",", "")
        kind = "year" if re.fullmatch(r"1[0-9]{3}|20[0-9]{2}", v) else "number"
        out.add((kind, v))
    for w in re.findall(r"[A-Za-z]+", t):
        if w.lower() in _NUMBER_WORDS:
            out.add(("number", _NUMBER_WORDS[w.lower()]))
        elif w.lower() in MONTHS and w[0].isupper():  # 'May 1939', not 'it may have'
            out.add(("month", w.lower()))
    for m in _NAME.finditer(t):
        w = m.group().removesuffix("'s").strip("'-")
        low = w.lower()
        if low in STOPWORDS or low in MONTHS or low in _NUMBER_WORDS or len(low) < 2:
            continue
        if m.start() == 0 or t[: m.start()].rstrip().endswith((".", "!", "?", ":", '"', "“")):
            if low in _COMMON:
                continue
        out.add(("name", name_key(low)))
    return out


# The country a people's adjective names ('the British' is Britain), so that a paraphrase that says
# 'Britain' where the source says 'the British' adds no name. General English, not one corpus.
DEMONYMS = {"british": "britain", "english": "england", "french": "france", "german": "germany",
            "germans": "germany", "russian": "russia", "russians": "russia", "japanese": "japan", "italian": "italy",
            "polish": "poland", "poles": "poland", "american": "america", "americans": "america", "chinese": "china",
            "finnish": "finland", "finns": "finland", "czech": "czechoslovakia", "spanish": "spain",
            "turkish": "turkey", "ottomans": "ottoman", "soviets": "soviet", "usa": "america", "us": "america",
            "uk": "britain", "ussr": "soviet"}


def name_key(word: str) -> str:
    """A name as facts compare it: lower-case, its people's adjective turned into the country, stemmed."""
    w = word.lower()
    return stems([DEMONYMS.get(w, w)])[0]


# Capitalised first words that are ordinary words, not names ("However, ...", "This pact ...").
_COMMON = frozenset("""however this that these those there then thus therefore also although though in on at
    by for from with after before during while when where why how what which who it its his her their they
    he she we i as but and or so yet both either neither many most some all each one another such because
    since until unless despite instead finally firstly secondly overall later soon eventually meanwhile
    moreover furthermore nevertheless nonetheless indeed perhaps no not only even""".split())


# --- matching a claim to the sources -----------------------------------------------------------------


@dataclass
class Match:
    """The source sentence that best matches a claim, and how they compare."""

    row: int | None  # library sentence row (None: the library holds no sentence at all)
    cos: float = 0.0
    overlap: float = 0.0  # share of the claim's content words in the source sentence
    window_overlap: float = 0.0  # ... in the sentence with its paragraph neighbours
    plain_overlap: float = 0.0  # ... the same, counting only words that are not dates, numbers or names
    rare_overlap: float = 0.0  # ... weighted by rarity in the sources (IDF): 'resigned' counts more than 'pact'
    rare_missing: float = 0.0  # the rarest claim word the window lacks, as a share of the rarest possible
    novel: list[tuple[str, str]] = field(default_factory=list)  # the claim's facts the source window lacks
    others: list[tuple[str, str]] = field(default_factory=list)  # the source sentence's facts of those kinds
    window: list[int] = field(default_factory=list)
    # (kind, the claim's words, the source sentence's words they stand in the place of), by word alignment
    replaced: list[tuple[str, str, str]] = field(default_factory=list)
    negation: str | None = None  # "added" or "dropped": a "not" the claim puts in or leaves out of the source's words
    # How the claim's events disagree with the window's (app/jobs/claims.py), with the row that says so.
    disagreements: list[tuple[int, claims.Disagreement]] = field(default_factory=list)
    same_event: bool = False  # a sentence of the window states one of the claim's events (claims.states)

    def disagree(self, kind: str) -> float:
        return float(any(d.kind == kind for _, d in self.disagreements))

    @property
    def features(self) -> list[float]:
        """FEATURES: closeness, then the claim's dates or numbers and names that the source lacks, each
        split by whether the source gives another of that kind (a disagreement) or none (an addition).
        Tried without `name_swap`: a teacher's terse key points naming a historian their passage does not
        name were judged conflicts (shipped-corpus conflict precision 30% without it, 40% with it, measured
        before DEMONYMS)."""
        kinds = {k for k, _ in self.novel}
        other_kinds = {k for k, _ in self.others} | ({"number"} if any(k == "year" for k, _ in self.others) else set())
        dates = kinds & {"year", "number", "month"}
        return [self.cos, self.overlap, self.window_overlap, self.plain_overlap, self.rare_overlap, self.rare_missing,
                float(len(dates & other_kinds)), float(len(dates - other_kinds)),
                float("name" in kinds and "name" in other_kinds), float("name" in kinds and "name" not in other_kinds),
                # a name swapped in an otherwise identical sentence, as against a sentence in other words
                float("name" in kinds and "name" in other_kinds) * self.plain_overlap,
                # a date, number or name written where the source sentence has another, the words around it
                # the source's (a name the passage gives elsewhere too: "Puerto Rico" for "Guam")
                float(bool(self.replaced)),
                # "not" put into (or left out of) the source's own words: "52 had not been killed"
                float(self.negation is not None),
                # what happened, compared: opposite predicates or negation, roles reversed, another action
                # by the same doer on the same thing
                self.disagree("opposite"), self.disagree("swapped"), self.disagree("doer"), self.disagree("other"),
                # what happened, the same: the claim's predicate (or a synonym) with its doer, in other words
                float(self.same_event)]


_TOKEN = re.compile(r"[\w'’-]+")
# Words on either side of one replacement: a name or a date, not a clause in other words (four words is the
# longest name the fitting data swap in: eval/calibrate_check.py's `altered`).
_REPLACE_MAX = 4


def _fact_kind(kind: str) -> str:
    return "date" if kind in ("year", "number") else kind


_NEGATORS = frozenset("not no never nor neither cannot".split())
# difflib's ratio at which a claim is the source's sentence with a word or two changed. On the 15 fitted
# tuning articles any value from 0.3 to 0.8 finds 285-293 of 379 negated claims and flags none of 900
# supported ones (the fitting data have no denial in other words); 0.6 keeps a reworded denial out.
_COPIED = 0.6


def _is_negator(token: str) -> bool:
    return token in _NEGATORS or token.endswith(("n't", "n’t"))


@lru_cache(maxsize=256)
def _alignment(claim: str, source: str) -> tuple[list[re.Match], list[re.Match], SequenceMatcher]:
    """The two sentences' words (`_TOKEN`) and difflib's alignment of them, lower-case. Both
    `substitutions` and `negation_changed` read it for the same (claim, source sentence) pair."""
    a, b = list(_TOKEN.finditer(claim)), list(_TOKEN.finditer(source))
    return a, b, SequenceMatcher(None, [t.group().lower() for t in a], [t.group().lower() for t in b],
                                 autojunk=False)


def negation_changed(claim: str, source: str) -> str | None:
    """"added" when the claim is the source sentence with a "not" (or "never", "didn't" ...) put in,
    "dropped" when with one left out, else None. Only for a claim that is the source's words with a few
    changed (difflib ratio at least `_COPIED`): in other words, "did not accept" and "refused" say one thing,
    and the events compare them (app/jobs/claims.py)."""
    ta, tb, sm = _alignment(claim, source)
    if not ta or not tb or sm.ratio() < _COPIED:
        return None
    a, b = sm.a, sm.b  # the lower-case words

    def negators(tokens: list[str]) -> int:
        return sum(map(_is_negator, tokens))

    diff = sum(negators(a[i1:i2]) - negators(b[j1:j2]) for op, i1, i2, j1, j2 in sm.get_opcodes()
               if op != "equal" and _only_negation(a[i1:i2], b[j1:j2]))
    return None if diff % 2 == 0 else "added" if diff > 0 else "dropped"


_DO = frozenset("do does did".split())


def _only_negation(a: list[str], b: list[str]) -> bool:
    """The two spans differ by a negation alone (with "do" to carry it): "did not sign" / "signed", "not" / "";
    not "(but not last)" / "", an aside left out."""
    def rest(ts: list[str]) -> list[str]:
        return stems([t for t in ts if not (_is_negator(t) or t in _DO)])
    return rest(a) == rest(b)


def _initials(a: str, b: str) -> bool:
    """One is the other's initials ("EU", "European Union")."""
    short, long_ = sorted((a.replace(".", ""), b), key=len)
    caps = "".join(w[0] for w in re.findall(r"[A-Z][\w'-]*", long_))
    return short.isupper() and len(short) >= 2 and short == caps


# Endings that make a people's or a region's adjective of a name ("Ukraine" / "Ukrainian", "East" /
# "Eastern"): English word formation, nothing of one corpus. "Franco" is not "France" ("o" is none of them).
_NAME_ENDINGS = ("n", "an", "ian", "ean", "ern", "ese", "ish", "i", "ic", "s", "es")


def _one_name(f: tuple[str, str], g: tuple[str, str]) -> bool:
    """Two facts that are one: equal, or one name and its adjective (compared as stems: "ukrain" /
    "ukrainian", "german" / "germani")."""
    if f == g:
        return True
    if f[0] != "name" or g[0] != "name":
        return False
    a, b = sorted((f[1], g[1]), key=len)
    return len(a) >= 4 and b.startswith(a) and b[len(a):] in _NAME_ENDINGS


def _facts_only(span: str) -> str:
    """The span from its first date, number or name to its last ("that Litvinov" -> "Litvinov")."""
    toks = [t for t in _TOKEN.finditer(span) if facts(t.group())]
    return span[toks[0].start(): toks[-1].end()] if toks else span


def _mostly_facts(span: str) -> bool:
    """At least half the span's content words are dates, numbers or names."""
    content = [w for w in _TOKEN.findall(span) if w.lower() not in STOPWORDS]
    return bool(content) and sum(bool(facts(w)) for w in content) >= 0.5 * len(content)


def substitutions(claim: str, source: str) -> list[tuple[str, str, str]]:
    """The claim's dates, numbers and names that stand where the source sentence has another of the same
    kind, the words on both sides aligned (difflib's matching blocks over lower-case words): "Other
    contenders are Puerto Rico and ..." against "Other contenders are Guam and ...". Only a short span
    replaced by a short span counts, and only a claim fact the source sentence does not give anywhere.
    Each is (kind, the claim's words, the source's words): ("name", "Puerto Rico", "Guam")."""
    a, b, sm = _alignment(claim, source)
    if not a or not b:
        return []
    ops = sm.get_opcodes()
    in_source = facts(source)
    out = []
    for op, i1, i2, j1, j2 in ops:
        if op != "replace":
            continue
        if i2 == len(a) or j2 == len(b):  # at the end of one, the other may go on: "by Trotsky." against "by
            n = max(1, min(i2 - i1, j2 - j1))  # Molotov, instructed to ...": as many words of each
            i2, j2 = i1 + n, j1 + n
        if i2 - i1 > _REPLACE_MAX or j2 - j1 > _REPLACE_MAX:
            continue
        mine_text, their_text = claim[a[i1].start(): a[i2 - 1].end()], source[b[j1].start(): b[j2 - 1].end()]
        if claims.key(mine_text) == claims.key(their_text) or _initials(mine_text, their_text):
            continue  # one name in two forms: "England" / "Britain", "EU" / "European Union"
        if not (_mostly_facts(mine_text) and _mostly_facts(their_text)):
            continue  # a clause in other words that happens to hold a name, not a name put for a name
        said = facts(mine_text)
        mine = {f for f in said if not any(_one_name(f, g) for g in in_source)}
        theirs = {g for g in facts(their_text) if not any(_one_name(f, g) for f in said)}
        kinds = {_fact_kind(k) for k, _ in mine} & {_fact_kind(k) for k, _ in theirs}
        for kind in sorted(kinds):
            out.append((kind, _facts_only(mine_text), _facts_only(their_text)))
    return out


def _window(lib, row: int) -> list[int]:
    prev, nxt = prev_in_paragraph(lib, row), next_in_paragraph(lib, row)
    return [r for r in (prev, row, nxt) if r is not None]


def compare(fz, claim: str, row: int, cos: float, claim_events: list[claims.Event] | None = None) -> Match:
    """How one source sentence (with its paragraph neighbours) compares with a claim. `fz` is the reading's
    Featurizer (app/engine/features.py): its library, and the stems and rarity (IDF) of every sentence."""
    lib = fz.lib
    window = _window(lib, row)
    text = lib.sentences[row].text
    window_text = " ".join(lib.sentences[r].text for r in window)
    claim_facts, source_facts, window_facts = facts(claim), facts(text), facts(window_text)
    # A name may sit a few sentences away ("The two countries concluded ..." after naming them): names
    # count as given anywhere in the passage; dates and numbers only beside the sentence.
    # Names are compared as words, whatever their case ('the anti-comintern pact' names the Anti-Comintern Pact).
    passage = lib.passages[lib.sentences[row].passage_id].text
    window_facts |= {("name", name_key(w)) for w in words(passage)}
    plain = " ".join(w for w in words(claim) if not any(c.isdigit() for c in w)
                     and ("name", name_key(w)) not in claim_facts)
    novel = sorted(f for f in claim_facts if f not in window_facts)
    kinds = {k for k, _ in novel}
    # A year given where the source gives another year, a name for another name: the kinds that can disagree.
    others = sorted(f for f in source_facts - claim_facts if f[0] in kinds or (f[0] == "year" and "number" in kinds))
    claim_stems = set(stems(words(claim)))
    have = set().union(*(fz.sent_sets[r] for r in window))
    weight = {st: fz.idf_of(st) for st in claim_stems}
    total = sum(weight.values()) or 1.0
    rare_overlap = sum(w for st, w in weight.items() if st in have) / total
    rare_missing = max((w for st, w in weight.items() if st not in have), default=0.0) / fz.default_idf
    if claim_events is None:
        claim_events = claims.events(claims.read_claim(claim))
    source_events = {r: claims.events(lib.sentences[r].reading) for r in window}
    disagreements = [(r, d) for r in window for d in claims.compare(claim_events, source_events[r])]
    same_event = any(claims.states(claim_events, source_events[r]) for r in window)
    return Match(row, cos, overlap(claim, text), overlap(claim, window_text),
                 overlap(plain, window_text) if plain.strip() else 1.0, rare_overlap, rare_missing, novel, others,
                 window, substitutions(claim, text), negation_changed(claim, text), disagreements, same_event)


def best_match(engine, claim: str, exclude_doc: str | None = None) -> Match:
    """The source sentence that best matches the claim, read with the engine's retrieval. `exclude_doc`
    leaves one document out (calibration: a claim whose own article is missing is not in the sources)."""
    from app.engine import check_question

    r = engine.read(check_question(claim[:MAX_CLAIM_CHARS]))
    lib = r.library
    if not len(lib.sentences):
        return Match(None)
    sims, bm = np.array(r.sims, dtype=np.float64), np.array(r.bm, dtype=np.float64)
    if exclude_doc is not None:
        out = np.array([s.doc_id == exclude_doc for s in lib.sentences])
        sims[out], bm[out] = -1.0, -1.0
    cands = list(dict.fromkeys([*np.argsort(-sims)[:CANDIDATES].tolist(),
                                *[i for i in np.argsort(-bm)[: CANDIDATES // 2].tolist() if bm[i] > 0]]))
    claim_events = claims.events(claims.read_claim(claim[:MAX_CLAIM_CHARS]))
    matches = [compare(r.features, claim, int(i), float(sims[i]), claim_events) for i in cands]
    # The passage that states the claim is close in meaning and uses its rare words; one that merely
    # shares its topic is close in meaning only. One that states the claim's event in other words
    # (claims.states) comes before one that shares more of its words about something else.
    return max(matches, key=lambda m: m.cos + m.rare_overlap + STATES_EVENT * m.same_event)


_CLAUSE = re.compile(r",?\s+(?:because|so that|so|which|while|whereas|and then|but)\s+|;\s+|,\s+and\s+")


def clauses(sentence: str) -> list[str]:
    """The parts of a compound sentence that each make a claim ("X because Y, so Z"): at least three
    content words each, or the sentence whole."""
    parts = [p.strip(" ,;.") for p in _CLAUSE.split(sentence)]
    parts = [p for p in parts if len(words(p)) >= 3]
    return parts if len(parts) >= 2 else [sentence]


@dataclass
class Judgement:
    verdict: str
    matches: list[Match]  # one per clause the verdict rests on
    p_stated: float
    p_conflict: float


def judge(engine, model: CheckModel, claim: str, exclude_doc: str | None = None) -> Judgement:
    """One claim's verdict. A compound sentence the sources do not state whole is supported when they state
    each of its clauses ("Stalin signed because X, so Y" rests on two passages), and conflicts when one
    clause does."""
    m = best_match(engine, claim, exclude_doc)
    verdict, p_stated, p_conflict = model.verdict(m)
    parts = clauses(claim) if verdict == "not_in_sources" else [claim]
    if len(parts) < 2:
        return Judgement(verdict, [m], p_stated, p_conflict)
    ms = [best_match(engine, p, exclude_doc) for p in parts]
    vs = [model.verdict(x) for x in ms]
    if any(v[0] == "not_in_sources" for v in vs):
        return Judgement(verdict, [m], p_stated, p_conflict)
    worst = "conflicts" if any(v[0] == "conflicts" for v in vs) else "supported"
    return Judgement(worst, ms, min(v[1] for v in vs), max(v[2] for v in vs))


# --- the fitted decision -----------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckModel:
    stated: Linear  # P(the source states the claim, perhaps with another date, number or name)
    conflict: Linear  # P(it states it with another one | it states it)
    stated_threshold: float
    conflict_threshold: float
    cover_threshold: float  # a key point is covered when the stated model gives a student sentence this much
    report: dict

    def verdict(self, m: Match) -> tuple[str, float, float]:
        """(verdict, P(stated), P(conflict | stated))."""
        if m.row is None:
            return "not_in_sources", 0.0, 0.0
        return self.decide(m.features, bool(m.novel))

    def decide(self, features: list[float], novel: bool) -> tuple[str, float, float]:
        x = np.array([features])
        p_stated, p_conflict = float(self.stated.prob(x)[0]), float(self.conflict.prob(x)[0])
        if p_stated < self.stated_threshold:
            return "not_in_sources", p_stated, p_conflict
        f = dict(zip(FEATURES, features, strict=True))
        if p_conflict >= self.conflict_threshold and (f["opposite"] or f["swapped"] or f["other_doer"]
                                                      or f["other_predicate"] or f["negation_changed"]):
            return "conflicts", p_stated, p_conflict  # the disagreement is an event's, named by the correction
        if p_conflict >= self.conflict_threshold and (novel or f["replaced"]):  # it names the fact that disagrees
            # A name disagrees only in a sentence that is otherwise the source's: elsewhere a name the source
            # lacks ('Litvinov was Jewish') is a claim it does not make, not a contradiction.
            if f["date_with_other"] > 0 or f["plain_overlap"] >= 1.0 or f["replaced"]:
                return "conflicts", p_stated, p_conflict
            return "not_in_sources", p_stated, p_conflict
        return "supported", p_stated, p_conflict

    def to_json(self) -> dict:
        return {"stated": self.stated.to_json(), "conflict": self.conflict.to_json(),
                "stated_threshold": round(self.stated_threshold, 4),
                "conflict_threshold": round(self.conflict_threshold, 4),
                "cover_threshold": round(self.cover_threshold, 4), "report": self.report}


@cache
def load_model(path: Path = MODEL) -> CheckModel:
    try:
        d = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise CheckModelMissingError(path) from e
    return CheckModel(Linear.from_json(d["stated"]), Linear.from_json(d["conflict"]), float(d["stated_threshold"]),
                      float(d["conflict_threshold"]), float(d["cover_threshold"]), d.get("report", {}))


# --- the check -------------------------------------------------------------------------------------


@dataclass
class KeyPointInput:
    """A key point to look for: its words, and optionally phrasings and gold quotes (the evaluation set)."""

    point: str
    phrasings: tuple[str, ...] = ()
    quotes: tuple[tuple[str, str], ...] = ()  # (doc id, verbatim quote)


@dataclass
class SentenceCheck:
    text: str
    verdict: str
    citations: list[Citation]
    correction: str | None = None
    p_stated: float = 0.0
    p_conflict: float = 0.0

    def to_json(self) -> dict:
        return {"text": self.text, "verdict": self.verdict, "citations": [c.to_json() for c in self.citations],
                "correction": self.correction}


@dataclass
class KeyPointCheck:
    point: str
    covered: bool
    citations: list[Citation]
    by: list[int] = field(default_factory=list)  # 1-based numbers of the student sentences that cover it

    def to_json(self) -> dict:
        return {"point": self.point, "covered": self.covered, "citations": [c.to_json() for c in self.citations]}


@dataclass
class AnswerCheck:
    question: str
    sentences: list[SentenceCheck]
    key_points: list[KeyPointCheck]
    # "teacher", "evaluation set", or from the sources' reading (source_points): "reasons", "verdicts",
    # "both"; "none" when the sources give no clear key points for the question
    key_points_from: str
    citations: list[Citation]  # every citation above, numbered once

    @property
    def coverage(self) -> float:
        return sum(k.covered for k in self.key_points) / len(self.key_points) if self.key_points else 0.0

    def counts(self) -> dict[str, int]:
        return {v: sum(s.verdict == v for s in self.sentences) for v in VERDICTS}

    @property
    def summary(self) -> str:
        """A few sentences a teacher can paste into feedback."""
        n, c = len(self.sentences), self.counts()
        parts = [f"Of the answer's {_count(n, 'sentence')}, {c['supported']} "
                 f"{'is' if c['supported'] == 1 else 'are'} supported by the sources"]
        if c["conflicts"]:
            parts.append(f"{c['conflicts']} {'disagrees' if c['conflicts'] == 1 else 'disagree'} with them")
        if c["not_in_sources"]:
            parts.append(f"{c['not_in_sources']} {'is' if c['not_in_sources'] == 1 else 'are'} not in the sources")
        out = (", ".join(parts[:-1]) + " and " + parts[-1] if len(parts) > 1 else parts[0]) + "."
        fixes = [s.correction for s in self.sentences if s.verdict == "conflicts" and s.correction]
        if fixes:
            out += " The sources say otherwise: " + "; ".join(fixes)
            out += "" if out.endswith((".", ".”", "?”", "!”")) else "."
        if self.key_points:
            label = "key points" if self.key_points_from in ("teacher", "evaluation set") else \
                _FROM_SOURCES[self.key_points_from]
            covered = sum(k.covered for k in self.key_points)
            out += f" It covers {covered} of the {len(self.key_points)} {label} ({self.coverage:.0%})"
            missed = [k.point for k in self.key_points if not k.covered]
            out += f"; missing: {'; '.join(_short(p) for p in missed)}." if missed else "."
        return out

    @property
    def no_points_note(self) -> str | None:
        """What to tell the teacher when there are no key points to check against."""
        if self.key_points_from != "none":
            return None
        return ("The sources give no clear key points for this question (it asks neither why, how successful "
                "nor to what extent). Add your own, one a line, to check the answer against them.")

    def to_json(self) -> dict:
        return {"question": self.question, "sentences": [s.to_json() for s in self.sentences],
                "key_points": [k.to_json() for k in self.key_points], "coverage": round(self.coverage, 4),
                "summary": self.summary}

    def points_heading(self) -> str:
        where = {"teacher": "the teacher's key points", "evaluation set": "the evaluation set's key points",
                 **_FROM_SOURCES}.get(self.key_points_from, self.key_points_from)
        return f"Key points: {self.coverage:.0%} covered ({where})"

    def text(self, width: int = 100) -> str:
        """The check for a terminal: each sentence with its verdict and footnotes, then the key points,
        the summary and the sources."""
        import textwrap

        tag = {"supported": "SUPPORTED", "not_in_sources": "NOT IN SOURCES", "conflicts": "CONFLICTS"}
        out = [f"Question: {printable(self.question)}", ""]
        for i, s in enumerate(self.sentences, 1):
            marks = "".join(f"[{c.n}]" for c in s.citations)
            out.append(textwrap.fill(f"{i:>2}. {tag[s.verdict]:<14} {printable(s.text)} {marks}".rstrip(), width,
                                     subsequent_indent=" " * 19))
            if s.correction:
                out.append(textwrap.fill(f"The sources: {printable(s.correction)}", width, initial_indent=" " * 19,
                                         subsequent_indent=" " * 19))
        if self.key_points:
            out += ["", f"{self.points_heading()}:"]
            for k in self.key_points:
                marks = "".join(f"[{c.n}]" for c in k.citations)
                out.append(textwrap.fill(f"  [{'x' if k.covered else ' '}] {printable(k.point)} {marks}".rstrip(),
                                         width, subsequent_indent=" " * 6))
        if self.no_points_note:
            out += ["", textwrap.fill(f"Key points: {self.no_points_note}", width)]
        out += ["", textwrap.fill(f"Summary: {printable(self.summary)}", width)]
        if self.citations:
            out += ["", "Sources:"]
            for c in self.citations:
                out.append(textwrap.fill(f"[{c.n}] {printable(c.title)}, {c.passage_id}: “{printable(c.quote)}”",
                                         width, subsequent_indent="    "))
        return "\n".join(out)

    def markdown(self) -> str:
        """The check as a Markdown document (the .docx export is made from this)."""
        label = {"supported": "Supported", "not_in_sources": "Not in the sources", "conflicts": "Conflicts"}
        out = [f"# Answer check: {_md(self.question)}", "", f"**Summary.** {_md(self.summary)}", "",
               "## Sentence by sentence", ""]
        for i, s in enumerate(self.sentences, 1):
            marks = "".join(f"[{c.n}]" for c in s.citations)
            line = f"{i}. **{label[s.verdict]}**: {_md(s.text)} {marks}".rstrip()
            if s.correction:
                line += f" *The sources: {_md(s.correction)}*"
            out.append(line)
        if self.key_points:
            out += ["", f"## {self.points_heading()}", ""]
            for k in self.key_points:
                marks = "".join(f"[{c.n}]" for c in k.citations)
                out.append(f"- {'Covered' if k.covered else '**Missing**'}: {_md(k.point)} {marks}".rstrip())
        if self.no_points_note:
            out += ["", "## Key points", "", _md(self.no_points_note)]
        if self.citations:
            out += ["", "## Sources", ""]
            for c in self.citations:
                out.append(f"{c.n}. {_md(c.title)} ({_md(c.passage_id)}): “{_md(c.quote)}”")
        return "\n".join(out) + "\n"


_FROM_SOURCES = {"reasons": "the reasons the sources give", "verdicts": "the sources' judgements of success and failure",
                 "both": "the reasons and judgements the sources give", "none": "none"}


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _short(text: str, n: int = 90) -> str:
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"


def _md(text: str) -> str:
    """Text for the Markdown export: characters Markdown would read as syntax escaped."""
    return re.sub(r"([\\`*_\[\]<>#|])", r"\\\1", " ".join(printable(text).split()))


class _Citer:
    """Numbers citations once across the whole check, as an answer does."""

    def __init__(self, lib):
        self.lib, self.by_row, self.all = lib, {}, []

    def __call__(self, row: int) -> Citation:
        if row not in self.by_row:
            self.by_row[row] = cite(self.lib, len(self.all) + 1, row)
            self.all.append(self.by_row[row])
        return self.by_row[row]


def _about_events(m: Match) -> bool:
    """A conflict over what happened rather than over a date or number: the events disagree and no date or
    number does (a name may differ too: "Britain accepted" against "the UK refused")."""
    return bool(m.disagreements) and not any(k in ("year", "number", "month") for k, _ in m.novel) \
        and not any(k != "name" for k, _, _ in m.replaced) and m.negation is None  # a copied sentence denied: itself


def _cited_row(m: Match, verdict: str) -> int:
    """The sentence a verdict rests on: for a conflict over what happened, the one that says what did."""
    if verdict == "conflicts" and _about_events(m):
        return m.disagreements[0][0]
    return m.row


def correction(lib, claim: str, m: Match) -> str:
    """The sources' version of a claim that disagrees with them: the facts or the action they give, and the
    sentence that gives it."""
    if _about_events(m):
        row, d = m.disagreements[0]
        return f"{d.describe()}: “{' '.join(lib.sentences[row].text.split())}”"
    text = " ".join(lib.sentences[m.row].text.split())
    if m.negation and not m.replaced and not m.novel:
        return f"{'the sources do not deny it' if m.negation == 'added' else 'the sources deny it'}: “{text}”"
    if m.replaced:  # the words the claim puts in the place of the source's
        theirs = ", ".join(dict.fromkeys(t for _, _, t in m.replaced))
        yours = ", ".join(dict.fromkeys(y for _, y, _ in m.replaced))
        return f"{theirs}, not {yours}: “{text}”"
    # A date that disagrees is the correction; names are only when no date or number does.
    dates = {"year", "number", "month"}
    others = [f for f in m.others if f[0] in dates] or m.others
    novel = [f for f in m.novel if f[0] in dates] if others and others[0][0] in dates else m.novel
    theirs = ", ".join(dict.fromkeys(_fact_text(lib.sentences[m.row].text, f) for f in others))
    yours = ", ".join(dict.fromkeys(_fact_text(claim, f) for f in novel))
    if theirs:
        return f"{theirs}{f', not {yours}' if yours else ''}: “{text}”"
    return f"“{text}”"


def _fact_text(text: str, fact: tuple[str, str]) -> str:
    """A fact as the source writes it (a name's stem back to the word)."""
    kind, value = fact
    if kind != "name":
        return value.capitalize() if kind == "month" else value
    for w in _NAME.findall(text.replace("’", "'")):
        if name_key(w.removesuffix("'s")) == value:
            return w.removesuffix("'s")
    return value


def check(engine, question: str, answer: str, key_points: list[KeyPointInput] | None = None,
          key_points_from: str = "teacher", model: CheckModel | None = None) -> AnswerCheck:
    """Check a student's answer to a question: a verdict per sentence and the key points covered. Without
    key points, they are what the sources give for the question (source_points), or none."""
    from app.engine import check_question

    q = check_question(question)
    text = check_answer_text(answer)
    claims = split_sentences(text)
    if len(claims) > MAX_SENTENCES:
        raise AnswerCheckError(f"The answer has {len(claims)} sentences; Footnote checks up to {MAX_SENTENCES} "
                               "at once. Check it in parts.")
    model = model or load_model()
    engine.follow_index()
    lib = engine.library
    cite = _Citer(lib)

    checked, matches = [], []
    for claim in claims:
        j = judge(engine, model, claim)
        cits = list({c.n: c for c in (cite(_cited_row(m, j.verdict)) for m in j.matches)}.values()) \
            if j.verdict != "not_in_sources" else []
        fixes = [correction(lib, claim, m) for m in j.matches
                 if (m.novel or m.replaced or m.negation or m.disagreements) and model.verdict(m)[0] == "conflicts"]
        fix = "; ".join(fixes) if j.verdict == "conflicts" and fixes else None
        checked.append(SentenceCheck(claim, j.verdict, cits, fix, j.p_stated, j.p_conflict))
        matches.append(j.matches)

    if key_points is None:
        key_points, key_points_from = source_points(engine, q)
    encode = _Vectors(engine.encode)
    points = [_key_point(engine, encode, model, kp, checked, matches, cite) for kp in key_points]
    return AnswerCheck(q, checked, points, key_points_from, cite.all)


# What a question asks to be weighed: success and failure ("How successful ...?"), or both sides of a claim
# ("To what extent ...?"). Why-questions are reasons.asks_reason's (checked against squad-train's flags).
_SUCCESS = re.compile(r"\b(successful|success|succeed|failure|fail|failed|achievements?|achieve|effective)\b", re.I)
_EXTENT = re.compile(r"\b(to what extent|how far|how much|how important|how significant|assess|evaluate|discuss|"
                     r"do you agree)\b", re.I)
MAX_SOURCE_POINTS = 4  # as many as the evaluation set's questions have (4.1 on average)
# Passages read for them: a reason seldom shares the question's words ("A pact with Germany would buy time"
# for "Why did Stalin sign the pact?"), so more than an answer reads (settings.top_k).
SOURCE_POINT_PASSAGES = 30


def source_points(engine, question: str) -> tuple[list[KeyPointInput], str]:
    """Key points from the sources' own reading of the question's topic, never from Footnote's answer: for
    a why-question, the sentences that give a cause, motive, purpose or means of what it asks about (the
    reading's causes whose effect names the question's words and whose cause adds others); for "how
    successful", the sentences that judge it a success or a failure; for "to what extent", both. Returns
    the points and where they come from ("reasons", "verdicts", "both"), or [] and "none" when the sources
    give no clear key points (any other question, or nothing found)."""
    from app.engine import ranker
    from app.engine.reasons import asks_reason, content, stated_reasons, verdict_of

    extent = bool(_EXTENT.search(question))
    want_reasons = asks_reason(question) or extent
    want_verdicts = bool(_SUCCESS.search(question)) or extent
    if not (want_reasons or want_verdicts):
        return [], "none"
    r = engine.read(question, max(engine.settings.top_k, SOURCE_POINT_PASSAGES))
    if not r.cands:
        return [], "none"
    lib, q = r.library, content(question)
    probs = (engine.models or ranker.load()).ranker.prob(r.X)
    found = []
    for p, ix in zip(probs.tolist(), r.cands, strict=True):
        s = lib.sentences[ix]
        reading = s.reading or {}
        gives_reason = want_reasons and any(content(_effect_alone(s.text, cs, ce, es, ee)) & q
                                            and content(s.text[cs:ce]) - q
                                            for _, cs, ce, es, ee in reading.get("causes") or [])
        judges = want_verdicts and verdict_of(reading) != 0 and bool(content(s.text) & q)
        if gives_reason or judges:
            # the ranker's probability that it answers, and how close it is to the question in meaning
            found.append((p + float(r.sims[ix]), ix))
    found.sort(reverse=True)
    # The sources' own argument for the asked event ("... Thus, in August, 1939 the two powers concluded the
    # Nazi-Soviet Non-Aggression Pact"): its reasons come first, in reading order.
    argued = stated_reasons(lib, question, r.cands, probs, r.features.idf_of)[:-1] if want_reasons else []
    rows = list(dict.fromkeys([*argued, *(ix for _, ix in found)]))[:MAX_SOURCE_POINTS]
    points = [KeyPointInput(" ".join(lib.sentences[ix].text.split()),
                            quotes=((lib.sentences[ix].doc_id, lib.sentences[ix].text),)) for ix in rows]
    if not points:
        return [], "none"
    return points, "both" if extent else "reasons" if want_reasons else "verdicts"


def _effect_alone(text: str, cs: int, ce: int, es: int, ee: int) -> str:
    """What a cause explains, without the cause itself (a reading's effect span can reach over its cause:
    "X travels to Moscow [to sign the pact]." ends with the full stop after the cause)."""
    if es <= cs and ce <= ee:
        return text[es:cs] + " " + text[ce:ee]
    return text[es:ee]


def _rows_of(lib, quotes) -> list[int]:
    """The library sentences a gold quote lies in."""
    rows = []
    for doc_id, quote in quotes:
        doc = lib.docs.get(doc_id)
        at = doc.text.find(quote) if doc else -1
        if at < 0:
            continue
        rows += [s.ix for s in lib.sentences if s.doc_id == doc_id and s.start < at + len(quote) and s.end > at]
    return list(dict.fromkeys(rows))


def _key_point(engine, encode, model: CheckModel, kp: KeyPointInput, checked: list[SentenceCheck], matches: list[list[Match]],
               cite: _Citer) -> KeyPointCheck:
    """Covered when the answer uses one of its phrasings, when a sentence the sources support rests on the
    key point's own source sentences, or when a student sentence states it (the fitted model, with the
    student's sentence in the place of the source)."""
    lib = engine.library
    rows = _rows_of(lib, kp.quotes)
    if not rows:  # a teacher's own point: the source sentence that states it best
        m = best_match(engine, kp.point)
        if m.row is not None and model.verdict(m)[0] != "not_in_sources":
            rows = [m.row]
    by = []
    for i, (s, m) in enumerate(zip(checked, matches, strict=True), 1):
        said = any(p.lower() in s.text.lower() for p in kp.phrasings)
        same_source = s.verdict == "supported" and any(x.row in rows for x in m)
        if said or same_source or _states(encode, model, s.text, kp.point) or \
                _source_states(engine, encode, model, s.text, rows):
            by.append(i)
    return KeyPointCheck(kp.point, bool(by), [cite(r) for r in rows[:2]], by)


def _source_states(engine, encode, model: CheckModel, sentence: str, rows: list[int]) -> bool:
    """Does one of the key point's own source sentences state the student's sentence, or one of its clauses?
    (The same fitted decision as a sentence's verdict, against those sentences only.)"""
    fz = engine.features
    for part in dict.fromkeys([sentence, *clauses(sentence)]):
        v = encode(part)
        for r in rows:
            if model.verdict(compare(fz, part, r, float(fz.lib.vectors[r] @ v)))[0] == "supported":
                return True
    return False


def _states(encode, model: CheckModel, sentence: str, point: str) -> bool:
    """Does the student's sentence state the point? Cosine and word overlap of the two, scored with the
    stated model's weights (facts are not compared: a key point seldom carries a date)."""
    cos = float(encode(sentence) @ encode(point))
    ov = overlap(point, sentence)
    m = Match(0, cos, ov, ov, ov, ov, 0.0)
    return float(model.stated.prob(np.array([m.features]))[0]) >= model.cover_threshold


class _Vectors:
    """Unit vectors of texts, each encoded once per check (key points compare every sentence and clause
    with every point: encoding each pair again cost 8 of 11 seconds on a 54-sentence answer)."""

    def __init__(self, encode):
        self.encode, self.seen = encode, {}

    def __call__(self, text: str) -> np.ndarray:
        if text not in self.seen:
            v = np.asarray(self.encode(text), dtype=np.float32)
            self.seen[text] = v / (np.linalg.norm(v) + 1e-9)
        return self.seen[text]


def evaluation_key_points(question: str, path: str | Path | None = None) -> list[KeyPointInput] | None:
    """The key points the evaluation set gives this question (same wording, case and spacing aside), or None."""
    from eval.evalset import load

    want = _norm(question)
    for q in load(path):
        if _norm(q.question) == want and q.answerable:
            return [KeyPointInput(kp.point, kp.phrasings, tuple((e.doc, e.quote) for e in kp.evidence))
                    for kp in q.key_points]
    return None


def _norm(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower().replace("’", "'")).split())
