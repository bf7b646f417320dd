"""Why-questions answered with the reasons the sources give: which candidate sentence should open the
answer to a question that asks for a cause, motive or purpose.

The fitted ranker (ranker.py) finds the sentences about the question's topic; for a why-question that is
not enough: the sentence most like "Why did Stalin sign the pact?" is often what happened after the pact.
This module reads each candidate's reading (ingest/reading.py: the causes, motives, purposes and means the
sentence states, whether it follows from the sentence before or gives the reason for it) against the
question, and a logistic model fitted on the `reason` questions of the public squad-train set (article-wise
folds, `python -m eval.fit_reasons`) turns that, with the ranker's own probability, into the probability
that the sentence holds the reason. Nothing here knows one corpus.

What it does not do: decide whether to answer (core.py), compose the answer (compose.py, argue.py), or
answer a question that asks for consequences ("Why did X matter?", "What was the effect of X?"): those
keep the ranker's order.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ingest.reading import VERDICT

from . import period
from .compose import ARGUED_CHAIN
from .retrieve import STOPWORDS, stems, words
from .sentences import next_in_paragraph, prev_in_paragraph

FITTED = Path(__file__).with_name("reason_model.json")

# Questions that ask for a cause, motive or purpose, and not for what followed. Checked against the
# `reason` flags of all 87,311 squad-train questions by eval/fit_reasons.py (its report prints the
# agreement); the flags are the dataset's own rule, not ours.
_ASKS = re.compile(
    r"\bwhy\b|\bhow come\b|\bfor what (reason|purpose)\b|\bwhat (was|were|is|are) (the |one of the |one |some of the |"
    r"two |three )?(main |chief |key |major |primary |principal |original |stated |official |real |underlying )?"
    r"(reasons?|causes?|motives?|motivations?|purposes?|rationale|justifications?)\b|"
    r"\bwhat (caused|led|prompted|motivated|drove|made|forced|pushed|persuaded|convinced)\b|"
    r"\b(reasons?|causes?|motives?) (for|of|behind)\b|"
    r"\b(what|which|whose)( \w+){0,3} (caused|causes|cause|led to|leads to|resulted in|results in|prompted|"
    r"triggered|sparked)\b|\b(what|which)( \w+){0,2} (reasons?|causes?|motives?|purposes?|motivations?|grounds)\b|"
    r"\bbecause of\W*$|\bon what grounds\b", re.IGNORECASE)
_CONSEQUENCE = re.compile(r"\bwhy (did|does|do|was|is|were|are) .*\b(matter|matters|mattered|important|significant)\b|"
                          r"\b(effects?|impacts?|consequences?|results?|significance|outcomes?) of\b|"
                          r"\bwhat happened (after|next|as a result)\b", re.IGNORECASE)
_AFTER = re.compile(r"^[\"“'‘(]*(after|following|since then|later|subsequently|afterwards)\b", re.IGNORECASE)

KINDS = ("because", "as", "due", "fear", "purpose", "motive", "led", "means")
FEATURES = ["logit", "top", "causal", *(f"kind_{k}" for k in KINDS), "cause_new", "effect_q",
            "link_back", "link_forward", "next_links_back", "prev_gives_reason", "says", "after_opening"]


def gives_reason(reading: dict | None) -> bool:
    """Does the sentence give a reason: a cause, motive, purpose or means the reading found in it?"""
    return any(c[0] in KINDS for c in (reading or {}).get("causes") or [])


def asks_reason(question: str) -> bool:
    """Whether the question asks for a cause, motive or purpose (not for consequences)."""
    return bool(_ASKS.search(question)) and not _CONSEQUENCE.search(question)


def content(text: str) -> set[str]:
    """The stems of a text's content words."""
    return set(stems([w for w in words(text) if w not in STOPWORDS]))


