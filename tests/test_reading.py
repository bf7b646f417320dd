"""The reading of every sentence (ingest/reading.py), made at ingest with the real parser and stored with
the sentence; and why-questions that open with the reasons the sources give (app/engine/reasons.py)."""

from __future__ import annotations

import json

import pytest

from app.engine.reasons import asked_verdict, asks_reason, verdict_of
from ingest.reading import READING_VERSION, read

SENTENCES = {
    "because": "Stalin signed the pact because he feared a German invasion.",
    "due": "Britain refused the offer due to its distrust of communism.",
    "purpose": "The USSR joined the League of Nations in 1934 to find allies against Hitler.",
    "motive": "Stalin wanted to avoid a war on two fronts.",
    "led": "The purge of the Red Army led to a weakened military in 1939-41.",
    "means": "The German military could subvert the restrictions in the Versailles Treaty by training in Russia.",
    "back": "Thus the Soviet Union was isolated in the 1920s.",
    "forward": "This was because the West feared communism.",
    "says": "William Shirer argues that the dismissal of Litvinov was a turning point.",
    "not a failure": "This isn't a failure, it could be argued to be a success.",
    "cancels": "In 1933, Hitler comes to Power in Germany and cancels the Rapallo Treaty.",
}


@pytest.fixture(scope="module")
def readings():
    return dict(zip(SENTENCES, read(list(SENTENCES.values())), strict=True))


@pytest.mark.parametrize("kind", ["because", "due", "purpose", "motive", "led", "means"])
def test_a_cause_motive_purpose_or_means_is_read_with_its_span(readings, kind):
    r = readings[kind]
    assert r["v"] == READING_VERSION
    found = [c for c in r["causes"] if c[0] == kind]
    assert found, r["causes"]
    text = SENTENCES[kind]
    cause = text[found[0][1] : found[0][2]]
    expected = {"because": "he feared a German invasion", "due": "its distrust of communism",
                "purpose": "find allies against Hitler", "motive": "avoid a war on two fronts",
                "led": "The purge of the Red Army", "means": "training in Russia"}[kind]
    assert expected in cause


def test_links_to_the_sentence_before(readings):
    assert readings["back"]["link"] == "back" and readings["forward"]["link"] == "forward"
    assert readings["because"]["link"] == ""


def test_dates_are_normalised_to_a_span_of_years(readings):
    assert readings["back"]["years"] == [1920, 1929]  # "the 1920s"
    assert readings["led"]["years"] == [1939, 1941]  # "1939-41"
    assert readings["cancels"]["years"] == [1933, 1933]


def test_events_name_who_did_what_to_whom(readings):
    events = readings["cancels"]["events"]
    assert ["cancel", "", "the Rapallo Treaty", "", False] in events or any(
        e[0] == "cancel" and e[2] == "the Rapallo Treaty" for e in events)
    assert any(e[0] == "sign" and e[1] == "Stalin" and e[2] == "the pact" for e in readings["because"]["events"])


def test_who_says_it_and_what_it_judges(readings):
    assert readings["says"]["says"][:2] == ["William Shirer", "argue"]
    assert readings["not a failure"]["verdict"][:2] == [-1, True]  # "isn't a failure": negated
    assert verdict_of(readings["not a failure"]) == 1
    assert readings["because"]["says"] == [] and readings["because"]["verdict"] == []


def test_which_questions_ask_for_a_reason():
    assert asks_reason("Why did Stalin sign the Nazi-Soviet Pact?")
    assert asks_reason("What were the reasons for the Nazi-Soviet Pact?")
    assert asks_reason("What led Britain to refuse the alliance?")
    assert not asks_reason("Why did Litvinov's dismissal matter?")  # asks for consequences
    assert not asks_reason("When was Litvinov dismissed?")
    assert asked_verdict("Why might the pact with Germany be judged a failure?") == -1
    assert asked_verdict("How successful was Stalin's foreign policy?") == 0  # weighs both sides


