"""'What happened after X?' is answered from the timeline: the events the sources date next after X."""

from __future__ import annotations

import pytest

from app.engine.after import answer_after, subject


@pytest.mark.parametrize("question, x", [
    ("What happened after Yalta?", "Yalta"),
    ("What happened next after the Munich Conference?", "the Munich Conference"),
    ("What followed the Nazi-Soviet Pact?", "the Nazi-Soviet Pact"),
    ("what came after the Treaty of Rapallo", "the Treaty of Rapallo"),
    ("What happened at Yalta?", None),
    ("Why did Stalin sign the pact after Munich?", None),
])
def test_the_question_names_what_it_asks_to_follow(question, x):
    assert subject(question) == x


def test_what_happened_after_yalta_is_potsdam_not_yalta_again(engine):
    a = engine.ask("What happened after Yalta?")
    assert not a.abstained
    assert "Potsdam Conference in July, 1945" in a.citations[0].quote, a.text
    assert not any("Yalta" in c.quote for c in a.citations), a.text


def test_what_happened_after_munich_is_what_the_sources_date_next_in_order(engine):
    a = engine.ask("What happened after the Munich Conference?")
    quotes = [c.quote for c in a.citations]
    assert any("March 1939, Nazi Germany invaded the rest of Czechoslovakia" in q for q in quotes), quotes
    lib = engine.library
    for c in a.citations:  # every footnote is the sources' own words
        assert lib.docs[c.doc_id].text[c.start:c.end] == c.quote


def test_an_x_the_timeline_does_not_date_is_answered_as_any_question(engine):
    """No dated sentence names both Litvinov and his dismissal: the earliest Litvinov entry (1933) is not
    what came before the answer, so the engine answers as it answers any question."""
    assert answer_after(engine, "What happened after Litvinov was dismissed?") is None
    assert answer_after(engine, "What happened after Stalin?") is None  # in too many sentences to date
    assert answer_after(engine, "Who was Stalin?") is None
