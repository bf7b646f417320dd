"""Suggested next questions (app/jobs/suggest.py): made from the sources, each one answered, none a repeat."""

from __future__ import annotations

import pytest

from app.engine.reasons import gives_reason
from app.jobs.suggest import MAX_SUGGESTIONS, suggestions, why_question

QUESTIONS = ["Why did Litvinov's dismissal matter?", "When was the Rapallo Treaty signed?",
             "What did Chicherin believe about Soviet foreign policy?", "What was collective security?",
             # not in the evaluation set: a student's questions, for the why-suggestions
             "What did the USSR gain from the pact with Hitler in 1939?",
             "When did the United States recognise the Soviet Union?"]


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


def rows(engine, answer):
    return [r for c in answer.citations for r in engine.library.rows_in(c.doc_id, c.start, c.end)]


def test_a_why_suggestion_is_offered_only_when_its_answer_gives_a_reason_this_answer_did_not(engine, made):
    whys = [(answer, q) for answer, suggested in made.values() for q in suggested if q.startswith("Why")]
    assert len(whys) >= 2, [s for _, s in made.values()]
    for answer, q in whys:
        new = set(rows(engine, engine.ask(q))) - set(rows(engine, answer))
        assert any(gives_reason(engine.library.sentences[r].reading) for r in new), q


def test_a_writers_question_names_a_writer_once_with_the_verb_the_source_uses(made):
    views = [q for _, suggested in made.values() for q in suggested if not q.startswith(("Why", "What happened"))]
    assert views, "at least one answer cites a named writer"
    for q in views:
        assert not any(ch.isdigit() for ch in q) and q.count("‘") == q.count("’"), q
    for _, suggested in made.values():
        writers = [q.split(" ", 2)[2].rsplit(" ", 1)[0] for q in suggested if q.startswith("What did")]
        assert len(writers) == len(set(writers)), suggested


@pytest.mark.parametrize("sentence, question", [
    ("In 1933, Hitler comes to Power in Germany and cancels the Rapallo Treaty.",
     "Why did Hitler come to Power in Germany?"),
    ("Poland was divided between the two nations.", "Why was Poland divided between the two nations?"),
    ("The USSR was left isolated after Munich.", "Why was the USSR left isolated after Munich?"),
    ("Britain and France searched for an ally in the east.", "Why did Britain and France search for an ally in the east?"),
    # no whole event to ask about: a clause the verb needs, a pronoun or "this" for a subject, a reporting
    # verb, a negation, a reflexive object that needs its place
    ("Stalin realised that the West would not help him.", None),
    ("This view describes Stalin as being very aggressive.", None),
    ("Historians argue that Stalin wanted security.", None),
    ("Stalin did not trust the West.", None),
    ("The Germans and Russians found themselves on opposite sides in violent conflicts.", None),
])
def test_a_why_question_asks_about_a_whole_event_in_the_sentences_words(sentence, question):
    assert why_question(sentence) == question
