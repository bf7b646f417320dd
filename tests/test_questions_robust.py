"""Every question gets an answer, a decline with its reason, or a one-line message; never a traceback.

The engine is the real one on the real corpus (the session fixture); the CLI runs in this process with
its standard input and output replaced, and with `Engine.load` handing over that engine, so that a
hundred questions cost a hundred answers, not a hundred model loads.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from app.cli import main, questions_codec
from app.engine import READ_ERROR, Engine
from app.engine.language import foreign_questions, is_english
from ingest.errors import BadQuestionError

ROOT = Path(__file__).resolve().parent.parent
FOREIGN = foreign_questions(ROOT / "tests" / "data" / "foreign_questions.txt")
NO_WORD = "no word to look up"
NOT_ENGLISH = "Footnote's sources are in English"


@pytest.fixture
def cli(engine, monkeypatch):
    """Runs `footnote ARGS` in this process with `stdin` bytes; returns (exit code, stdout, stderr)."""
    monkeypatch.setattr(Engine, "load", classmethod(lambda cls, *a, **k: engine))
    return run_cli


def run_cli(args: list[str], stdin: bytes = b"") -> tuple[int, str, str]:
    out, err, saved = io.StringIO(), io.StringIO(), sys.stdin
    sys.stdin = io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8")
    try:
        with redirect_stdout(out), redirect_stderr(err):
            code = main(args)
    finally:
        sys.stdin = saved
    return code, out.getvalue(), err.getvalue()


# --- the engine ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("question", ["Why?", "What is it?", "Who was he?", "How did they?"])
def test_a_question_with_no_word_to_look_up_is_declined_with_the_reason(engine, question):
    answer = engine.ask(question)
    assert answer.abstained and not answer.citations
    assert any(NO_WORD in w for w in answer.warnings)


@pytest.mark.parametrize(("question", "plain"), [
    ("yo why was litvinov sacked lol", "why was litvinov sacked"),  # the issue's
    ("omg when was the treaty of rapallo signed pls", "when was the treaty of rapallo signed"),  # case as typed
    ("Hello, who replaced Litvinov? thx", "Who replaced Litvinov?"),
])
def test_chat_filler_never_decides_an_answer(engine, question, plain):
    typed, clean = engine.ask(question), engine.ask(plain)
    assert not typed.abstained and typed.question == question  # shown as the student typed it
    assert typed.citations[0].quote == clean.citations[0].quote


@pytest.mark.parametrize("question", ["lol", "yo pls", "hey?"])
def test_a_question_of_filler_alone_has_no_word_to_look_up(engine, question):
    answer = engine.ask(question)
    assert answer.abstained and any(NO_WORD in w for w in answer.warnings)


def test_filler_words_are_dropped_only_when_they_are_chat_register():
    from app.engine.language import without_filler
    assert without_filler("Hey, why did Stalin like Hitler so well?") == "why did Stalin like Hitler so well?"
    assert without_filler("Was the pact ok for Stalin?") == "Was the pact ok for Stalin?"


@pytest.mark.parametrize("question", ["Почему Сталин подписал пакт с Гитлером?", "斯大林为什么签署条约？",
                                      "لماذا وقع ستالين الاتفاقية؟", "Γιατί υπέγραψε ο Στάλιν;", *FOREIGN])
def test_a_question_in_another_language_is_declined_because_the_sources_are_in_english(engine, question):
    answer = engine.ask(question)
    assert answer.abstained and not answer.citations
    assert any(NOT_ENGLISH in w for w in answer.warnings), answer.warnings


def test_no_english_question_of_the_evaluation_set_reads_as_another_language(questions):
    assert [q["question"] for q in questions if not is_english(q["question"])] == []


@pytest.mark.parametrize("question", ["Rapallo?", "What did Молотов sign in 1939?", "Was Stalin a realist?",
                                      "What did Mein Kampf say about Lebensraum?", "Stalin Hitler Ribbentrop"])
def test_english_questions_with_foreign_names_are_looked_up(engine, question):
    assert not any(NOT_ENGLISH in w for w in engine.ask(question).warnings)


@pytest.mark.parametrize("question", ["???", "\x00\x00\x00\x00", "  \t ", "!?… ¿¡", "\ufffd\ufffd"])
def test_a_question_with_no_words_at_all_is_a_one_line_message(engine, question):
    with pytest.raises(BadQuestionError) as e:
        engine.ask(question)
    assert "\n" not in str(e.value)


def test_retrieval_for_a_question_with_no_word_returns_passages_without_bm25(engine):
    assert len(engine.retrieve("Who was he?")) == engine.settings.top_k


def test_a_replaced_character_is_noted_and_the_question_still_answered(engine):
    answer = engine.ask("Why did Litvinov's dismissal \ufffd matter?")
    assert not answer.abstained and READ_ERROR in answer.warnings


# --- the command line ----------------------------------------------------------------------------------


def test_a_file_with_bad_lines_answers_every_line_in_order(cli, tmp_path):
    lines = [b"Why?", b"\xff\xfe\xfd", b"\x00\x00\x00", "Почему Сталин подписал пакт?".encode(),
             b"Why did Litvinov\xff's dismissal matter?", b"", b"   ", b"???", b"What was the Treaty of Rapallo?"]
    path = tmp_path / "questions.txt"
    path.write_bytes(b"\n".join(lines) + b"\n")
    code, out, err = cli(["ask", "--file", str(path)])
    assert code == 0 and err == ""
    rows = [json.loads(line) for line in out.splitlines()]
    assert len(rows) == 7
    assert [("error" in r) for r in rows] == [False, True, True, False, False, True, False]
    assert NOT_ENGLISH in rows[3]["warnings"][0]
    assert READ_ERROR in rows[4]["warnings"] and "\ufffd" in rows[4]["question"] and rows[4]["citations"]
    assert rows[-1]["citations"]  # the line after the bad ones is answered


def test_an_unexpected_error_on_one_line_is_its_json_error_and_the_next_line_is_answered(cli, engine, monkeypatch):
    real = engine.ask

    def ask(question, top_k=None):
        if question == "boom":
            raise RuntimeError("a bug\nover two lines")
        return real(question, top_k)

    monkeypatch.setattr(engine, "ask", ask)
    code, out, err = cli(["ask", "--file", "-"], b"boom\nWhy did Litvinov's dismissal matter?\n")
    first, second = (json.loads(line) for line in out.splitlines())
    assert code == 0 and "Traceback" not in out + err
    assert first["question"] == "boom" and "RuntimeError: a bug over two lines" in first["error"]
    assert second["citations"]


def test_a_missing_questions_file_is_one_line(cli, tmp_path):
    code, out, err = cli(["ask", "--file", str(tmp_path / "nope.txt")])
    assert code == 2 and out == "" and len(err.splitlines()) == 1 and "cannot read" in err


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le"])  # with a byte order mark, as Notepad saves; and without
def test_a_questions_file_in_utf_16_is_read_as_questions_not_as_nul_bytes(cli, tmp_path, codec):
    path = tmp_path / "questions.txt"
    path.write_bytes("Why did Litvinov's dismissal matter?\r\nWhat was the Treaty of Rapallo?\r\n".encode(codec))
    code, out, err = cli(["ask", "--file", str(path)])
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and err == ""
    assert [r["question"] for r in rows] == ["Why did Litvinov's dismissal matter?", "What was the Treaty of Rapallo?"]
    assert all(r["citations"] for r in rows)


def test_a_questions_file_with_no_line_breaks_is_read_in_bounded_lines_and_stops_at_its_cap(cli, monkeypatch):
    import app.cli

    monkeypatch.setattr(app.cli, "MAX_QUESTIONS_BYTES", 200_000)  # the cap's logic; 10 MB is the same loop
    code, out, err = cli(["ask", "--file", "/dev/zero"])
    assert code == 2 and len(err.splitlines()) == 1
    assert "stopped reading /dev/zero after 0 MB: a questions file holds at most that" in err


def test_a_question_line_over_the_cap_is_one_error_and_the_next_line_is_answered(cli):
    data = b"Why " * 5000 + b"\nWhat was the Treaty of Rapallo?\n"
    code, out, err = cli(["ask", "--file", "-"], data)
    first, second = (json.loads(line) for line in out.splitlines())
    assert code == 0 and "error" in first and "characters long" in first["error"]
    assert second["citations"]


def test_check_reads_an_answer_saved_in_utf_16(cli, tmp_path):
    path = tmp_path / "answer.txt"
    path.write_bytes("Stalin signed the Nazi-Soviet Pact in August 1939 to buy time.\r\n".encode("utf-16"))
    code, out, err = cli(["check", "--question", "Why did Stalin sign the Nazi-Soviet Pact?", "--answer", str(path)])
    assert code == 0 and "binary" not in out + err and "Stalin signed the Nazi-Soviet Pact" in out


def test_check_reads_no_more_of_an_answer_file_than_its_cap(cli):
    code, out, err = cli(["check", "--question", "Why did Stalin sign the Nazi-Soviet Pact?", "--answer", "/dev/zero"])
    assert code == 2 and err.splitlines() == [
        "footnote: /dev/zero is larger than 20 MB; an answer to check is at most 20,000 characters. "
        "Give the answer's own text."]


def test_a_declined_question_says_why_in_the_terminal(cli):
    code, out, _ = cli(["ask", "Who was he?"])
    assert code == 0 and NO_WORD in out


def test_a_question_with_no_words_is_one_line_on_stderr(cli):
    code, out, err = cli(["ask", "???"])
    assert code == 2 and out == "" and err.startswith("footnote: ") and len(err.splitlines()) == 1


# Lines for the property test: any text (surrogates and all, written as the bytes Python would make of
# them), any bytes, and the inputs that used to crash.
LINE = st.one_of(
    st.text(max_size=60).map(lambda t: t.encode("utf-8", "surrogatepass")),
    st.binary(max_size=60),
    st.sampled_from([b"Why?", b"???", b"\x00" * 8, "Кто он?".encode(), b"\xff\xfe", b"Who was Litvinov?"]),
)


def test_any_text_and_bytes_on_standard_input_give_one_json_object_per_line(engine, monkeypatch):
    monkeypatch.setattr(Engine, "load", classmethod(lambda cls, *a, **k: engine))

    @settings(max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(LINE, min_size=1, max_size=5))
    def check(lines):
        data = b"\n".join(lines)
        assume(questions_codec(data[:8192]) is None)  # read as UTF-16 lines instead: tested above
        expected = [seg.decode("utf-8", "replace").strip() for seg in data.split(b"\n")]
        expected = [q for q in expected if q]
        code, out, err = run_cli(["ask", "--json", "--file", "-"], data)
        assert code == 0 and "Traceback" not in out + err
        rows = [json.loads(line) for line in out.splitlines()]
        assert len(rows) == len(expected)
        for row in rows:
            assert isinstance(row, dict) and "question" in row and ("answer" in row or "error" in row)

    check()


def test_invalid_bytes_in_an_argument_are_replaced_and_noted_by_the_real_command(corpus_index):
    """A real `footnote ask` process: Python hands undecodable argument bytes over as surrogates."""
    env = os.environ | {"PYTHONPATH": str(ROOT), "FOOTNOTE_HOME": str(corpus_index.home),
                        "FOOTNOTE_INDEX_DIR": str(corpus_index.settings.index_dir)}
    question = os.fsdecode("Why did Litvinov's dismissal \xff matter?".encode("latin-1"))
    done = subprocess.run([sys.executable, "-m", "app.cli", "ask", "--json", question], env=env, cwd=ROOT,
                          capture_output=True, timeout=180)
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    row = json.loads(done.stdout)
    assert "\ufffd" in row["question"] and READ_ERROR in row["warnings"] and row["citations"]


# --- the app's Ask page --------------------------------------------------------------------------------


@pytest.mark.parametrize(("question", "box", "says"), [
    ("Who was he?", "info", NO_WORD),
    ("Почему Сталин подписал пакт?", "info", NOT_ENGLISH),
    ("???", "error", "no words in it"),
    ("\x00\x00\x00", "error", "Type a question first"),
])
def test_the_ask_page_answers_bad_input_with_a_message_box(corpus_index, monkeypatch, question, box, says):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("FOOTNOTE_HOME", str(corpus_index.home))
    monkeypatch.setenv("FOOTNOTE_INDEX_DIR", str(corpus_index.settings.index_dir))
    at = AppTest.from_file(str(ROOT / "app" / "pages" / "streamlit_app.py"), default_timeout=120)
    at.run()
    at.chat_input[0].set_value(question).run()
    assert not at.exception
    shown = " ".join(e.value for e in getattr(at, box)).replace("\\", "")
    assert says in shown, shown
