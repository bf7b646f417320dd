"""Revise (app/jobs/revise.py, `footnote revise`): flashcards from the real corpus, each true to its sentence."""

from __future__ import annotations

import csv
import io
import json

import pytest

from app.cli import main
from app.jobs.revise import BLANK, CHOICES, KINDS, Card, deck_csv, make_deck


@pytest.fixture(scope="module")
def deck(engine):
    return make_deck(engine, 30)


def test_a_thirty_card_deck_covers_every_kind_and_no_sentence_twice(deck):
    assert len(deck) == 30
    assert {c.kind for c in deck} == set(KINDS)
    assert len({(c.citation.doc_id, c.citation.start) for c in deck}) == 30
    assert [c.citation.n for c in deck] == list(range(1, 31))


def test_every_card_cites_a_sentence_whose_clean_text_holds_its_answer(deck, engine):
    for c in deck:
        doc = engine.library.docs[c.citation.doc_id]
        assert doc.text[c.citation.start:c.citation.end] == c.citation.quote  # verbatim from the clean text
        assert c.answer in c.citation.quote, (c.prompt, c.answer)
        if c.kind != "argued":  # the prompt is the sentence with the answer blanked, nothing else changed
            assert BLANK in c.prompt
            assert " ".join(c.citation.quote.split()).replace(c.answer, BLANK, 1) == c.prompt


def test_the_quiz_offers_the_answer_among_others_of_its_kind(deck):
    for c in deck:
        assert c.answer in c.choices and len(set(c.choices)) == len(c.choices) <= CHOICES
        others = [x for x in c.choices if x != c.answer]
        assert others and not any(c.check(x) for x in others), (c.answer, c.choices)


def _card(kind: str, answer: str) -> Card:
    return Card(kind, BLANK, answer, citation=None)


@pytest.mark.parametrize("kind, answer, given, right", [
    ("who", "Joseph Stalin", "joseph stalin", True),
    ("who", "Joseph Stalin", "Stalin", True),
    ("who", "Joseph Stalin", "Lenin", False),
    ("when", "29 September 1938", "1938", True),
    ("when", "29 September 1938", "1939", False),
    ("term", "Rapallo Treaty", "the Rapallo treaty.", True),
    ("term", "Rapallo Treaty", "Rapalo Treaty", True),  # one slip in a long name
    ("term", "Rapallo Treaty", "Versailles Treaty", False),
    ("where", "France", "", False),
])
def test_an_answer_is_checked_as_a_teacher_would(kind, answer, given, right):
    assert _card(kind, answer).check(given) is right


def test_the_csv_imports_into_anki_with_front_back_and_source(deck):
    rows = list(csv.reader(io.StringIO(deck_csv(deck[:5]))))
    assert rows[0] == ["front", "back", "source"] and len(rows) == 6
    assert rows[1][0] == deck[0].prompt and rows[1][1] == deck[0].answer and deck[0].citation.passage_id in rows[1][2]


def test_cli_revise_prints_json_and_writes_csv(corpus_index, monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("FOOTNOTE_HOME", str(corpus_index.home))
    monkeypatch.setenv("FOOTNOTE_INDEX_DIR", str(corpus_index.settings.index_dir))
    assert main(["revise", "--n", "5", "--json"]) == 0
    cards = json.loads(capsys.readouterr().out)["cards"]
    assert len(cards) == 5 and all(c["answer"] in c["citation"]["quote"] for c in cards)
    out = tmp_path / "deck.csv"
    assert main(["revise", "--n", "5", "--out", str(out)]) == 0
    assert len(list(csv.reader(io.StringIO(out.read_text(encoding="utf-8"))))) == 6
    assert main(["revise", "--out", str(tmp_path / "deck.pdf")]) == 2
    assert main(["revise", "--n", "0"]) == 2
    assert "a deck has 1 to 200 cards" in capsys.readouterr().err
