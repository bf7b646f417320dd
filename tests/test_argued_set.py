"""The argued questions on the public tuning articles (eval/argued.yaml) and the constants fitted on them
(app/engine/argue_model.json, `python -m eval.fit_argued`): the set is sound as gold, and the composer uses what
the fit wrote."""

from __future__ import annotations

import json
import re
from collections import Counter

import pytest

from app.engine import argue
from app.engine.compose import analytic
from eval.evalset import load
from eval.fit_argued import GRID, QUESTIONS
from eval.tuning import default_dir

DOCS = default_dir() / "docs"
needs_articles = pytest.mark.skipif(not DOCS.is_dir(), reason="the public tuning set (../shared/datasets/squad-history) is absent")


def _fold(s: str) -> str:
    return re.sub(r"\s+", " ", s).lower()


@pytest.fixture(scope="module")
def questions():
    return load(QUESTIONS)


@needs_articles
def test_every_quote_is_verbatim_in_its_article_and_every_phrasing_marks_its_own_point(questions):
    texts = {p.stem: p.read_text(encoding="utf-8") for p in DOCS.glob("*.txt")}
    for q in questions:
        assert 2 <= len(q.key_points) <= 4, q.id
        for kp in q.key_points:
            quotes = [ev.quote for ev in kp.evidence]
            for ev in kp.evidence:
                assert ev.quote in texts[ev.doc] and "\n" not in ev.quote, (q.id, ev.quote)
                assert 30 <= len(ev.quote) <= 250, (q.id, ev.quote)
            for p in kp.phrasings:
                # inside one of its quotes, and rare in the article: found in an answer, it means the point
                assert any(_fold(p) in _fold(x) for x in quotes), (q.id, p)
                assert _fold(texts[kp.evidence[0].doc]).count(_fold(p)) <= 2, (q.id, p)


def test_the_set_covers_every_tuning_article_with_argued_questions(questions):
    per_article = Counter(q.key_points[0].evidence[0].doc for q in questions)
    assert len(per_article) == 18 and min(per_article.values()) >= 4
    assert len({q.id for q in questions}) == len(questions) >= 100
    # the argued composer answers nearly all of them (two ask "How did X do Y?", which reads as a fact)
    assert sum(analytic(q.question) for q in questions) >= 0.95 * len(questions)


def test_the_composer_uses_the_constants_the_fit_wrote():
    fitted = json.loads(argue.FITTED.read_text(encoding="utf-8"))
    assert fitted["fitted_by"] == "python -m eval.fit_argued"
    assert set(fitted["constants"]) == set(argue.TUNABLE) == set(GRID)
    for name, value in fitted["constants"].items():
        assert getattr(argue, name) == value, name
        assert value in GRID[name] or value == argue.HAND_SET[name], name
    # the file records held-out figures: fitted on one half of the articles, scored on the other
    for half in fitted["report"]["held_out"]:
        assert set(half) >= {"fitted_on", "hand_set", "fitted"}


def test_a_missing_or_broken_constants_file_leaves_the_hand_set_values(tmp_path):
    assert argue.fitted_constants(tmp_path / "absent.json") == {}
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    assert argue.fitted_constants(broken) == {}
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"constants": {"CONTINUATION": 2.0, "NOT_A_CONSTANT": 1}}), encoding="utf-8")
    assert argue.fitted_constants(other) == {"CONTINUATION": 2}
