"""Make look-alike unanswerable questions from the tuning set's answerable ones.

    .venv/bin/python -m eval.lookalikes        # writes eval/lookalikes.jsonl

The tuning set has no unanswerable questions that look answerable (SQuAD 2.0's are not public in this
form), so they are made: an answerable question about article A has one name or year swapped for one
that article A never mentions, taken from another article of the set ("When did Napoleon's empire
collapse?" -> "When did Nasser's empire collapse?"). The question still reads as history and its other
words still match A, but no sentence answers it. Deterministic (no random seed: the n-th question of
each article with a swappable word is used, and the replacement is chosen by a hash of its id), so
the file is reproducible. Written in the tuning set's format with kind "lookalike".
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from pathlib import Path

from .tuning import default_dir, load_questions

OUT = Path(__file__).with_name("lookalikes.jsonl")
EVERY = 4  # one look-alike per this many answerable questions of an article
_NAME = re.compile(r"(?<![.!?]\s)(?<=\s)[A-Z][a-z]{3,}\b")
_YEAR = re.compile(r"\b1[0-9]{3}\b")


def _pick(options: list[str], key: str) -> str:
    return options[int(hashlib.sha256(key.encode()).hexdigest(), 16) % len(options)]


def make(docs_dir: Path, questions_file: Path) -> list[dict]:
    texts = {f.stem: f.read_text(encoding="utf-8") for f in sorted(docs_dir.glob("*.txt"))}
    lower = {d: t.lower() for d, t in texts.items()}
    names = {d: [w for w, c in Counter(_NAME.findall(t)).items() if c >= 3] for d, t in texts.items()}
    years = {d: sorted(set(_YEAR.findall(t))) for d, t in texts.items()}
    out, seen = [], Counter()
    for q in load_questions(questions_file):
        if q.kind != "answerable" or q.doc not in texts:
            continue
        seen[q.doc] += 1
        if seen[q.doc] % EVERY:
            continue
        own = lower[q.doc]
        year = next((y for y in _YEAR.findall(q.q)), None)
        name = next((w for w in _NAME.findall(q.q) if w.lower() in own), None)
        if name:
            pool = sorted({w for d, ws in names.items() if d != q.doc for w in ws if w.lower() not in own})
            new = q.q.replace(name, _pick(pool, q.id), 1)
        elif year:
            pool = sorted({y for d, ys in years.items() if d != q.doc for y in ys if y not in own})
            new = q.q.replace(year, _pick(pool, q.id), 1)
        else:
            continue
        out.append({"id": f"{q.id}-lookalike", "doc": q.doc, "q": new, "kind": "lookalike", "answers": [],
                    "from": q.id})
    return out


def main() -> None:
    d = default_dir()
    rows = make(d / "docs", d / "questions.jsonl")
    OUT.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    print(f"{len(rows)} look-alike questions written to {OUT.name}")


if __name__ == "__main__":
    main()
