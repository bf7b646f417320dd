"""The Check an answer and Evaluation pages, driven headless with AppTest on the real index."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from app.pages import ui
from tests.test_app import APP, TIMEOUT, markdown

PACT = ui.EXAMPLES[1]


@pytest.fixture
def check_page(corpus_index, monkeypatch) -> AppTest:
    monkeypatch.setenv("FOOTNOTE_HOME", str(corpus_index.home))
    monkeypatch.setenv("FOOTNOTE_INDEX_DIR", str(corpus_index.settings.index_dir))
    monkeypatch.setenv("FOOTNOTE_TEACHER", "1")  # Check an answer is the teacher's
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.switch_page("views/check.py").run()
    assert not at.exception and at.title[0].value == "Check an answer"
    return at


def run_check(at: AppTest, question: str, answer: str, points: str = "") -> AppTest:
    at.text_input(key="check_question").set_value(question)
    at.text_area(key="check_answer").set_value(answer)
    at.text_area(key="check_points").set_value(points)
    at.button(key="check_run").click().run()
    assert not at.exception
    return at


def test_a_checked_answer_shows_coloured_verdicts_footnotes_key_points_and_downloads(check_page):
    at = run_check(check_page, PACT, "The Nazi-Soviet pact was signed in August 1938. "
                                     "Stalin visited London in 1937 to sign an alliance.")
    result = at.session_state["check_result"]
    assert [s.verdict for s in result.sentences] == ["conflicts", "not_in_sources"]
    body = next(m for m in markdown(at) if "Conflicts with the sources" in m)
    assert "Not in the sources" in body and "1939" in body and ">[1]</a></sup>" in body
    assert [m.value for m in at.metric][:3] == ["0", "1", "1"]
    footnotes = [e for e in at.expander if e.label.startswith("**\\[")]
    assert len(footnotes) == len(result.citations)
    c = result.citations[0]
    assert any(f">{ui.esc(c.quote)}</mark>" in m for m in markdown(at))  # highlighted as Ask does
    assert any("Key points" in h.value for h in at.subheader)
    assert result.summary in at.code[0].value


def test_a_teachers_key_points_replace_the_evaluation_sets(check_page):
    at = run_check(check_page, PACT, "A pact with Germany would buy time for Soviet military expansion.",
                   points="A pact would buy time to rearm\nStalin feared Japan")
    result = at.session_state["check_result"]
    assert result.key_points_from == "teacher" and [k.point for k in result.key_points][0] == \
        "A pact would buy time to rearm"


def test_an_empty_answer_says_what_to_do(check_page):
    at = run_check(check_page, PACT, "   ")
    assert "is empty" in at.error[0].value
    assert "check_result" not in at.session_state


def test_the_example_fills_the_form(check_page):
    check_page.button(key="check_example").click().run()
    assert check_page.text_input(key="check_question").value == PACT
    assert "1938" in check_page.text_area(key="check_answer").value