def test_ingest_stores_a_reading_with_every_sentence(corpus_index):
    from ingest.store import Index

    s = Index.open(corpus_index.settings).records("sentence")
    readings = [json.loads(m.get("reading") or "{}") for m in s["metadatas"]]
    assert readings and all(r.get("v") == READING_VERSION for r in readings)
    assert sum(bool(r["causes"]) for r in readings) > 20  # the essays give reasons


def test_an_index_from_before_readings_is_read_at_the_next_ingest_without_embedding(tmp_path, monkeypatch):
    import ingest.pipeline as pipeline
    import ingest.store as store
    from ingest.pipeline import ingest
    from ingest.settings import Settings
    from ingest.store import Index

    folder = tmp_path / "readings"
    folder.mkdir()
    (folder / "pact.txt").write_text("The pact\n" + SENTENCES["because"] + " " + SENTENCES["motive"] + "\n",
                                     encoding="utf-8")
    settings = Settings.from_env(index_dir=tmp_path / "index")
    monkeypatch.setattr(pipeline, "_readings", lambda p: {})  # as the code before readings stored
    monkeypatch.setattr(store, "READING_VERSION", 0)
    ingest([folder], settings, progress=False)
    assert all("reading" not in m for m in Index.open(settings).records("sentence")["metadatas"])
    monkeypatch.undo()
    again = ingest([folder], settings, progress=False)
    assert again.embedded == 0 and again.unchanged == ["readings-pact"]
    readings = [json.loads(m["reading"]) for m in Index.open(settings).records("sentence")["metadatas"]]
    assert [r["v"] for r in readings] == [READING_VERSION, READING_VERSION]
    assert any(c[0] == "because" for r in readings for c in r["causes"])


def test_a_quoted_historian_is_named_in_the_footnote(engine):
    answer = engine.ask("Why did Litvinov's dismissal matter?")
    shirer = [c for c in answer.citations if c.quote.lstrip('"“').startswith(("The significance", "It meant"))]
    assert shirer and all(c.speaker == "William Shirer" for c in shirer)
    assert shirer[0].label.startswith("William Shirer, in ") and shirer[0].to_json()["speaker"] == "William Shirer"
    plain = [c for c in answer.citations if c.doc_id == "stalin-fp-mind-map"]
    assert plain and all(c.speaker is None for c in plain)  # the mind map's own notes are nobody's view


def test_his_argument_is_never_a_footnote_of_its_own_without_its_speaker(engine):
    for q in ("Why did Litvinov's dismissal matter?", "Was Litvinov's dismissal a turning point?"):
        for c in engine.ask(q).citations:
            if c.quote.startswith("His argument"):
                assert c.speaker == "William Shirer"


def test_a_why_question_does_not_open_with_what_followed_the_event(engine):
    first = engine.ask("Why did Stalin sign the Nazi-Soviet Pact?").citations[0]
    assert not first.quote.startswith("After the Nazi-Soviet pact was signed")  # what followed, not why


def test_a_why_question_opens_with_the_argument_its_sources_conclude_with_thus(engine):
    """The essay gives Stalin's reasons and then "Thus, in August, 1939 the two powers cynically concluded
    the Nazi-Soviet Non-Aggression Pact": the answer quotes that argument in order, to its conclusion."""
    quotes = [c.quote for c in engine.ask("Why did Stalin sign the Nazi-Soviet Pact?").citations]
    assert quotes[0].startswith("Stalin looked at the world situation and concluded that only by allying"), quotes[0]
    at = {key: next(i for i, q in enumerate(quotes) if key in q)
          for key in ("would buy time", "regain portions of Poland", "Thus, in August, 1939")}
    assert at["would buy time"] < at["regain portions of Poland"] < at["Thus, in August, 1939"], quotes
    assert not any(q.startswith("By mid-1939 tensions") for q in quotes)  # the paragraph's scene, not a reason


def test_a_concluding_sentence_that_gives_its_own_reason_answers_by_itself(engine):
    # "The result is a foreign policy which is best described as schizophrenic as the Soviet leadership ..."
    first = engine.ask("Why is Soviet foreign policy described as “schizophrenic” in nature?").citations[0]
    assert first.quote.startswith("The result is a foreign policy which is best described as schizophrenic")