def features(lib, question: str, cands: list[int], probs: np.ndarray) -> np.ndarray:
    """One row of FEATURES per candidate sentence."""
    q = content(question)
    best = int(np.argmax(probs)) if len(probs) else -1
    rows = np.zeros((len(cands), len(FEATURES)), dtype=np.float32)
    for n, ix in enumerate(cands):
        s = lib.sentences[ix]
        r = s.reading or {}
        p = float(np.clip(probs[n], 1e-4, 1 - 1e-4))
        row = dict.fromkeys(FEATURES, 0.0)
        row["logit"] = float(np.log(p / (1 - p)))
        row["top"] = float(n == best)
        # The kinds the model was fitted on ("would", read since, is for the checker's key points)
        causes = [c for c in r.get("causes") or [] if c[0] in KINDS]
        row["causal"] = float(bool(causes))
        for kind, cs, ce, es, ee in causes:
            if kind in KINDS:
                row[f"kind_{kind}"] = 1.0
            cause = content(s.text[cs:ce])
            effect = content(s.text[es:ee])
            if cause:
                row["cause_new"] = max(row["cause_new"], len(cause - q) / len(cause))
            if q:
                row["effect_q"] = max(row["effect_q"], len(q & effect) / len(q))
        row["link_back"] = float(r.get("link") == "back")
        row["link_forward"] = float(r.get("link") == "forward")
        nxt = next_in_paragraph(lib, ix)
        if nxt is not None and (lib.sentences[nxt].reading or {}).get("link") == "back":
            row["next_links_back"] = 1.0
        prv = prev_in_paragraph(lib, ix)
        if prv is not None and ((lib.sentences[prv].reading or {}).get("link") == "forward"):
            row["prev_gives_reason"] = 1.0
        row["says"] = float(bool(r.get("says")))
        row["after_opening"] = float(bool(_AFTER.match(s.text)))
        rows[n] = [row[f] for f in FEATURES]
    return rows


@dataclass
class ReasonModel:
    weights: np.ndarray
    bias: float
    mean: np.ndarray
    std: np.ndarray
    features: list[str]

    def prob(self, X: np.ndarray) -> np.ndarray:
        z = ((X - self.mean) / self.std) @ self.weights + self.bias
        return 1.0 / (1.0 + np.exp(-z))

    def to_json(self) -> dict:
        return {"features": self.features, "weights": self.weights.tolist(), "bias": self.bias,
                "mean": self.mean.tolist(), "std": self.std.tolist()}

    @classmethod
    def from_json(cls, d: dict) -> ReasonModel:
        return cls(np.array(d["weights"], dtype=np.float32), float(d["bias"]), np.array(d["mean"], dtype=np.float32),
                   np.array(d["std"], dtype=np.float32), list(d["features"]))


_loaded: ReasonModel | None = None


def load() -> ReasonModel | None:
    """The fitted model (reason_model.json), or None when it has not been fitted or names other features."""
    global _loaded
    if _loaded is None and FITTED.exists():
        d = json.loads(FITTED.read_text(encoding="utf-8"))
        if d.get("features") == FEATURES:
            _loaded = ReasonModel.from_json(d)
    return _loaded


def asked_verdict(question: str) -> int:
    """+1 when a why-question asks why something is judged a success, -1 a failure, else 0 ("Why might
    the pact be judged a failure?"); the verdict words are the reading's own (ingest/reading.py)."""
    if not asks_reason(question):
        return 0
    found = {VERDICT[w] for w in words(question) if w in VERDICT}
    return found.pop() if len(found) == 1 else 0


def verdict_of(reading: dict | None) -> int:
    """The judgement a sentence makes: +1 success, -1 failure, 0 none; "this isn't a failure" is +1."""
    v = (reading or {}).get("verdict") or []
    return (-v[0] if v[1] else v[0]) if v else 0


def _read_for_reasons(lib, question: str, cands: list[int]) -> bool:
    """A reason question with candidates whose index has their reading (not one from before readings)."""
    return bool(len(cands)) and asks_reason(question) and any(lib.sentences[ix].reading for ix in cands)


