"""The evaluation set: questions, the key points a good answer makes, and where the sources say them.

`load()` reads a questions file (format documented at the top of eval/questions.yaml) and checks its
shape; `locate()` finds every gold quote in the documents' clean text and records its offsets, so
metrics can compare character spans. Both raise EvalSetError with a message a teacher can act on.
This module knows nothing of the engine or of scoring.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from ingest.errors import FootnoteError

DEFAULT_QUESTIONS = Path(__file__).with_name("questions.yaml")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]*$")


class EvalSetError(FootnoteError):
    """A questions file that is missing, is not valid YAML, or does not match the sources."""


@dataclass(frozen=True)
class Evidence:
    doc: str
    quote: str
    start: int = -1  # offsets in the document's clean text, filled by locate()
    end: int = -1


@dataclass(frozen=True)
class KeyPoint:
    point: str
    phrasings: tuple[str, ...]
    evidence: tuple[Evidence, ...]


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    origin: str
    answerable: bool
    note: str = ""
    key_points: tuple[KeyPoint, ...] = field(default_factory=tuple)

    @property
    def gold(self) -> list[Evidence]:
        return [ev for kp in self.key_points for ev in kp.evidence]

    @property
    def best_doc(self) -> str | None:
        """The document that best answers the question (by convention, the first evidence's)."""
        return self.key_points[0].evidence[0].doc if self.key_points else None


def load(path: str | Path | None = None) -> list[Question]:
    """Read and shape-check a questions file."""
    import yaml

    path = Path(path) if path else DEFAULT_QUESTIONS
    if not path.is_file():
        raise EvalSetError(f"No questions file at {path}. Pass --questions FILE (format: see eval/questions.yaml).")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as e:
        where = getattr(e, "problem_mark", None)
        at = f" (line {where.line + 1})" if where else ""
        raise EvalSetError(f"{path} is not valid YAML{at}: {getattr(e, 'problem', None) or e}.") from e
    if not isinstance(data, dict) or not isinstance(data.get("questions"), list) or not data["questions"]:
        raise EvalSetError(f"{path} must have a top-level key `questions` holding a non-empty list.")

    problems: list[str] = []
    questions: list[Question] = []
    seen: set[str] = set()
    for i, raw in enumerate(data["questions"], 1):
        q = _question(raw, i, problems)
        if q is None:
            continue
        if q.id in seen:
            problems.append(f"{q.id}: the id is used twice")
        seen.add(q.id)
        questions.append(q)
    if problems:
        raise EvalSetError(_listing(f"{path} has {len(problems)} problem(s)", problems))
    return questions


def _question(raw, i: int, problems: list[str]) -> Question | None:
    if not isinstance(raw, dict):
        problems.append(f"entry {i}: not a mapping with id, question, answerable")
        return None
    qid = str(raw.get("id") or f"entry {i}")
    if not _ID.match(qid):
        problems.append(f"{qid}: ids use letters, digits and dashes only")
    text = raw.get("question")
    if not isinstance(text, str) or not text.strip():
        problems.append(f"{qid}: `question` is missing or empty")
        text = ""
    answerable = raw.get("answerable")
    if not isinstance(answerable, bool):
        problems.append(f"{qid}: `answerable` must be true or false")
        answerable = bool(answerable)
    kps = raw.get("key_points") or []
    if answerable and not kps:
        problems.append(f"{qid}: an answerable question needs at least one key point")
    if not answerable and kps:
        problems.append(f"{qid}: an unanswerable question has no key points")
    key_points = []
    for j, kp in enumerate(kps if isinstance(kps, list) else [], 1):
        where = f"{qid} key point {j}"
        if not isinstance(kp, dict):
            problems.append(f"{where}: not a mapping with point, phrasings, evidence")
            continue
        phrasings = kp.get("phrasings")
        if not isinstance(phrasings, list) or not phrasings or not all(isinstance(p, str) and p.strip()
                                                                       for p in phrasings):
            problems.append(f"{where}: `phrasings` must be a list of short phrases")
            phrasings = []
        evidence = []
        for ev in kp.get("evidence") or []:
            if not isinstance(ev, dict) or not isinstance(ev.get("doc"), str) or not isinstance(ev.get("quote"), str):
                problems.append(f"{where}: each evidence needs `doc` and `quote`")
                continue
            evidence.append(Evidence(ev["doc"], ev["quote"]))
        if not evidence:
            problems.append(f"{where}: needs at least one piece of evidence")
        key_points.append(KeyPoint(str(kp.get("point") or ""), tuple(phrasings), tuple(evidence)))
    return Question(qid, " ".join(text.split()), str(raw.get("origin") or ""), answerable,
                    str(raw.get("note") or ""), tuple(key_points))


TABLE_SUFFIXES = (".csv", ".jsonl")


def from_table(text: str, name: str, texts: Mapping[str, str]) -> list[Question]:
    """A teacher's own questions as a table: CSV with a header, or JSON Lines, each row a `question` and the
    `evidence` that answers it (a sentence copied from the sources), optionally the `doc` it is in; a row
    with no evidence is a question the sources should not answer. The document of evidence without `doc`
    is the one whose clean text holds it (`texts`: doc id -> clean text). EvalSetError names each row
    that cannot be used."""
    import csv
    import io
    import json

    rows: list[tuple[int, dict]] = []
    if name.lower().endswith(".jsonl"):
        for n, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except ValueError:
                raise EvalSetError(f"{name}: line {n} is not JSON (one object a line, with `question` and "
                                   "`evidence`).") from None
            rows.append((n, row if isinstance(row, dict) else {}))
    else:
        reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
        if not reader.fieldnames or "question" not in [f.strip().lower() for f in reader.fieldnames]:
            raise EvalSetError(f"{name}: the first line must name the columns, with at least `question` and "
                               "`evidence`.")
        rows = [(n, {str(k).strip().lower(): v for k, v in row.items() if k}) for n, row in enumerate(reader, 2)]
    problems, out = [], []
    for n, row in rows:
        question = " ".join(str(row.get("question") or "").split())
        evidence = " ".join(str(row.get("evidence") or "").split())
        doc = str(row.get("doc") or "").strip()
        if not question:
            problems.append(f"line {n}: no question")
            continue
        qid = f"row-{n}"
        if not evidence:
            out.append(Question(qid, question, name, False))
            continue
        found = [d for d in ([doc] if doc else sorted(texts)) if evidence in " ".join(texts.get(d, "").split())]
        if not found:
            where = f"in {doc}" if doc else "in any document"
            problems.append(f"line {n}: the evidence is not {where}: “{_short(evidence)}” (copy it from the "
                            "sources' text)")
            continue
        d = found[0]
        quote = _verbatim(evidence, texts[d])
        out.append(Question(qid, question, name, True, "", (KeyPoint(evidence, (evidence,), (Evidence(d, quote),)),)))
    if problems:
        raise EvalSetError(_listing(f"{name} has {len(problems)} problem(s)", problems))
    if not out:
        raise EvalSetError(f"{name} holds no questions.")
    return out


def _verbatim(evidence: str, text: str) -> str:
    """The evidence as the document writes it (its own line breaks and spaces), for locate()."""
    pattern = r"\s+".join(re.escape(w) for w in evidence.split())
    m = re.search(pattern, text)
    return m.group() if m else evidence


def locate(questions: list[Question], texts: Mapping[str, str]) -> list[Question]:
    """The questions with every gold quote's offsets in its document's clean text (`texts`: doc id ->
    clean text). A quote that is not there verbatim is an error: its retrieval and citation scores would
    be silently wrong."""
    problems: list[str] = []
    out = []
    for q in questions:
        kps = []
        for kp in q.key_points:
            evs = []
            for ev in kp.evidence:
                text = texts.get(ev.doc)
                if text is None:
                    problems.append(f"{q.id}: no document `{ev.doc}` in the index (known: {', '.join(sorted(texts))})")
                    evs.append(ev)
                    continue
                start = text.find(ev.quote)
                if start < 0:
                    problems.append(f"{q.id}: not in {ev.doc}: “{_short(ev.quote)}”{_hint(ev.quote, text)}")
                    evs.append(ev)
                    continue
                evs.append(replace(ev, start=start, end=start + len(ev.quote)))
            kps.append(replace(kp, evidence=tuple(evs)))
        out.append(replace(q, key_points=tuple(kps)))
    if problems:
        raise EvalSetError(_listing(f"{len(problems)} gold quote(s) are not in the sources' clean text (quotes must "
                                    "be verbatim, see corpus/clean/)", problems))
    return out


def _fold(s: str) -> str:
    return " ".join(s.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
                    .replace("–", "-").replace("—", "-").split()).lower()


def _hint(quote: str, text: str) -> str:
    if _fold(quote) in _fold(text):
        return " (it is there with different quote marks, dashes, case or spacing)"
    return ""


def _short(s: str, n: int = 70) -> str:
    return s if len(s) <= n else s[: n - 1] + "…"


def _listing(head: str, items: list[str], most: int = 12) -> str:
    shown = "; ".join(items[:most])
    more = f"; and {len(items) - most} more" if len(items) > most else ""
    return f"{head}: {shown}{more}."


def entry_lines(text: str) -> dict[str, int]:
    """The line (1-based) where each entry of a questions file starts, by the names problems use: its id,
    `entry N`, and `<id> key point N` (so a page can say where a problem is). Empty if it is not YAML."""
    import yaml

    try:
        root = yaml.compose(text)
    except yaml.YAMLError:
        return {}
    if not isinstance(root, yaml.MappingNode):
        return {}
    out: dict[str, int] = {}
    for key, value in root.value:
        if key.value != "questions" or not isinstance(value, yaml.SequenceNode):
            continue
        for i, entry in enumerate(value.value, 1):
            out[f"entry {i}"] = entry.start_mark.line + 1
            if not isinstance(entry, yaml.MappingNode):
                continue
            fields = {k.value: v for k, v in entry.value}
            qid = getattr(fields.get("id"), "value", None)
            if isinstance(qid, str):
                out.setdefault(qid, entry.start_mark.line + 1)
            kps = fields.get("key_points")
            if isinstance(qid, str) and isinstance(kps, yaml.SequenceNode):
                for j, kp in enumerate(kps.value, 1):
                    out[f"{qid} key point {j}"] = kp.start_mark.line + 1
    return out
