"""The Evaluation page, driven headless with AppTest: a run made by `footnote eval`, shown, drilled into,
compared, and a new run started from the page on a teacher's question file."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from eval.run import main as eval_main
from eval.run import runs_beside
from tests.test_app import APP, TIMEOUT, markdown, shown

TEACHER_FILE = """questions:
  - id: pact
    question: "Why did both Hitler and Stalin agree to the non-aggression agreement of 1939?"
    answerable: true
    key_points:
      - point: "a pact would buy time"
        phrasings: ["buy time"]
        evidence:
          - doc: soviet-fp-1919-1945
            quote: "A pact with Germany would buy time to continue the Soviet military and industrial expansion"
"""


@pytest.fixture(scope="module")
def first_run(corpus_index, tmp_path_factory) -> Path:
    """One real `footnote eval` run on three questions, kept beside the index as the page keeps its own."""
    folder = runs_beside(corpus_index.settings) / "20260101-090000"
    if not (folder / "results.json").exists():
        assert eval_main(out=folder, settings=corpus_index.settings, limit=3) == 0
    return folder


@pytest.fixture
def page(corpus_index, first_run, monkeypatch, tmp_path) -> AppTest:
    monkeypatch.setattr("eval.run.RUNS", tmp_path / "no-runs")  # not this checkout's own eval/runs/
    monkeypatch.setenv("FOOTNOTE_HOME", str(corpus_index.home))
    monkeypatch.setenv("FOOTNOTE_INDEX_DIR", str(corpus_index.settings.index_dir))
    monkeypatch.setenv("FOOTNOTE_TEACHER", "1")  # the Evaluation page is the teacher's
    for extra in runs_beside(corpus_index.settings).iterdir():  # only the first run, whatever a test added
        if extra != first_run:
            shutil.rmtree(extra)
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.switch_page("views/evaluation.py").run()
    assert not at.exception and at.title[0].value == "Evaluation"
    return at


def test_the_latest_run_shows_metrics_beside_the_baselines_charts_and_every_question(page, first_run):
    assert page.selectbox(key="eval_run").value == str(first_run.resolve())
    figures = " ".join(m for m in markdown(page) if "The first footnote is the right passage" in m)
    # a teacher's words, a line of meaning each, the target and the baselines beside Footnote's figure
    assert "the answer&#39;s first footnote is on the expected evidence" in figures or \
        "the answer's first footnote is on the expected evidence" in figures
    assert "target" in figures and "BM25" in figures
    for jargon in ("MRR", "gold", "@5"):
        assert jargon not in figures
    assert len(page.image) >= 3  # the report's charts
    questions = page.dataframe[0].value
    assert len(questions) == 3 and "what went wrong" in questions.columns


def test_a_question_opens_to_its_answer_citations_and_key_points(page):
    page.selectbox(key="eval_question").set_value("aq-02").run()
    assert not page.exception
    body = markdown(page)
    # each mark is a link that opens its footnote, as on Ask (ui.fn_ref and the footnote's key)
    assert any('data-fn="eval-fn-1">[1]</a></sup>' in m for m in body)
    assert any("✓" in m or "✗" in m for m in body)  # key points hit or missed
    assert [e for e in page.expander if e.label.startswith("**\\[1\\]**")]


def test_a_teachers_file_with_problems_is_refused_with_the_line_and_field_of_each(page):
    bad = TEACHER_FILE.replace("answerable: true", "answerable: maybe").replace("soviet-fp-1919-1945", "no-such-doc")
    at = _upload(page, bad)
    assert "cannot be used" in at.error[0].value
    listed = shown(" ".join(markdown(at)))
    assert "line 2, pact: `answerable` must be true or false" in listed


def test_running_again_on_a_teachers_file_adds_a_run_that_can_be_compared(page, corpus_index):
    at = _upload(page, TEACHER_FILE)
    assert not at.error, [e.value for e in at.error]
    assert "Run saved" in at.success[0].value
    runs = sorted(p.name for p in runs_beside(corpus_index.settings).iterdir())
    assert len(runs) == 2
    assert len(at.dataframe[0].value) == 1  # the new run is shown: its one question
    compare = at.dataframe[1].value
    assert len(compare.columns) == 3


def _upload(at: AppTest, text: str) -> AppTest:
    at.file_uploader(key="eval_upload").set_value(("teacher.yaml", text.encode("utf-8"), "application/x-yaml"))
    at.button(key="eval_start").click().run()
    assert not at.exception
    return at


def test_a_teachers_csv_of_questions_and_evidence_is_run_and_a_bad_row_is_named(page):
    good = ("question,evidence\n"
            "When did Hitler cancel the Rapallo Treaty?,\"In 1933, Hitler comes to Power in Germany and cancels the "
            "Rapallo Treaty.\"\n"
            "What is photosynthesis?,\n")
    page.file_uploader(key="eval_upload").set_value(("mine.csv", good.encode("utf-8"), "text/csv"))
    page.button(key="eval_start").click().run()
    assert not page.exception and not page.error, [e.value for e in page.error]
    assert "Run saved" in page.success[0].value
    assert len(page.dataframe[0].value) == 2
    bad = "question,evidence\nWho won?,Stalin won every battle single-handed.\n"
    page.file_uploader(key="eval_upload").set_value(("mine.csv", bad.encode("utf-8"), "text/csv"))
    page.button(key="eval_start").click().run()
    assert "cannot be used" in page.error[0].value
    assert "line 2: the evidence is not in any document" in shown(" ".join(markdown(page)))


def test_a_run_of_another_shape_in_the_runs_folder_is_not_listed(tmp_path):
    """A tuning-set run (its results have no systems) or a damaged file beside the evaluation set's runs:
    the page lists neither, instead of failing on it."""
    import json

    from eval.run import list_runs

    for name, body in (("20260101-000000", {"systems": {}, "meta": {}}), ("tuning-20260101", {"summary": {}}),
                       ("20260102-000000", None)):
        (tmp_path / name).mkdir()
        (tmp_path / name / "results.json").write_text("{not json" if body is None else json.dumps(body))
    assert [p.name for p in list_runs(tmp_path)] == ["20260101-000000"]