def model_reads(lib, question: str, cands: list[int], model: ReasonModel | None = None) -> bool:
    """Whether `rescore` orders these candidates by the fitted model: a reason question, a fitted model
    (reason_model.json, or the fitting command's own), and an index whose sentences have their reading."""
    return (model if model is not None else load()) is not None and _read_for_reasons(lib, question, cands)


def rescore(lib, question: str, cands: list[int], probs: np.ndarray, model: ReasonModel | None = None,
            run: list[int] = ()) -> np.ndarray:
    """The candidates' probabilities of holding the answer: for a reason question, of holding the reason
    (the fitted model); for any other question, or with no reading in the index, the ranker's own. A
    question that asks why something is judged a failure (or a success) opens with a sentence that makes
    that judgement when any candidate does: the others keep their order after it."""
    model = model if model is not None else load()
    if not _read_for_reasons(lib, question, cands):
        return probs  # not a reason question, or an index from before readings
    out = model.prob(features(lib, question, cands, probs)).astype(probs.dtype) if model is not None else probs.copy()
    # A reason is a statement: a heading or list line (no event the parser finds, no full stop: a mind map's
    # "1922 Treaty of Rapallo with Germany") does not open the answer while another candidate can. (As a
    # fitted feature, eventless lines got no weight: squad-train's candidates nearly all have a verb; a rule
    # on every eventless sentence cost 3 of its 1,518 reason questions, parse failures among them.)
    out = _after_the_rest(out, np.array([not _heading(lib.sentences[ix]) for ix in cands]))
    # What the question's event was followed by is not its cause: "After the pact was signed, Stalin sent
    # Germany resources" does not open "Why did Stalin sign the pact?" while another candidate can.
    q = content(question)
    follows = np.array([_follows(lib.sentences[ix].text, q) for ix in cands])
    out = _after_the_rest(out, ~follows)
    if run:  # the reasons a concluding sentence points back at (`stated_reasons`) open the answer
        out = _after_the_rest(out, np.array([ix in run[:-1] for ix in cands]))
    # The period the question names ("after the First World War", "in the 1920s"): sentences about it
    # come before those about other years (period.py).
    asked = period.asked(question)
    if asked is not None:
        out = _after_the_rest(out, np.array([bool(period.within(lib, ix, asked)) for ix in cands]))
    wanted = asked_verdict(question)
    if wanted:
        # A judging sentence often leans on the one before it ("This was a failure ... because ..."), and
        # the composer weighs such a chain at ARGUED_CHAIN of its own worth: the others go below that.
        out = _after_the_rest(out, np.array([verdict_of(lib.sentences[ix].reading) == wanted for ix in cands]),
                              ARGUED_CHAIN)
    return out


# A paragraph that ends its argument with "Thus ..." or "As a result ..." sets the scene in its first
# sentence and gives the reasons between: at most this many of them are quoted before the conclusion.
REASONS_BEFORE = 4
SAYS_ASKED = 0.5  # the share of the question's rarity-weighted words a concluding sentence names
# The reading's link back includes "As a result of X, ..." and "In response to X, ...", which name their
# own cause in the sentence: they conclude no argument before them.
_OWN_CAUSE = re.compile(r"^[\"“'‘(]*(as a (result|consequence) of|in (response|reaction) to|because of)\b", re.IGNORECASE)


