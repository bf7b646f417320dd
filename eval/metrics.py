"""Scoring one system's output on one question, and summarising over the set.

Plain functions over plain data: ranked passage ids with their character spans, and answers as dicts
(sentences with footnote numbers, citations with offsets). Every metric is defined here once, in words
(DEFINITIONS, shown in the report) and in code beside it. This module does not run any system.

Spans: a gold quote is *inside* a passage when both are in the same document and the quote's
character span lies within the passage's; a citation *lands on* gold evidence when its span overlaps a
gold quote's span in the same document.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from .evalset import Evidence, KeyPoint, Question

KS = (1, 3, 5)  # retrieval cut-offs
SUPPORT_COSINE = 0.6  # a sentence is supported by a quote it does not repeat verbatim if their cosine is this high

# The targets of MISSION.md, as (metric key, threshold, what it is in words).
TARGETS = [
    ("hit@5", 0.97, "gold evidence in the top 5 passages"),
    ("citation_precision", 0.98, "citations that support their sentence"),
    ("kp_coverage", 0.80, "key points stated"),
    ("answered", 0.95, "in-corpus questions answered"),
    ("declined", 0.95, "out-of-corpus questions declined"),
]

DEFINITIONS = {
    "hit@k": "Share of answerable questions for which at least one of the top k passages contains a gold "
             "evidence quote (the quote's characters lie inside the passage, same document). "
             "'hit@5' is the target 'gold passage in the top 5'.",
    "recall@k": "Share of all key points (over the answerable questions) with at least one of their gold "
                "quotes inside the top k passages: how much of what a good answer needs was retrieved.",
    "mrr": "Mean reciprocal rank: 1/rank of the first top-5 passage that contains any gold quote "
           "(0 when none does), averaged over answerable questions. 1.0 means gold evidence always comes first.",
    "answered": "Share of answerable (in-corpus) questions that got an answer rather than a refusal.",
    "declined": "Share of unanswerable (out-of-corpus) questions where the system said its sources do not "
                "cover the question.",
    "citation_precision": "Share of all citations that support the sentence they are attached to: the cited "
                          "quote overlaps a gold evidence quote, or the sentence passes the support check "
                          f"against the quote (the sentence is contained word for word in the quote, or their "
                          f"embedding cosine is at least {SUPPORT_COSINE}). An extractive answer sentence IS its "
                          "quote, so for extractive answers this is 100% by construction; see the next line.",
    "citation_on_gold": "The stricter check, over answers to answerable questions: share of citations whose "
                        "quote overlaps a gold evidence quote of that question. A citation off gold may still "
                        "be relevant (the set lists 1-3 quotes per key point, not every usable sentence).",
    "answers_citing_gold": "Share of answers to answerable questions with at least one citation on gold "
                           "evidence. Unlike the line above it does not fall as an answer cites more sentences "
                           "(the baselines cite one, Footnote about five).",
    "first_on_gold": "The answer first: share of answers to answerable questions whose first citation (the "
                     "opening sentence's) overlaps a gold evidence quote.",
    "citation_recall": "ALCE-style: share of answer sentences fully supported by their own citations (the "
                       "same support check, against the cited quotes together). A sentence without a "
                       "citation counts as unsupported.",
    "kp_coverage": "Share of all key points (over the answerable questions) that the answer states: one of "
                   "the point's phrasings appears, ignoring case, in the answer text or in a quote it cites. "
                   "A refusal states nothing.",
    "latency": "Footnote: the engine's own timing of the whole answer (retrieve, decide, compose), "
               "answer.timings_ms['total']. Baselines: their retrieval call only (Dense only: with embedding the "
               "question).",
}


@dataclass(frozen=True)
class Span:
    doc: str
    start: int
    end: int


def inside(ev: Evidence, span: Span) -> bool:
    return ev.doc == span.doc and span.start <= ev.start and ev.end <= span.end


def overlaps(ev: Evidence, span: Span) -> bool:
    return ev.doc == span.doc and span.start < ev.end and ev.start < span.end


# --- retrieval ------------------------------------------------------------------------------------

def retrieval(q: Question, ranked: Sequence[str], spans: dict[str, Span]) -> dict:
    """Where gold evidence sits in one ranked list of passage ids (answerable questions only)."""
    def first_rank(evs) -> int | None:
        return next((r for r, pid in enumerate(ranked, 1) if any(inside(ev, spans[pid]) for ev in evs)), None)

    gold_rank = first_rank(q.gold)
    found_at = [first_rank(kp.evidence) for kp in q.key_points]
    return {
        "gold_rank": gold_rank,
        "gold_at": [any(inside(ev, spans[pid]) for ev in q.gold) for pid in ranked],
        "rr": 1.0 / gold_rank if gold_rank else 0.0,
        "hit": {str(k): bool(gold_rank and gold_rank <= k) for k in KS},
        "kp_found_at": found_at,
        "recall": {str(k): sum(1 for r in found_at if r and r <= k) / len(found_at) for k in KS},
    }


# --- answers --------------------------------------------------------------------------------------

def _norm(s: str) -> str:
    return " ".join(re.sub(r"[^\w]+", " ", s.replace("’", "'").lower()).split())


def verbatim(sentence: str, quote: str) -> bool:
    """Is the sentence the quote, or a piece of it (ignoring case, punctuation and spacing)?"""
    s = _norm(sentence)
    return bool(s) and s in _norm(quote)


class Support:
    """The support check: verbatim containment, else embedding cosine ≥ SUPPORT_COSINE."""

    def __init__(self, embed: Callable[[list[str]], np.ndarray]):
        self.embed = embed  # texts -> unit-length rows
        self._cache: dict[str, np.ndarray] = {}

    def cosine(self, a: str, b: str) -> float:
        missing = [t for t in (a, b) if t not in self._cache]
        if missing:
            for t, v in zip(missing, self.embed(missing), strict=True):
                self._cache[t] = v
        return float(self._cache[a] @ self._cache[b])

    def __call__(self, sentence: str, quotes: list[str]) -> tuple[bool, str]:
        """(supported, how) for a sentence against the quotes it cites."""
        if not quotes:
            return False, "no citation"
        if any(verbatim(sentence, q) for q in quotes):
            return True, "verbatim"
        cos = self.cosine(sentence, " ".join(quotes))
        return cos >= SUPPORT_COSINE, f"cosine {cos:.2f}"


def stated(kp: KeyPoint, texts: Sequence[str]) -> str | None:
    """The first phrasing of the key point found (ignoring case) in any of the texts."""
    hay = [t.lower() for t in texts]
    return next((p for p in kp.phrasings if any(p.lower() in h for h in hay)), None)


def score_answer(q: Question, answer: dict, support: Support) -> dict:
    """Fill in, for one answer dict ({abstained, text, sentences[{text, citations}], citations[{n, doc_id,
    start, end, quote}]}), which citations support their sentence and land on gold, which sentences are
    supported, and which key points it states. Returns the answer dict, extended."""
    cits = {c["n"]: c for c in answer["citations"]}
    for c in answer["citations"]:
        span = Span(c["doc_id"], c["start"], c["end"])
        c["on_gold"] = any(overlaps(ev, span) for ev in q.gold) if q.answerable else None
        c["supports"] = False
    for s in answer["sentences"]:
        quotes = [cits[n]["quote"] for n in s["citations"] if n in cits]
        s["supported"], s["how"] = support(s["text"], quotes)
        for n in s["citations"]:
            if n in cits:
                c = cits[n]
                c["supports"] = c["supports"] or bool(c["on_gold"]) or support(s["text"], [c["quote"]])[0]
    if q.answerable:
        texts = [] if answer["abstained"] else [answer["text"], *(c["quote"] for c in answer["citations"])]
        answer["key_points"] = [{"point": kp.point, "stated": stated(kp, texts)} for kp in q.key_points]
        answer["kp_coverage"] = sum(1 for k in answer["key_points"] if k["stated"]) / len(q.key_points)
    else:
        answer["key_points"], answer["kp_coverage"] = [], None
    return answer


# --- summary --------------------------------------------------------------------------------------

def _share(xs: list[bool]) -> float | None:
    return sum(xs) / len(xs) if xs else None


def summarise(questions: list[Question], runs: list[dict]) -> dict:
    """Headline metrics of one system over the set. `runs[i]` is its output on `questions[i]`:
    {retrieval, answer, latency_ms}. A metric with nothing to count is None."""
    ans = [(q, r) for q, r in zip(questions, runs, strict=True) if q.answerable]
    una = [(q, r) for q, r in zip(questions, runs, strict=True) if not q.answerable]
    out: dict = {"questions": len(questions), "answerable": len(ans), "unanswerable": len(una)}
    for k in KS:
        out[f"hit@{k}"] = _share([r["retrieval"]["hit"][str(k)] for _, r in ans])
        out[f"recall@{k}"] = _share([bool(f and f <= k) for _, r in ans for f in r["retrieval"]["kp_found_at"]])
    out["mrr"] = float(np.mean([r["retrieval"]["rr"] for _, r in ans])) if ans else None
    out["answered"] = _share([not r["answer"]["abstained"] for _, r in ans])
    out["declined"] = _share([r["answer"]["abstained"] for _, r in una])
    answered = [r["answer"] for _, r in zip(questions, runs, strict=True) if not r["answer"]["abstained"]]
    out["citation_precision"] = _share([c["supports"] for a in answered for c in a["citations"]])
    out["citation_on_gold"] = _share([c["on_gold"] for _, r in ans if not r["answer"]["abstained"]
                                      for c in r["answer"]["citations"]])
    out["answers_citing_gold"] = _share([any(c["on_gold"] for c in r["answer"]["citations"]) for _, r in ans
                                         if not r["answer"]["abstained"]])
    # The answer first: the opening sentence's first footnote is gold evidence.
    out["first_on_gold"] = _share([bool(r["answer"]["citations"]) and bool(r["answer"]["citations"][0]["on_gold"])
                                   for _, r in ans if not r["answer"]["abstained"]])
    out["citation_recall"] = _share([s["supported"] for a in answered for s in a["sentences"]])
    out["kp_coverage"] = _share([bool(k["stated"]) for _, r in ans for k in r["answer"]["key_points"]])
    lat = [r["latency_ms"] for r in runs]
    out["latency_p50_ms"] = float(np.percentile(lat, 50)) if lat else None
    out["latency_p95_ms"] = float(np.percentile(lat, 95)) if lat else None
    return out


def misses(q: Question, run: dict) -> list[str]:
    """The per-question targets this answer misses, as metric keys."""
    a = run["answer"]
    if not q.answerable:
        return [] if a["abstained"] else ["declined"]
    out = []
    if not run["retrieval"]["hit"]["5"]:
        out.append("hit@5")
    if a["abstained"]:
        out.append("answered")
    if not all(c["supports"] for c in a["citations"]):
        out.append("citation_precision")
    if (a["kp_coverage"] or 0.0) < dict((k, t) for k, t, _ in TARGETS)["kp_coverage"]:
        out.append("kp_coverage")
    return out
