"""What kind of thing a question asks for, as a probability over spaCy's entity labels, and whether a
sentence holds such a thing that the question does not already name.

"Who took over from Litvinov?" asks for a PERSON; "How much did the Louisiana Purchase cost?" for MONEY;
"What does ATP stand for?" for no named entity at all (NONE). The probabilities come from a multinomial
logistic regression over the question's wording (its wh-word and the words after it, and its words),
fitted by `python -m eval.fit_answer_types` on squad-train questions whose gold answer was read by the
same parser the sentences are read with at ingest (ingest/reading.py): the label of the entity that the
gold answer is, or NONE. It is fitted on articles that neither the ranker's fit nor any figure reported
on it uses, and stored in `answer_type_model.json` beside this file. A question is read with plain
string operations (no parse at answer time: about 20 microseconds a question).

This module computes; the fitted ranker (features.py) and the abstention model decide what it means.
"""

from __future__ import annotations

import json
import re
from functools import cache, lru_cache
from pathlib import Path

import numpy as np

MODEL = Path(__file__).with_name("answer_type_model.json")
WH = ("who", "whom", "whose", "what", "which", "when", "where", "why", "how")
_TOKEN = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?")
# Entity labels that never answer a question by themselves in the training data are folded into NONE at
# fitting time (eval/fit_answer_types.py); the labels the model knows are in its file.


def question_features(question: str) -> list[str]:
    """The question's wording as sparse features: its wh-word with the one and two words after it (where
    the asked-for type is said: "what year", "how many people"), its first word, and every word."""
    toks = _TOKEN.findall(question.lower().replace("’", "'"))
    out = [f"w={t}" for t in dict.fromkeys(toks)]
    if toks:
        out.append(f"first={toks[0]}")
    at = next((i for i, t in enumerate(toks) if t in WH), None)
    if at is None:
        out.append("wh=none")
    else:
        nxt = toks[at + 1 : at + 3]
        out.append(f"wh={toks[at]}")
        if nxt:
            out.append(f"wh1={toks[at]}_{nxt[0]}")
        if len(nxt) > 1:
            out.append(f"wh2={toks[at]}_{nxt[0]}_{nxt[1]}")
    return out


class AnswerTypes:
    def __init__(self, d: dict):
        self.labels: list[str] = list(d["labels"])
        self.vocab: dict[str, int] = {f: i for i, f in enumerate(d["features"])}
        self.coef = np.asarray(d["coef"], dtype=np.float32)  # features x labels
        self.intercept = np.asarray(d["intercept"], dtype=np.float32)
        self.report = d.get("report", {})

    def probs(self, question: str) -> dict[str, float]:
        z = self.intercept.copy()
        for f in question_features(question):
            i = self.vocab.get(f)
            if i is not None:
                z += self.coef[i]
        e = np.exp(z - z.max())
        p = e / e.sum()
        return {lab: float(x) for lab, x in zip(self.labels, p, strict=True)}


@cache
def model(path: Path = MODEL) -> AnswerTypes | None:
    """The fitted model, or None when its file is missing (the features then read 0)."""
    try:
        return AnswerTypes(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError):
        return None


@lru_cache(maxsize=4096)
def expected(question: str) -> dict[str, float]:
    """P(label) of the question's answer, NONE included; {} without a fitted model."""
    m = model()
    return m.probs(question) if m else {}


def entities(reading: dict | None, text: str) -> list[tuple[str, int, int, set[str]]]:
    """A sentence's entities as its reading at ingest found them: (label, start, end, their words)."""
    return [(label, start, end, question_words(text[start:end])) for start, end, label in (reading or {}).get("ents", ())]


def new_entities(ents: list[tuple[str, int, int, set[str]]], asked: set[str]) -> list[tuple[str, int, int]]:
    """Those of a sentence's `entities` that the question does not already name: an entity counts as named
    when all of its words are in the question."""
    return [(label, start, end) for label, start, end, ws in ents if ws and not ws <= asked]


def fit_of(probs: dict[str, float], labels: set[str]) -> float:
    """How likely the question's answer is one of these entity labels (at most 1)."""
    return min(1.0, sum(probs.get(lab, 0.0) for lab in labels))


def question_words(text: str) -> set[str]:
    """Lower-case words, a possessive "'s" left off ("Litvinov's" is "litvinov")."""
    return {t.removesuffix("'s") for t in _TOKEN.findall(text.lower().replace("’", "'"))}


# What a question asking for each kind of thing asks, in the words of "The sources mention X but do not
# say ...", and the entity labels of that kind.
ASKS = {"when": ("DATE", "TIME"), "who": ("PERSON",), "where": ("GPE", "LOC", "FAC"),
        "how many": ("CARDINAL", "QUANTITY"), "how much": ("MONEY",), "what share": ("PERCENT",)}
SAY_MISSING = 0.5  # a declined question gets "do not say when" only where the type model finds it more likely
# than not to ask for that kind of thing (its own probability, not a tuned threshold)


def not_said(question: str, subject: list[str]) -> str | None:
    """For a declined question about names the sources do mention: "The sources mention Litvinov but do
    not say when." when the question most likely asks for a date, a person, a place or a number; else None
    (the plain decline). The decline itself is the abstention model's."""
    probs = expected(question)
    if not subject or not probs or probs.get("NONE", 0.0) >= SAY_MISSING:
        return None
    # The question's own wh-word says what it asks where it has one ("When was Chicherin born?" is a
    # "when" though the model splits it between DATE and CARDINAL, since squad's years are often bare
    # numbers); a "what" or "which" question takes the model's most likely kind.
    m = _ASKED.search(question.lower())
    if m:
        asks = m.group(1)
    else:
        asks, p = max(((k, sum(probs.get(lab, 0.0) for lab in labs)) for k, labs in ASKS.items()), key=lambda x: x[1])
        if p < SAY_MISSING:
            return None
    return f"The sources mention {' and '.join(subject)} but do not say {asks}."


_ASKED = re.compile(r"\b(when|who|where|how many|how much)\b")
