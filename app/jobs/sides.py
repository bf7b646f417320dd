"""Which side of an essay question's claim a sentence of the sources is on, read from what the sentence
says (the ingest's reading, ingest/reading.py) rather than from the words it shares with the question.

Two kinds of claim are read this way:
- **A driver** ("driven by fear of Germany", "caused by religious disputes", "a response to ..."): the
  claim names a factor. A sentence is evidence *for* when it is about that factor: its embedding is at
  least one standard deviation closer to the factor than the library's sentences are on average
  (`FOR_Z`) and it names one of the factor's own words, or it is two standard deviations closer. Closeness
  alone is topical ("Stalin opted for Socialism in one country" is close to "the desire to spread
  revolution" and argues against it), so a sentence must also name the factor unless it is very close. The factor is first widened with the five sentences of the library closest to it (Rocchio's
  pseudo-relevance feedback, the textbook query expansion), so "Nazi Germany was now the major threat"
  and "collective security ... to stop fascist expansion" count for "fear of Germany" although neither
  says "fear". A sentence is evidence of *another factor* when it gives a motive, aim, cause or policy
  (the reading's causes, or an aim or policy it names) and is no closer to the factor than the library's
  average (`AGAINST_Z`), and names nothing of the factor's own words; or when it negates an event whose
  doer or object the factor names ("Stalin not supporting a World Wide Revolution" against "the desire to
  spread revolution"). A sentence that judges success or failure (the reading's verdict) answers another
  question and is neither.
- **A verdict** ("How successful ...", "... successful?"): the reading's verdict, its polarity turned
  round when negated ("was not a success"), puts a sentence for (success) or against (failure).

The z bars are not fitted (there are no labelled essay plans to fit them on): one standard deviation
above the mean is the usual "clearly more than typical" bar, and "no closer than average" keeps a
sentence that leans even slightly towards the factor out of the case against it. Both are relative to
the library, so they carry over to a notebook of other articles. Any other claim (a characterisation
such as "a defensive move", or blame) has no reading here: plan.py plans it from its facets.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

import numpy as np

from app.engine.library import Library

FOR_Z = 1.0
AGAINST_Z = 0.0  # or the median of the sentences that bear on the question, when that is lower
COMMON_SHARE = 0.1
FEEDBACK = 5  # sentences added to the factor's query (Rocchio): enough to carry its vocabulary, few enough to stay on it

# How a question names a driver: "driven by X", "caused by X", "due to X", "the result of X", "a response
# to X", "motivated mainly by X". Question language, not knowledge of any corpus.
_FACTOR = re.compile(
    r"^(?:(?:mainly|chiefly|largely|primarily|only|simply|really|most(?:ly)?|above all)\s+)?"
    r"(?:(?:driven|caused|motivated|shaped|dictated|determined|influenced|inspired|governed|guided|prompted|"
    r"explained|fuel(?:l)?ed|brought about|provoked|triggered)\s+(?:\w+ly\s+)?by|(?:due|owing)\s+to|"
    r"(?:the\s+|a\s+)?(?:result|product|consequence|outcome)\s+of|(?:the\s+|a\s+)?(?:response|reaction)\s+to|"
    r"(?:based|founded|rooted)\s+(?:up)?on)\s+(?P<factor>.+)$", re.I)
# An aim or policy a sentence names, beside the reading's causes: "his main aim was", "aimed at",
# "the policy of", "opted for". General English.
_AIM = re.compile(r"\b(aims?|aimed|goals?|objectives?|intended|intentions?|ambitions?|motives?|policy of|opted|"
                  r"ideolog\w*|in order to|so as to|sought|wanted|wished)\b", re.I)


def factor_of(predicate: str | None) -> str | None:
    """The factor a claim names ("driven by fear of Germany": "fear of Germany"), or None."""
    m = _FACTOR.match((predicate or "").strip())
    return m.group("factor").strip(" ?.") if m else None


def _keys(text: str) -> set[str]:
    """The content words of a text as names compare them (stemmed, 'German' as 'Germany': check.name_key)."""
    from app.engine.retrieve import words

    from .check import name_key

    return {name_key(w) for w in words(text)}


def _denies(reading: dict, own: set[str]) -> bool:
    """Does the sentence deny the factor: an event it negates whose doer or object names the factor?"""
    for ev in reading.get("events") or []:
        if len(ev) > 4 and ev[4] and own & (_keys(ev[1] or "") | _keys(ev[2] or "")):
            return True
    return False


def verdict(reading: dict | None) -> int:
    """+1 when the sentence judges something a success, -1 a failure (negation turned round), 0 none."""
    v = (reading or {}).get("verdict") or []
    if not v:
        return 0
    return -v[0] if v[1] else v[0]


@dataclass
class Sides:
    """The side of each sentence of a library on one claim: +1 for, -1 against, 0 neither."""

    kind: str  # "factor" or "verdict"
    factor: str | None
    side: np.ndarray  # per library row
    z: np.ndarray | None = None  # per row, closeness to the factor in standard deviations (factor claims)

    def of(self, row: int) -> int:
        return int(self.side[row])


def read_sides(lib: Library, encode, kind: str, predicate: str | None, relevant: np.ndarray | None = None,
               scope: np.ndarray | None = None) -> Sides | None:
    """The sides of the library's sentences on the question's claim, or None for a claim of another
    kind (see the module's docstring). `relevant` marks the sentences that bear on the question (the
    planner's: close enough to cite); the case against is read among them. `scope` marks the sentences of
    the documents the essay draws on: the factor's neighbours and the average are taken among them."""
    n = len(lib.sentences)
    factor = factor_of(predicate) if kind == "extent" else None
    if factor:
        V = lib.vectors
        inside = scope if scope is not None and scope.any() else np.ones(n, dtype=bool)
        fv = np.asarray(encode(factor), dtype=np.float32)
        near = np.flatnonzero(inside)[np.argsort(-(V[inside] @ fv))[:FEEDBACK]]
        q = fv / np.linalg.norm(fv) + V[near].mean(axis=0)
        f = V @ (q / np.linalg.norm(q))
        z = (f - f[inside].mean()) / (f[inside].std() or 1.0)
        pool = z[relevant] if relevant is not None and relevant.any() else z
        against = max(AGAINST_Z, float(np.median(pool)))
        own = _keys(factor)
        # the factor's vocabulary, widened as its vector was: a word that at least two of the ten sentences
        # closest to the widened factor use and that is not among the documents' common words (in at most
        # one sentence in ten): "threat" and "security" for "fear of Germany", "communist" for "the desire to
        # spread revolution". A sentence using it is never evidence of another factor.
        wide = np.flatnonzero(inside)[np.argsort(-(V[inside] @ (q / np.linalg.norm(q))))[:2 * FEEDBACK]]
        counts = Counter(k for i in wide for k in _keys(lib.sentences[i].text))
        common = Counter(k for i in np.flatnonzero(inside) for k in _keys(lib.sentences[i].text))
        widened = own | {k for k, c in counts.items() if c >= 2 and common[k] <= COMMON_SHARE * inside.sum()}
        side = np.zeros(n, dtype=np.int8)
        for s in lib.sentences:
            reading = s.reading or {}
            if verdict(reading):
                continue  # a judgement of success answers another question
            if _denies(reading, own):
                side[s.ix] = -1  # "Stalin not supporting a World Wide Revolution": evidence against the factor
            elif z[s.ix] >= 2 * FOR_Z or z[s.ix] >= FOR_Z and own & _keys(s.text):
                side[s.ix] = 1  # close to the factor and naming it, or very close
            elif z[s.ix] <= against and (reading.get("causes") or _AIM.search(s.text)) and not widened & _keys(s.text):
                side[s.ix] = -1  # (a sentence that names the factor is never evidence of another one)
        return Sides("factor", factor, side, z)
    if kind == "evaluate":
        return Sides("verdict", None, np.array([verdict(s.reading) for s in lib.sentences], dtype=np.int8))
    return None
