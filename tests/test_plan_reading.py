"""Essay plans that read what their evidence says about the question's own claim (app/jobs/sides.py,
points.py, plan.py): on essay questions no other test names, two each of why / how successful / to what
extent about the shipped corpus, and two about articles of the public tuning set ingested as a notebook.
No section quotes evidence for the other side; every conclusion answers its own question; every event the
sources date inside the question's span and that shares a word with its topic is in the plan's key dates;
points are short claims with the sources' spelling mended; who argues a sentence is its speaker."""

from __future__ import annotations

import re
import shutil

import pytest

from app.engine.events import select, timeline
from app.engine.retrieve import stems, words
from app.jobs.brief import read_question, span_years
from app.jobs.debate import debate, reporters
from app.jobs.plan import EXTENT_WORDS, NOT_COVERED, VERDICT_WORDS, Planner, make_plan
from app.jobs.plan_markdown import inner_quotes, plan_markdown
from app.jobs.points import correct, main_clause, spell
from app.jobs.sides import factor_of
from tests.test_tuning import TUNING, needs_tuning_set

FEAR = "To what extent was Stalin's foreign policy between 1933 and 1941 driven by fear of Germany?"  # the issue's
WHY = ["Why did Stalin turn to Germany in 1939?", "Why did the USSR join the League of Nations in 1934?"]
SUCCESS = ["How successful was Soviet foreign policy in the 1920s?", "How successful was the Nazi-Soviet Pact for the USSR?"]
EXTENT = ["To what extent was Soviet foreign policy in the 1920s driven by the desire to spread revolution?",
          "How far was Stalin's foreign policy in the 1930s driven by fear of Germany?"]
UNSEEN = WHY + SUCCESS + EXTENT
CRIMEA = "How far was the Crimean War caused by religious disputes?"
NAPOLEON = "How successful was Napoleon's Continental System?"

# Sentences a reader files on one side of a claim, whatever words they share with the other: (question,
# words of the sentence, the side it must never be quoted on). Read by hand from the shipped corpus.
NEVER = [
    (FEAR, "achieving an anti-Nazi alliance", "against"),
    (FEAR, "Nazi Germany was now the major threat", "against"),
    (FEAR, "to protect Czechoslovakia from Nazi Germany", "against"),
    (FEAR, "to stop fascist expansion", "against"),
    (FEAR, "the nemesis of fascist ideology", "against"),
    (EXTENT[0], "opted for the policy of Socialism in one country", "for"),
    (EXTENT[0], "not supporting a World Wide Revolution", "for"),
    (SUCCESS[0], "but were rejected", "for"),
    (SUCCESS[0], "This is a success", "against"),
    (SUCCESS[1], "This is a failure", "for"),
    (SUCCESS[1], "'stunning success'", "against"),
]


@pytest.fixture(scope="module")
def plans(engine):
    return {q: make_plan(engine, q) for q in [FEAR, *UNSEEN]}


def quoted(plan, stance: str) -> list[str]:
    sections = [s for s in [*plan.sections, plan.counter] if s is not None and s.covered and s.stance == stance]
    return [plan.citations[n - 1].quote for s in sections for n in s.quotes]


def no_quote_argues_the_other_side(engine, plan) -> None:
    """Each quote of a 'for' or 'against' section is not read as the other side by sides.py."""
    planner = Planner(engine, plan.question, plan.brief)
    if planner.sides is None:
        return
    lib = engine.library
    for s in [*plan.sections, plan.counter]:
        if s is None or not s.covered or s.stance not in ("for", "against"):
            continue
        for n in s.quotes:
            c = plan.citations[n - 1]
            row = lib.row_at(c.doc_id, c.start)
            assert planner.sides.of(row) != (-1 if s.stance == "for" else 1), (plan.question, s.title, c.quote)


def answers_its_question(plan) -> None:
    b, text = plan.brief, plan.conclusion
    if b.kind == "causes":
        assert plan.question in text and plan.conclusion_quotes, text
    elif text.startswith("The sources say too little"):
        assert b.predicate in text or "successful" in text
    elif b.kind == "evaluate":
        assert text.startswith(b.subject[0].upper() + b.subject[1:]), text
        assert any(w in text for _, w in VERDICT_WORDS), text
    else:
        assert text.startswith(b.subject[0].upper() + b.subject[1:]), text
        assert b.predicate in text and any(w in text for _, w in EXTENT_WORDS), text
    assert "In conclusion this essay" not in text  # the sources' verdict on another question is not the answer


