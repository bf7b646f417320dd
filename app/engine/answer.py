"""The answer a user gets: sentences, each with footnotes, and the citations they point to.

A Citation is exact: `clean_text[start:end] == quote`, and `passage` is the whole passage around it,
so any front end can show the passage with the quoted words highlighted. This module only holds data.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Citation:
    n: int
    doc_id: str
    title: str
    kind: str
    passage_id: str
    start: int  # offsets of the quote in the document's clean text
    end: int
    quote: str
    passage: str
    passage_start: int  # offset of the passage in the clean text (quote sits at start - passage_start)
    page: int | None = None  # the page the quote starts on, for a PDF; None for a text without pages
    speaker: str | None = None  # whose words or view the quote gives, when the source says (speakers.py)

    @property
    def label(self) -> str:
        """The footnote's source in a few words: who says it when the source names them, its title, and
        its page when it has one ("William Shirer, in …, p. 12")."""
        where = f"{self.title}, p. {self.page}" if self.page else self.title
        return f"{self.speaker}, in {where}" if self.speaker else where

    def to_json(self) -> dict:
        out = {"n": self.n, "doc_id": self.doc_id, "title": self.title, "passage_id": self.passage_id,
               "start": self.start, "end": self.end, "quote": self.quote, "passage": self.passage}
        if self.page:
            out["page"] = self.page
        if self.speaker:
            out["speaker"] = self.speaker
        return out


def with_kind(name: str, kind: str) -> str:
    """A source's name with its kind in brackets, for a reference line ("Soviet Foreign Policy 1919–1945
    (student essay)"), unless the name already says it ("Soviet Foreign Policy under Stalin (mind map)")."""
    return name if not kind or kind.lower() in name.lower() else f"{name} ({kind})"


@dataclass
class AnswerSentence:
    text: str  # as displayed (artefacts such as stray quote marks tidied)
    citations: list[int]  # footnote numbers
    supported: bool = True  # False: a generated sentence its citations do not support
    note: str = ""


@dataclass
class Nearest:
    doc_id: str
    title: str
    passage_id: str
    passage: str
    score: float


@dataclass
class Answer:
    question: str
    sentences: list[AnswerSentence]
    citations: list[Citation]
    abstained: bool
    nearest: list[Nearest] = field(default_factory=list)
    timings_ms: dict[str, float] = field(default_factory=dict)
    mode: str = "extractive"
    warnings: list[str] = field(default_factory=list)
    evidence: dict[str, float] = field(default_factory=dict)  # the abstention features, for eval and debugging
    resolved_question: str | None = None  # a follow-up rewritten against earlier turns (conversation.py)
    # a decline that says what is missing: "The sources mention Litvinov but do not say when." (answer_types.py)
    not_said: str = ""

    @property
    def text(self) -> str:
        """The answer with [n] markers after each sentence."""
        if self.abstained:
            return self.not_said or ABSTAIN_TEXT
        return " ".join(s.text + "".join(f"[{n}]" for n in s.citations) for s in self.sentences)

    def to_json(self) -> dict:
        return {
            "question": self.question,
            "resolved_question": self.resolved_question,
            "answer": self.text,
            "abstained": self.abstained,
            "citations": [c.to_json() for c in self.citations],
            "timings_ms": {k: round(v, 2) for k, v in self.timings_ms.items()},
            "mode": self.mode,
            "unsupported": [s.text for s in self.sentences if not s.supported],
            "warnings": self.warnings,
            "nearest": [{"doc_id": n.doc_id, "passage_id": n.passage_id, "passage": n.passage} for n in self.nearest],
        }


ABSTAIN_TEXT = "The sources do not cover this question, so Footnote will not answer it."
