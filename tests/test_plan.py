"""Essay plans and who argues what, on the real corpus with the real model: every quote verbatim at its
offsets, both sides of a disagreement with the historians who hold them, sections the sources cannot
fill say so, a question they cannot support gets no plan; Markdown, Word and JSON say the same thing."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from docx import Document
from streamlit.testing.v1 import AppTest

from app.cli import main as cli
from app.engine.answer import with_kind
from app.engine.llm import Generator
from app.engine.retrieve import words
from app.jobs.brief import read_question
from app.jobs.debate import debate, subjects
from app.jobs.export import markdown_docx
from app.jobs.plan import NOT_COVERED, make_plan
from app.jobs.plan_markdown import inner_quotes, plan_markdown
from tests.test_llm import fake_llm, first_sentence, passage  # noqa: F401

SUCCESS = "How successful was Stalin's foreign policy 1928-41?"
PACT = "Why did Stalin sign the Nazi-Soviet Pact?"
BLAME = "How far was the USSR responsible for the failure of collective security?"
SEVENTIES = "How successful was Soviet foreign policy in the 1970s?"
APP = Path(__file__).resolve().parent.parent / "app" / "pages" / "streamlit_app.py"


@pytest.fixture(scope="module")
def plans(engine):
    """Each question planned once for the whole module."""
    return {q: make_plan(engine, q) for q in (SUCCESS, PACT, BLAME, SEVENTIES)}


@pytest.fixture
def index_env(corpus_index, monkeypatch):
    monkeypatch.setenv("FOOTNOTE_HOME", str(corpus_index.home))
    monkeypatch.setenv("FOOTNOTE_INDEX_DIR", str(corpus_index.settings.index_dir))
    return corpus_index


@pytest.mark.parametrize("question", [SUCCESS, PACT, BLAME])
def test_a_plan_has_three_to_five_sections_and_every_quote_sits_verbatim_at_its_offsets(plans, engine, question):
    plan = plans[question]
    assert not plan.abstained
    assert 3 <= len(plan.sections) <= 5
    assert sum(s.covered for s in plan.sections) >= 3
    for c in plan.citations:
        assert engine.library.docs[c.doc_id].text[c.start:c.end] == c.quote
        assert c.passage[c.start - c.passage_start: c.end - c.passage_start] == c.quote
    for s in [*plan.sections, plan.counter]:
        assert s.point == NOT_COVERED if not s.covered else 1 <= len(s.quotes) <= 3 and s.who
        assert s.stance in {"for", "against", "context"}


def test_how_successful_weighs_successes_against_failures_with_two_historians_positions(plans):
    plan = plans[SUCCESS]
    facets = {(s.facet, s.stance) for s in plan.sections if s.covered}
    assert ("successes", "for") in facets and ("failures", "against") in facets
    assert plan.brief.kind == "evaluate" and plan.brief.span == "1928–1941"
    assert {"for", "against"} <= {t.stance for t in plan.theses}
    historians = {name for r in plan.debate for name, role, quotes in r.writers if role == "historian" and quotes}
    assert len(historians) >= 2
    assert plan.conclusion and plan.conclusion_quotes  # the sources' own concluding sentence, cited


def test_why_the_pact_has_a_thesis_per_reading_each_with_its_historians(plans):
    theses = plans[PACT].theses
    assert len(theses) >= 2
    readings = {t.stance: t.holders for t in theses}
    assert len(readings) == len(theses)  # one per side
    assert all(t.holders and t.quotes for t in theses)
    named = [h for t in theses for h in t.holders if re.search(r"\b[A-Z]\. ?[A-Z]", h)]
    assert len(named) >= 2  # historians the sources name, with initials as they give them


def test_how_far_has_a_case_for_and_against_the_claim(plans):
    plan = plans[BLAME]
    assert plan.brief.kind == "extent"
    assert plan.brief.subject == "the USSR" and plan.brief.predicate.startswith("responsible")
    assert {"for", "against"} <= {s.stance for s in plan.sections if s.covered}


def test_a_question_on_a_period_the_sources_never_reach_gets_no_plan_but_the_reason_and_nearest_material(plans):
    plan = plans[SEVENTIES]
    assert plan.abstained and not plan.sections and not plan.citations
    assert any("1970s" in w for w in plan.declined.warnings)
    assert plan.declined.nearest
    assert "will not answer" in plan_markdown(plan)


def test_a_question_the_engine_declines_gets_no_plan(engine):
    plan = make_plan(engine, "What is photosynthesis?")
    assert plan.abstained and plan.to_json()["declined"]["nearest"]


@pytest.fixture
def llm_engine(engine, fake_llm):  # noqa: F811
    engine.llm = Generator(fake_llm.url, "fake-model", timeout=2.0)
    yield engine
    engine.llm = None


def test_with_an_llm_a_point_that_restates_its_quote_is_kept_as_generated(llm_engine, fake_llm):  # noqa: F811
    fake_llm.reply = lambda p: f"{first_sentence(passage(p, 1))} [1]"
    plan = make_plan(llm_engine, PACT)
    generated = [s for s in [*plan.sections, plan.counter] if s.generated]
    assert plan.mode == "llm" and generated
    for s in generated:  # the model restated the section's first quote, and the check let it through
        assert s.point == first_sentence(plan.citations[s.quotes[0] - 1].quote)
    assert any("In one sentence" in m[-1]["content"] for m in fake_llm.prompts)


def test_with_an_llm_a_point_its_quotes_do_not_support_is_not_used(llm_engine, fake_llm):  # noqa: F811
    fake_llm.reply = lambda p: "The moon landing of 1969 was planned by the Politburo. [1]"
    plan = make_plan(llm_engine, PACT)
    assert plan.mode == "extractive" and not any(s.generated for s in plan.sections)
    assert any("not supported" in w for w in plan.warnings)
    for s in plan.sections:  # the sources' own sentences instead
        assert "moon" not in s.point
        if s.point != NOT_COVERED:  # the main clause of its evidence, in the sources' words (spelling mended)
            quoted = {w for n in s.quotes for w in words(plan.citations[n - 1].quote)}
            assert len(set(words(s.point)) - quoted) <= 2, s.point


def test_the_question_is_read_for_command_words_terms_and_span():
    b = read_question("To what extent was the Nazi-Soviet Pact a defensive move?")
    assert b.kind == "extent" and b.command_words == ["to what extent"]
    assert b.subject == "the Nazi-Soviet Pact" and b.predicate == "a defensive move"
    assert read_question("Why did Stalin sign the pact in 1939?").span == "1939"
    assert read_question("Assess the reasons for the failure of collective security").kind == "causes"


def test_markdown_and_word_hold_the_same_quotes_and_footnotes(plans):
    plan = plans[SUCCESS]
    markdown = plan_markdown(plan)
    assert markdown.count("\n## ") >= 3 + 4  # the question, theses, sections, counter, conclusion ...
    doc = Document(io.BytesIO(markdown_docx(markdown, title="Essay plan")))
    text = "\n".join(p.text for p in doc.paragraphs)
    for c in plan.citations:
        assert f"[{c.n}]" in markdown and f"[{c.n}]" in text
        reference = f"[{c.n}] {with_kind(c.title, c.kind)}, {c.passage_id}, characters {c.start}–{c.end}."
        assert reference in text  # the reference list: title, passage id, characters
    quoted = re.findall(r'"([^"]{20,}?)" \[(\d+)\]', text)
    assert quoted and all(inner_quotes(plan.citations[int(n) - 1].quote).startswith(q[:15].strip()) or q[:15] in
                          inner_quotes(plan.citations[int(n) - 1].quote) for q, n in quoted)


def test_cli_plan_json_has_the_documented_shape_and_writes_docx(index_env, capsys, tmp_path):
    out = tmp_path / "plan.docx"
    assert cli(["plan", "--json", "--out", str(out), PACT]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert set(plan) >= {"question", "abstained", "command_words", "key_terms", "time_span", "weigh", "theses",
                         "sections", "counter_argument", "conclusion", "who_argues_what", "citations"}
    assert set(plan["sections"][0]) == {"title", "stance", "facet", "covered", "point", "generated", "quotes", "who"}
    assert set(plan["citations"][0]) - {"speaker"} == {"n", "doc_id", "title", "passage_id", "start", "end", "quote", "passage"}
    assert set(plan["theses"][0]) == {"text", "stance", "holders", "quotes"}
    assert Document(str(out)).paragraphs


def readme_schema() -> dict:
    """The schema the README links (docs/schemas/plan.schema.json)."""
    path = Path(__file__).resolve().parent.parent / "docs" / "schemas" / "plan.schema.json"
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("question", [SUCCESS, PACT, BLAME, SEVENTIES])
def test_plan_json_validates_against_the_schema_in_the_readme(plans, question):
    import jsonschema

    jsonschema.validate(json.loads(json.dumps(plans[question].to_json())), readme_schema())


def test_the_readme_schema_rejects_a_plan_without_sections(plans):
    import jsonschema

    broken = plans[SUCCESS].to_json() | {"sections": []}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, readme_schema())


def test_cli_plan_exit_codes(index_env, capsys, tmp_path):
    assert cli(["plan", "--out", str(tmp_path / "plan.pdf"), PACT]) == 2
    assert cli(["plan", "   "]) == 2
    err = capsys.readouterr().err
    assert ".md or .docx" in err and "Type a question" in err and "Traceback" not in err
    assert cli(["plan", SEVENTIES]) == 0
    assert "1970s" in capsys.readouterr().out


def test_cli_debate_names_historians_with_citations(index_env, capsys):
    assert cli(["debate", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    writers = [w for r in out["readings"] for w in r["writers"]]
    historians = [w for w in writers if w["role"] == "historian"]
    assert len(historians) >= 4 and all(w["quotes"] for w in writers)
    assert len({r["label"] for r in out["readings"]}) >= 3
    for w in writers:  # each writer's name is in a sentence they are cited for
        surname = w["name"].split()[-1]
        assert any(surname in out["citations"][n - 1]["quote"] for n in w["quotes"])


@pytest.mark.parametrize(("sentence", "names"), [
    ("J. Haslam and C. Kennedy-Pipe pointed the genuine differences", ["J. Haslam", "C. Kennedy-Pipe"]),
    ("Chris Korin suggests that nowhere is this clearer", ["Chris Korin"]),
    ("A. Writer, whose credentials as a journalist are better, nevertheless makes a strong point", ["A. Writer"]),
    ("Germany he argues, was able to do this", []),
    ("The signing could be deemed a success, however Germany invaded later could be argued to be a failure", []),
    ("This led Stalin to believe that his policy was successful", []),
    ("In 1932, the USSR signs peace pacts with the three Baltic states", []),
])
def test_writers_are_the_named_subjects_of_reporting_verbs(sentence, names):
    assert subjects(sentence) == names


def test_schools_are_read_from_how_the_sources_name_them(engine):
    d = debate(engine.library)
    assert len(d.schools) >= 2
    assert all(s.claims for s in d.schools)
    members = [k for s in d.schools for k in s.members]
    assert len(members) == len(set(members)) >= 3  # each writer in one school
    assert d.unnamed  # "some historians argue ...", as the writers report them


def test_the_essay_page_plans_opens_footnotes_and_offers_downloads(index_env):
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.run()
    at.switch_page("views/essay.py").run()
    assert not at.exception and at.title[0].value == "Essay plan"
    at.text_input(key="plan_question").set_value(PACT)
    at.button[0].click().run()  # the form's submit button
    assert not at.exception
    plan = at.session_state["plan"]
    assert not plan.abstained
    labels = [e.label for e in at.expander]
    assert any(label.startswith("**\\[1\\]**") for label in labels)
    body = " ".join(m.value for m in at.markdown)
    assert "<mark" in body  # a footnote's passage with its quote highlighted
    assert [t.label for t in at.tabs] == ["Plan", "Who argues what"]
    assert any("Tucker" in m.value for m in at.tabs[1].markdown)
    at.text_input(key="plan_question").set_value(SEVENTIES)
    at.button[0].click().run()
    assert not at.exception
    assert any("cannot support" in i.value for i in at.info)
