"""The public tuning set (SQuAD history articles, `../shared/datasets/squad-history/`): reading it,
indexing its articles with Footnote's own ingest, and splitting it by article.

The set is fitted on and regressed against; figures are only ever reported on articles a fit did not
see (see `folds`). Its format: `docs/<doc>.txt` (one article each) and `questions.jsonl`
({"id", "doc", "q", "kind": "answerable" | "impossible" | "offcorpus" | "lookalike", "answers"}).
This module neither ranks nor scores.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from ingest.settings import HOME, Settings


def default_dir() -> Path:
    return Path(os.environ.get("FOOTNOTE_TUNING_SET") or HOME.parent / "shared" / "datasets" / "squad-history")


@dataclass
class Question:
    id: str
    doc: str
    q: str
    kind: str
    answers: list[str]

    @property
    def answerable(self) -> bool:
        return self.kind == "answerable"


def load_questions(path: Path) -> list[Question]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            d = json.loads(line)
            out.append(Question(d["id"], d["doc"], d["q"], d["kind"], list(d.get("answers") or [])))
    return out


def is_tuning_format(path: Path) -> bool:
    """A .jsonl file whose first record has the tuning set's fields."""
    if path.suffix != ".jsonl" or not path.exists():
        return False
    with path.open(encoding="utf-8") as f:
        first = f.readline()
    try:
        d = json.loads(first)
    except json.JSONDecodeError:
        return False
    return isinstance(d, dict) and {"q", "kind", "doc"} <= set(d)


def folds(docs: list[str], k: int = 6) -> list[list[str]]:
    """Article-wise folds, fixed: sorted article names dealt round-robin, so every article is held out
    exactly once and the split never depends on a random seed."""
    docs = sorted(docs)
    return [docs[i::k] for i in range(k)]


def build_index(docs_dir: Path, work: Path, only: list[str] | None = None) -> Settings:
    """Ingest the tuning set's articles (all, or `only`) into an index under `work`, exactly as a user's
    folder would be ingested (`footnote ingest FOLDER`). Re-running embeds nothing when unchanged."""
    from ingest.pipeline import ingest

    home = work / "home"
    folder = work / "docs"
    (home / "corpus").mkdir(parents=True, exist_ok=True)
    folder.mkdir(parents=True, exist_ok=True)
    wanted = {f"{d}.txt" for d in only} if only else None
    for f in sorted(docs_dir.glob("*.txt")):
        if wanted is None or f.name in wanted:
            target = folder / f.name
            if not target.exists() or target.read_bytes() != f.read_bytes():
                shutil.copy(f, target)
    settings = Settings.from_env(home=home, index_dir=work / "index")
    ingest([folder], settings, progress=False, log=lambda *a: None)
    return settings
