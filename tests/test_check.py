"""The answer checker (app/jobs/check.py, `footnote check`) on the real corpus with the real model."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from app.cli import main
from app.jobs import check

ROOT = Path(__file__).resolve().parent.parent
PACT_QUESTION = "Why did both Hitler and Stalin agree to the non-aggression agreement of 1939?"

# Sentences of soviet-fp-1919-1945's third paragraph, each lightly reworded.
PARAPHRASE = (
    "The Soviets kept sponsoring and hosting the Comintern's annual meeting to maintain their control of the "
    "world-wide communist movement. Other governments perceived the Comintern as an aggressive attack on their "
    "social and political order. The United States had its first Red Scare in 1919, arresting communists and "
    "communist sympathizers. As a result the Bolsheviks had to work with the other international pariah of the "
    "decade, the Germans. In 1922 the two countries concluded the Rapallo Treaty, which ended their isolation "
    "and opened the way to military and economic cooperation."
)


@pytest.fixture(scope="module")
def pact_check(engine):
    answer = ("Stalin knew that a pact with Germany would buy time to continue Soviet military expansion. "
              "The Nazi-Soviet pact was signed in August 1938. "
              "Stalin visited London in 1937 to sign an alliance.")
    return check.check(engine, PACT_QUESTION, answer, check.evaluation_key_points(PACT_QUESTION), "evaluation set")


def test_a_lightly_paraphrased_paragraph_from_the_sources_is_supported_sentence_by_sentence(engine):
    result = check.check(engine, "Why did the Soviet Union work with Germany in the 1920s?", PARAPHRASE, [])
    assert len(result.sentences) == 5
    for s in result.sentences:
        assert s.verdict == "supported", s.text
        assert s.citations and all(c.doc_id == "soviet-fp-1919-1945" for c in s.citations)
    rapallo = result.sentences[-1].citations[0]
    assert "Rapallo Treaty in 1922" in rapallo.quote
    assert rapallo.passage[rapallo.start - rapallo.passage_start:rapallo.end - rapallo.passage_start] == rapallo.quote


def test_an_invented_visit_to_london_is_not_in_the_sources(pact_check):
    s = pact_check.sentences[2]
    assert s.text.startswith("Stalin visited London")
    assert s.verdict == "not_in_sources"
    assert s.citations == [] and s.correction is None


def test_a_wrong_date_conflicts_and_the_correction_gives_the_sources_date_with_its_citation(pact_check):
    s = pact_check.sentences[1]
    assert s.verdict == "conflicts"
    assert "1939" in s.correction and "1938" in s.correction
    assert any("1939" in c.quote for c in s.citations)
    assert "1939" in pact_check.summary


def test_a_partial_answer_covers_some_key_points_and_names_the_missing_ones(pact_check):
    assert pact_check.key_points_from == "evaluation set" and len(pact_check.key_points) == 4
    assert 0 < pact_check.coverage < 1
    assert pact_check.key_points[0].covered  # buying time for military expansion
    missed = [k for k in pact_check.key_points if not k.covered]
    assert all(k.point[:40] in pact_check.summary for k in missed)
    assert all(k.citations for k in pact_check.key_points)  # each key point opens its own gold passage


def test_a_teachers_key_points_are_looked_for_instead_of_the_evaluation_sets(engine):
    points = check.read_key_points(b"- The Rapallo Treaty of 1922 ended the isolation of both countries\n"
                                   b"2. Stalin purged the Red Army in 1937\n\n")
    assert [p.point for p in points] == ["The Rapallo Treaty of 1922 ended the isolation of both countries",
                                        "Stalin purged the Red Army in 1937"]
    result = check.check(engine, "Why did Russia and Germany cooperate?", PARAPHRASE, points, "teacher")
    assert [k.covered for k in result.key_points] == [True, False]
    assert result.coverage == 0.5


def _readme_schema() -> dict:
    """The schema the README links (docs/schemas/check.schema.json)."""
    return json.loads((ROOT / "docs" / "schemas" / "check.schema.json").read_text(encoding="utf-8"))


def test_check_json_validates_against_the_readme_schema_and_uses_the_answers_citation_objects(pact_check):
    import jsonschema  # installed with streamlit (altair depends on it), pinned in constraints.txt

    data = json.loads(json.dumps(pact_check.to_json()))
    jsonschema.validate(data, _readme_schema())
    cited = [c for s in data["sentences"] for c in s["citations"]]
    assert cited and set(cited[0]) - {"speaker"} == {"n", "doc_id", "title", "passage_id", "start", "end", "quote", "passage"}


def test_the_markdown_export_lists_every_verdict_and_source(pact_check):
    md = pact_check.markdown()
    assert "**Conflicts**" in md and "**Not in the sources**" in md and "**Supported**" in md
    assert md.count("\n1. ") >= 2  # the sentences and the sources, numbered


@pytest.mark.parametrize("data, name, says", [
    (b"", "empty.txt", "is empty"),
    (b"   \n\n  ", "blank.txt", "is empty"),
    (b"\x00\x01\x02binary\x00" * 20, "photo.txt", "not text"),
    (b"PK\x03\x04 not really a zip", "essay.docx", "not a Word file"),
    (b"word " * 5000, "huge.txt", "characters long"),
    (b"1234 5678 %%% $$$ 9999 0000 ##", "digits.txt", "does not look like written text"),
])
def test_unreadable_answers_get_one_clear_line(data, name, says):
    with pytest.raises(check.AnswerCheckError, match=says) as e:
        check.read_answer(data, name)
    assert "\n" not in str(e.value)


def test_a_word_document_is_read_paragraph_by_paragraph():
    from docx import Document

    doc = Document()
    doc.add_paragraph("The Rapallo Treaty was signed in 1922.")
    doc.add_paragraph("It ended the isolation of both countries.")
    out = io.BytesIO()
    doc.save(out)
    text = check.read_answer(out.getvalue(), "answer.docx")
    assert check.split_sentences(text) == ["The Rapallo Treaty was signed in 1922.",
                                           "It ended the isolation of both countries."]


def test_cli_check_prints_json_and_writes_a_word_file(corpus_index, monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("FOOTNOTE_HOME", str(corpus_index.home))
    monkeypatch.setenv("FOOTNOTE_INDEX_DIR", str(corpus_index.settings.index_dir))
    answer = tmp_path / "answer.txt"
    answer.write_text("The Nazi-Soviet pact was signed in August 1938.\n", encoding="utf-8")
    out = tmp_path / "check.docx"
    assert main(["check", "--question", PACT_QUESTION, "--answer", str(answer), "--json", "--out", str(out)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["sentences"][0]["verdict"] == "conflicts"
    assert len(data["key_points"]) == 4  # the evaluation set's, since the question is in it
    assert out.read_bytes()[:2] == b"PK"


@pytest.mark.parametrize("args, says", [
    (["--answer", "no-such-file.txt"], "cannot read"),
    (["--answer", "{empty}"], "is empty"),
    (["--answer", "{answer}", "--out", "check.pdf"], ".md or .docx"),
    (["--answer", "{answer}", "--out", "{missing}/check.md"], "no folder"),
    (["--answer", "{answer}", "--key-points", "{empty}"], "key points file is empty"),
])
def test_cli_check_bad_input_is_one_line_and_exit_code_2(args, says, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("FOOTNOTE_INDEX_DIR", str(tmp_path / "no-index"))  # every problem is found before loading
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "answer.txt").write_text("Stalin signed the pact.", encoding="utf-8")
    args = [a.format(empty=tmp_path / "empty.txt", answer=tmp_path / "answer.txt", missing=tmp_path / "nowhere")
            for a in args]
    assert main(["check", "--question", PACT_QUESTION, *args]) == 2
    err = capsys.readouterr().err.strip()
    assert says in err and len(err.splitlines()) == 1 and "Traceback" not in err