def dated_events_are_in(engine, plan) -> None:
    """Every timeline entry inside the span that shares a word with the question's topic is a key date."""
    span = span_years(plan.question)
    if span is None:
        return
    topic = set(stems(words(plan.brief.topic)))
    labels = [k.label for k in plan.chronology]
    for e in select(timeline(engine), *span):
        text = " ".join([e.label, *(c.quote for c in e.citations)])
        if topic & set(stems(words(text))):
            assert e.label in labels, (plan.question, e.when.iso(), e.label)
    for k in plan.chronology:  # and each is cited
        assert k.quotes and all(1 <= n <= len(plan.citations) for n in k.quotes)


@pytest.mark.parametrize("question", [FEAR, *UNSEEN])
def test_no_section_quotes_evidence_for_the_other_side(engine, plans, question):
    plan = plans[question]
    assert not plan.abstained and sum(s.covered for s in plan.sections) >= 3
    no_quote_argues_the_other_side(engine, plan)
    for q, words_, side in NEVER:
        if q == question:
            assert not any(words_ in quote for quote in quoted(plan, side)), (side, words_)


@pytest.mark.parametrize("question", [FEAR, *UNSEEN])
def test_every_conclusion_answers_its_own_question(plans, question):
    answers_its_question(plans[question])


@pytest.mark.parametrize("question", [FEAR, *UNSEEN])
def test_every_dated_event_inside_the_span_on_the_topic_is_in_the_plan(engine, plans, question):
    dated_events_are_in(engine, plans[question])


def test_the_issues_plan_on_fear_of_germany(engine, plans):
    plan = plans[FEAR]
    # sections 3 and 4 of the plan the issue quotes: evidence for the claim filed against it, and a verdict on
    # another question filed as a point
    assert not any("anti-Nazi alliance" in q for q in quoted(plan, "against"))
    assert not any("stunning success" in plan.citations[n - 1].quote for s in plan.sections for n in s.quotes)
    keys = " ".join(f"{k.when} {k.label}" for k in plan.chronology)
    for event in ("League of Nations", "mutual assistance pacts with France and Czechoslovakia", "popular fronts"):
        assert event in keys, event
    # the mind map's "1934 Stalin joined the LoN" is a footnote of the one League entry, not an entry of its own
    (league,) = [k for k in plan.chronology if "League of Nations" in k.label]
    assert any("LoN" in plan.citations[n - 1].quote for n in league.quotes)
    assert not any("LoN" in k.label for k in plan.chronology)
    assert "driven by fear of Germany" in plan.conclusion and plan.conclusion_quotes
    assert [s.stance for s in plan.sections[:2]] == ["for", "for"]
    assert any(s.stance == "against" and s.covered for s in plan.sections)
    # who argues what: Hitler is only mentioned in what historians argue
    groups = {w[0] for g in plan.debate for w in g.writers}
    assert "Hitler" not in groups and not any("Hitler" in h for s in plan.sections for h in s.who)
    assert "Hitler" not in {w.name for w in debate(engine.library).writers.values()}


def test_a_plan_is_quick_once_warm(engine, plans):
    """The timing is the plan's own (make_plan's clock): under a second warm on two cores."""
    assert max(p.timings_ms["total"] for q, p in plans.items() if q != FEAR) < 1000


def test_points_are_short_claims_in_mended_words(plans):
    for plan in plans.values():
        for s in plan.sections:
            if s.covered:
                assert "mantain" not in s.point and "argueing" not in s.point and not re.search(r"\bon on\b", s.point)
                assert not s.point.startswith(("1936,", "In conclusion", "Thus,"))


