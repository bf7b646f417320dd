"""Suggested next questions (app/jobs/suggest.py): made from the sources, each one answered, none a repeat."""

from __future__ import annotations

import pytest

from app.jobs.suggest import MAX_SUGGESTIONS, suggestions

QUESTIONS = ["Why did Litvinov's dismissal matter?", "When was the Rapallo Treaty signed?",
             "What did Chicherin believe about Soviet foreign policy?", "What was collective security?"]


@pytest.fixture(scope="module")
def made(engine):
    return {q: (engine.ask(q), suggestions(engine, engine.ask(q))) for q in QUESTIONS}


def test_most_answers_get_suggestions_and_none_gets_more_than_three(made):
    assert sum(bool(s) for _, s in made.values()) >= 3
    assert all(len(s) <= MAX_SUGGESTIONS for _, s in made.values())


@pytest.mark.parametrize("question", QUESTIONS)
def test_every_suggestion_is_answered_with_something_new(engine, made, question):
    answer, suggested = made[question]
    for q in suggested:
        reply = engine.ask(q)
        assert not reply.abstained and reply.citations, q
        first, theirs = answer.citations[0], reply.citations[0]
        assert (first.doc_id, first.start) != (theirs.doc_id, theirs.start), q
        assert q.lower() != question.lower()


def test_a_declined_answer_gets_no_suggestions(engine):
    assert suggestions(engine, engine.ask("What is photosynthesis?")) == []
