"""Text from sources and questions is made safe where it is shown: ingest/safe_text.py and its users.

The property tests keep no example database (`database=None`); the cache Hypothesis keeps in
.hypothesis/ carries its own .gitignore.
"""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from app.engine.answer import Answer, AnswerSentence, Citation
from app.jobs.render import answer_markdown, answer_text
from ingest.safe_text import BIDI_CONTROLS, argument, decode, json_line, printable

HOSTILE = "Stalin\x1b[2J\x1b]0;pwned\x07 signed\u202e tcap eht\u202c \x9b31m\x00the pact.\r"


def acts(text: str) -> list[str]:
    """The characters in `text` that a terminal or a browser would obey rather than show."""
    return [c for c in text if (ord(c) < 0x20 and c not in "\t\n") or 0x7F <= ord(c) < 0xA0
            or c in BIDI_CONTROLS or 0xD800 <= ord(c) <= 0xDFFF]


def test_escape_sequences_controls_and_bidi_overrides_are_removed_and_the_words_kept():
    assert printable(HOSTILE) == "Stalin signed tcap eht 31mthe pact. "
    assert printable("Line one\r\nline two\ttabbed") == "Line one\nline two\ttabbed"


def test_right_to_left_and_other_scripts_are_left_alone():
    text = "Молотов, שלום, سلام, 斯大林, naïve"
    assert printable(text) == text


def test_an_unterminated_title_sequence_hides_at_most_the_rest_of_its_line():
    assert printable("before\x1b]0;no end here\nafter") == "before\nafter"


@settings(max_examples=300, deadline=None, database=None)
@given(st.text())
def test_printable_text_contains_nothing_that_acts_and_is_stable(text):
    out = printable(text)
    assert not acts(out)
    assert printable(out) == out


@settings(max_examples=300, deadline=None, database=None)
@given(st.recursive(st.text(), lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner,
                                                                                             max_size=3)))
def test_a_json_line_is_one_line_shows_nothing_that_acts_and_reads_back_unchanged(obj):
    line = json_line(obj)
    assert "\n" not in line and not acts(line)
    assert json.loads(line) == obj


@settings(max_examples=300, deadline=None, database=None)
@given(st.binary())
def test_any_bytes_decode_to_text_that_can_be_printed(data):
    text, replaced = decode(data)
    text.encode("utf-8")  # no surrogates
    assert replaced == (text.encode("utf-8") != data)


def test_an_argument_with_invalid_bytes_keeps_what_could_be_read():
    import os

    raw = b"Why did Litvinov matter? " + b"\xff\xfe" + "Молотов".encode()
    text, replaced = argument(os.fsdecode(raw))
    assert replaced and text == "Why did Litvinov matter? \ufffd\ufffdМолотов"
    assert argument("plain") == ("plain", False)


def hostile_answer() -> Answer:
    passage = "Before. " + HOSTILE + " After."
    quote = HOSTILE
    c = Citation(1, "doc", "A title\x1b[31m\u202e", "essay", "doc#000", 8, 8 + len(quote), quote, passage, 0)
    return Answer("q\x1b[2J", [AnswerSentence(HOSTILE, [1])], [c], abstained=False, warnings=["warn\x07\u2066"])


def test_the_terminal_rendering_of_an_answer_shows_nothing_that_acts():
    out = answer_text(hostile_answer())
    assert not acts(out)
    assert "Stalin signed tcap eht" in out and "A title" in out


def test_the_markdown_to_copy_shows_nothing_that_acts():
    assert not acts(answer_markdown(hostile_answer()))


def test_stored_text_keeps_the_original_and_json_escapes_it():
    answer = hostile_answer()
    answer_text(answer)
    assert answer.citations[0].quote == HOSTILE
    line = json_line(answer.to_json())
    assert not acts(line)
    assert json.loads(line)["citations"][0]["quote"] == HOSTILE


def test_the_app_escapes_drop_what_acts():
    from app.pages import ui

    for render in (ui.esc, ui.md, ui.message, ui.shown, ui.plain, ui.highlight):
        assert not acts(render(HOSTILE)), render.__name__
    cited = hostile_answer().citations[0]
    assert not acts(ui.citation_html(cited)) and "<mark" in ui.citation_html(cited)