def stated_reasons(lib, question: str, cands: list[int], probs: np.ndarray, idf: Callable[[str], float]) -> list[int]:
    """The sources' own argument for the asked event, in reading order, ending with the sentence that
    concludes it, or []: a candidate that links back to the sentences before it (the reading's "Thus",
    "As a result", "This led ...") and names most of the question's words, and gives no reason of its own
    (one that does, "... best described as schizophrenic as the Soviet leadership aided ...", answers by
    itself). "Thus, in August, 1939 the two powers cynically concluded the Nazi-Soviet Non-Aggression
    Pact" ends "Stalin looked at the world situation and concluded that only by allying with Hitler could
    he best protect Soviet interests. A pact with Germany would buy time ..." The paragraph's first sentence
    sets the scene ("By mid-1939 tensions were mounting ...") and is left out, unless it is the only one.

    "Names most" is weighed by rarity (`idf`): at least two of the question's words and most of its
    weight (SAYS_ASKED), so "As a result, the victims of this disease do not ... travel very far" does not
    conclude "Why did the seismic waves travel so far?"."""
    if not asks_reason(question) or _CONSEQUENCE.search(question):
        return []
    q = content(question)
    weight = sum(idf(w) for w in q) or 1.0

    def says_asked(ix: int) -> bool:
        shared = content(lib.sentences[ix].text) & q
        return len(shared) >= 2 and sum(idf(w) for w in shared) >= SAYS_ASKED * weight

    concluding = [(float(p), ix) for p, ix in zip(probs, cands, strict=True)
                  if (lib.sentences[ix].reading or {}).get("link") == "back" and says_asked(ix)
                  and not gives_reason(lib.sentences[ix].reading) and not _OWN_CAUSE.match(lib.sentences[ix].text)]
    asked = period.asked(question)
    if asked is not None:  # an argument about other years than the question's does not answer it
        concluding = [(p, ix) for p, ix in concluding if period.within(lib, ix, asked) is not False]
    if not concluding:
        return []
    p_end, end = max(concluding)
    if p_end >= float(np.max(probs)):
        return []  # the ranker's own first choice answers as it stands (squad-train figures: docs/reading.md)
    before = []
    j = prev_in_paragraph(lib, end)
    while j is not None:
        before.insert(0, j)
        j = prev_in_paragraph(lib, j)
    window = before[1:] if len(before) > 1 else before
    return [*window[-REASONS_BEFORE:], end] if window else []


def _names_most(said: set[str], question: set[str]) -> bool:
    return bool(question) and len(said & question) >= max(2, (len(question) + 1) // 2)


def opens_by_rule(lib, question: str, rows: list[int]) -> bool:
    """Whether the opening quotation (its sentence rows) makes the judgement the question asks about, so
    the argued composer keeps it first whatever its probability."""
    wanted = asked_verdict(question)
    return bool(wanted) and any(verdict_of(lib.sentences[row].reading) == wanted for row in rows)


def _after_the_rest(scores: np.ndarray, first: np.ndarray, share: float = 1.0) -> np.ndarray:
    """The candidates in `first` ahead of all others (when there are any): every other score is lowered
    to just below `share` of the best of them; the order within each group is kept."""
    if not first.any() or first.all():
        return scores
    cap = np.nextafter(share * scores[first].max(), 0)
    out = np.where(first, scores, np.minimum(scores, cap))
    # Those lowered to the cap keep their order below it (a tie would be broken by candidate order).
    lowered = np.flatnonzero(~first & (scores > cap))
    lowered = lowered[np.argsort(-scores[lowered], kind="stable")]
    out[lowered] = cap * (1 - 1e-6 * np.arange(len(lowered)))
    return out


_FULL_STOP = re.compile(r"[.!?][\"'”’)\]]*\s*$")


def _heading(sentence) -> bool:
    """A line that states nothing: the parser finds no event in it and it does not end as a sentence does."""
    return not (sentence.reading or {}).get("events") and not _FULL_STOP.search(sentence.text)


_OPENING = re.compile(r"^[\"“'‘(]*(after|following|once|since)\b([^,;]{3,120})[,;]", re.IGNORECASE)


def _follows(text: str, question: set[str]) -> bool:
    """The sentence opens with a time clause naming most of the question's words: it says what came after."""
    m = _OPENING.match(text)
    if not m or not question:
        return False
    return _names_most(content(m.group(2)), question)
