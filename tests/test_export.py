"""The Word export says what the Markdown says: headings, lists, quotes and emphasis survive."""

import io

from docx import Document

from app.jobs.export import markdown_docx

PLAN = """# How successful was Stalin's foreign policy?

## 1. Collective security

- **Point:** the Franco-Soviet pact of 1935 was a gain.
- "The pact was signed in May 1935" [1]
  - nested detail

> Tucker reads it as a cover for a German deal [2].

1. first
2. second

Plain *italic* text with `code`.

[1] Source one, passage 3.
"""


def paragraphs(data: bytes) -> list[tuple[str, str]]:
    return [(p.style.name, p.text) for p in Document(io.BytesIO(data)).paragraphs]


def test_headings_lists_and_quotes_keep_their_text_and_their_word_styles():
    got = paragraphs(markdown_docx(PLAN))
    assert got[0] == ("Title", "How successful was Stalin's foreign policy?")
    assert ("Heading 2", "1. Collective security") in got
    assert ("List Bullet", "Point: the Franco-Soviet pact of 1935 was a gain.") in got
    assert ("List Bullet", '"The pact was signed in May 1935" [1]') in got
    assert ("List Bullet 2", "nested detail") in got
    assert ("Quote", "Tucker reads it as a cover for a German deal [2].") in got
    assert ("List Number", "first") in got
    assert ("Normal", "[1] Source one, passage 3.") in got


def test_bold_and_italic_become_word_formatting_not_asterisks():
    doc = Document(io.BytesIO(markdown_docx(PLAN)))
    point = next(p for p in doc.paragraphs if p.text.startswith("Point:"))
    assert point.runs[0].text == "Point:" and point.runs[0].bold
    plain = next(p for p in doc.paragraphs if p.text.startswith("Plain"))
    assert any(r.italic and r.text == "italic" for r in plain.runs)
    assert "*" not in "".join(p.text for p in doc.paragraphs)


def test_a_given_title_is_the_documents_title_and_the_first_heading_stays_a_heading():
    doc = Document(io.BytesIO(markdown_docx(PLAN, title="Essay plan")))
    assert doc.core_properties.title == "Essay plan"
    assert doc.paragraphs[0].style.name == "Heading 1"
