"""squad-train (`../shared/datasets/squad-train/`: 442 SQuAD v1.1 training articles, 87,311 questions with
`reason` flags and article-wise `fold`s), as the fits read it.

Two fits share one index of it: the reason model (eval/fit_reasons.py) and the ranker
(eval/fit_ranker.py) both read the articles with at least MIN_REASONS reason questions, indexed once with
Footnote's own ingest under .index/squad-reason/ (about 12 minutes on 2 cores the first time). The
answer-type model (eval/fit_answer_types.py) is fitted on the other articles, so the ranker's figures
stay held out.
"""

from __future__ import annotations

import collections
import json
from functools import cache
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "datasets" / "squad-train"
WORK = Path(__file__).resolve().parent.parent / ".index" / "squad-reason"
MIN_REASONS = 8


@cache
def questions() -> tuple[dict, ...]:
    return tuple(json.loads(x) for x in (DATA / "questions.jsonl").read_text(encoding="utf-8").splitlines() if x.strip())


def reason_articles(min_reasons: int = MIN_REASONS) -> list[str]:
    """The articles with at least `min_reasons` questions flagged `reason` (118 at 8)."""
    counts = collections.Counter(q["doc"] for q in questions() if q["reason"])
    return sorted(d for d, n in counts.items() if n >= min_reasons)


def build(min_reasons: int = MIN_REASONS):
    """The shared index of those articles (cached), as Settings for Engine.load."""
    from .tuning import build_index

    return build_index(DATA / "docs", WORK, only=reason_articles(min_reasons))