def test_as_a_result_of_names_its_own_cause_and_concludes_nothing_before_it():
    from app.engine.reasons import _OWN_CAUSE

    assert _OWN_CAUSE.match("As a result of the Washington Naval Treaty of 1922, most carriers were conversions.")
    assert _OWN_CAUSE.match("In response to the crisis of 2010, some proposals have surfaced.")
    assert not _OWN_CAUSE.match("As a result, the Bolsheviks were forced to work with the Germans.")


def test_why_something_is_judged_a_failure_opens_with_a_failure_verdict(engine):
    from app.engine.reasons import verdict_of

    answer = engine.ask("Why might the pact with Germany be judged a failure?")
    rows = engine.library.rows_in(answer.citations[0].doc_id, answer.citations[0].start, answer.citations[0].end)
    assert any(verdict_of(engine.library.sentences[r].reading) == -1 for r in rows), answer.citations[0].quote
    assert "stunning success" not in answer.citations[0].quote


def test_the_reason_model_is_fitted_on_the_features_it_is_given():
    from app.engine.reasons import FEATURES, load

    model = load()
    assert model is not None and model.features == FEATURES and len(model.weights) == len(FEATURES)


def test_the_period_a_question_names():
    from app.engine.period import asked

    assert asked("Why was the Soviet state so isolated after the First World War?") == (1918, 1928)
    assert asked("Why did the USSR join the League in the 1930s?") == (1930, 1939)
    assert asked("What made Stalin turn to Germany in 1939?") == (1939, 1939)
    assert asked("Why was Russia weak during the Great War?") == (1914, 1918)
    assert asked("What did Stalin want before WW2?") == (1929, 1939)
    assert asked("Why did Stalin sign the pact?") is None
    assert asked("How did relations change from 1933 to 1939 after World War 1?") is None  # two periods: no guess


def test_a_sentence_without_a_date_is_about_the_years_its_section_gave_last(engine):
    from app.engine.period import sentence_years

    lib = engine.library
    row = next(s.ix for s in lib.sentences if s.text.startswith("The Soviets were isolated and surrounded"))
    years = sentence_years(lib, row)
    assert years is not None and years[0] >= 1933  # the Munich section, not the years after 1918


def test_a_why_question_that_names_a_period_opens_with_a_sentence_about_it(engine):
    first = engine.ask("Why was the Soviet state so isolated after the First World War?").citations[0]
    assert "1919" in first.quote or "1920" in first.quote, first.quote


def test_putting_some_candidates_first_keeps_the_order_of_the_rest():
    import numpy as np

    from app.engine.reasons import _after_the_rest

    out = _after_the_rest(np.array([0.9, 0.1, 0.8, 0.7, 0.05]), np.array([False, True, False, False, False]))
    assert list(np.argsort(-out)) == [1, 0, 2, 3, 4]


def test_a_why_question_opens_with_the_reason_model_choice_not_the_sentence_naming_the_event(engine):
    """The reason is the sentence after the one that names the treaty: it gives the means ("by training in
    Russia"), which the reason model reads; the argued composer alone opened with '1922 Treaty of Rapallo'."""
    first = engine.ask("Why did the German army gain from the Rapallo Treaty?").citations[0]
    assert first.quote.startswith("The German military could subvert the restrictions"), first.quote


def test_without_the_reason_model_the_argued_composer_opens_as_before(engine):
    engine.reason_opens = False
    try:
        first = engine.ask("Why did the German army gain from the Rapallo Treaty?").citations[0]
    finally:
        engine.reason_opens = True
    assert not first.quote.startswith("The German military could subvert"), first.quote


def test_a_heading_line_states_no_reason_and_does_not_open_a_why_answer(engine):
    first = engine.ask("why did germany like the treaty of rapallo").citations[0]
    assert first.quote != "1922 Treaty of Rapallo with Germany", first.quote