def test_the_main_clause_drops_the_date_in_front_the_other_sides_clause_and_the_reporting_frame():
    assert main_clause("1936, Stalin's policy was focused on on achieving an anti-Nazi alliance with UK and France, "
                       "but the UK refused and saw appeasement with Nazi Germany to stop the spread of communism.") \
        == "Stalin's policy was focused on achieving an anti-Nazi alliance with UK and France."
    assert main_clause("In conclusion this essay can only say that the Nazi-Soviet Pact was rather a 'stunning "
                       "success' (as it would have appeared to Stalin in 1939) than a failure.") \
        == "The Nazi-Soviet Pact was rather a 'stunning success' than a failure."
    assert main_clause("Historians have argued that Stalin’s foreign policy was not successful because Germany "
                       "invaded the USSR, however, Hitler stated that he wished to annex parts of the USSR in his "
                       "manifesto “Mein Kampf“ earlier, so a German invasion was predestined to happen, regardless "
                       "of what Stalin did.") == "Stalin’s foreign policy was not successful because Germany invaded the USSR."


def test_spelling_is_mended_only_where_one_word_is_one_edit_away():
    assert correct("mantain") == "maintain" and correct("argueing") == "arguing" and correct("iniciative") == "initiative"
    assert correct("layed") == "layed"  # laid, played, layer: more than one, so left alone
    assert spell("Litinov argued that the best defence layed in approaching Britain") == \
        "Litinov argued that the best defence layed in approaching Britain"  # names are never touched


def test_a_quote_keeps_its_own_quotation_marks_as_single_ones(engine):
    row = next(s for s in engine.library.sentences if "Hitler stated" in s.text)
    assert "manifesto ‘Mein Kampf’ earlier" in inner_quotes(row.text)
    assert inner_quotes('He said "...Molotov, who is not a Jew" then') == "He said ‘...Molotov, who is not a Jew’ then"


def test_who_argues_a_sentence_is_its_speaker_not_a_name_inside_what_they_say(engine):
    row = next(s for s in engine.library.sentences if "Hitler stated" in s.text)
    assert reporters(row.text, row.reading) == []
    row = next(s for s in engine.library.sentences if s.text.startswith("J. Haslam and C. Kennedy-Pipe"))
    assert reporters(row.text, row.reading) == ["J. Haslam", "C. Kennedy-Pipe"]


def test_the_factor_a_claim_names():
    assert factor_of("driven by fear of Germany") == "fear of Germany"
    assert factor_of("caused by religious disputes") == "religious disputes"
    assert factor_of("mainly the result of Western appeasement") == "Western appeasement"
    assert factor_of("a defensive move") is None and factor_of("responsible for the failure") is None
    assert read_question(FEAR).predicate == "driven by fear of Germany"


def test_markdown_lists_the_key_dates_with_their_footnotes(plans):
    markdown = plan_markdown(plans[FEAR])
    assert "## Key dates, 1933–1941" in markdown and "The USSR joins the League of Nations [" in markdown


@pytest.fixture(scope="module")
def notebook(tmp_path_factory, corpus_index):
    """Two articles of the public tuning set ingested as a user's folder, in a notebook of their own."""
    from app.engine import Engine
    from ingest.pipeline import ingest
    from ingest.settings import Settings

    root = tmp_path_factory.mktemp("essay-notebook")
    folder = root / "articles"
    folder.mkdir()
    for name in ("crimean-war", "napoleon"):
        shutil.copy(TUNING / "docs" / f"{name}.txt", folder / f"{name}.txt")
    settings = Settings.from_env(home=corpus_index.home, index_dir=root / "index").with_notebook("essays")
    ingest([folder], settings, progress=False)
    engine = Engine.load(settings)
    return engine, {q: make_plan(engine, q) for q in (CRIMEA, NAPOLEON)}


@needs_tuning_set
@pytest.mark.parametrize("question", [CRIMEA, NAPOLEON])
def test_plans_on_a_notebook_of_tuning_articles_hold_the_same(notebook, question):
    engine, plans = notebook
    plan = plans[question]
    assert not plan.abstained
    no_quote_argues_the_other_side(engine, plan)
    answers_its_question(plan)
    dated_events_are_in(engine, plan)
    # an essay on one article's subject quotes that article only
    own = "crimean-war" if question == CRIMEA else "napoleon"
    assert {c.doc_id.removeprefix("articles-") for c in plan.citations} == {own}
    for s in plan.sections:
        assert s.point == NOT_COVERED or s.quotes


@needs_tuning_set
def test_religion_is_for_the_crimean_claim_and_the_conclusion_weighs_it(notebook):
    _, plans = notebook
    plan = plans[CRIMEA]
    assert any("Orthodox" in q or "Christian" in q for q in quoted(plan, "for"))
    assert "caused by religious disputes" in plan.conclusion
